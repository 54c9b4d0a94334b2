package index

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/bits"
)

// ErrNoPreciseIndex: the store holds no precise index geometry record.
var ErrNoPreciseIndex = errors.New("index: no precise index in the database")

// PreciseError is a PreciseReader error about one position of one section.
type PreciseError struct {
	Position uint
	Section  uint64
	Err      error // wraps ErrNoSection, ErrNoVector, ErrCorrupt or a store error
}

func (e *PreciseError) Error() string {
	return fmt.Sprintf("index: precise position %d, section %d: %v", e.Position, e.Section, e.Err)
}

func (e *PreciseError) Unwrap() error { return e.Err }

// PreciseReader is a scheduler.Source over the precise index of a key-value
// store: Bitsets(position, ...) gives position vectors where a Reader gives
// bloom-bit vectors, for a Matcher built by matcher.NewPositionMatcher. Like the
// Reader it reads only the keys of each section's canonical head, so a reorg
// never mixes chains; Covered tells which sections the precise index holds
// under their canonical head, so that a query falls back to the bloom bits for
// the others. It is safe for concurrent use if the store is.
type PreciseReader struct {
	heads *Reader // canonical heads, resolved as the bloom-bit Reader does
	geo   Geometry
}

// NewPreciseReader returns a PreciseReader of the precise index of sections of
// sectionSize blocks in db, with the geometry stored there; ErrNoPreciseIndex
// if there is none, an error wrapping ErrCorrupt if it is malformed.
func NewPreciseReader[I Iterator, D Database[I]](db D, sectionSize uint64) (*PreciseReader, error) {
	r, err := NewReader[I, D](db, sectionSize)
	if err != nil {
		return nil, err
	}
	v, err := db.Get(PreciseMetaKey())
	if err != nil || len(v) == 0 {
		return nil, ErrNoPreciseIndex
	}
	g, err := DecodePreciseMeta(v)
	if err != nil {
		return nil, err
	}
	return &PreciseReader{heads: r, geo: g}, nil
}

// Geometry returns the index's geometry: a filter's values map to positions by
// its AppendPositions.
func (r *PreciseReader) Geometry() Geometry { return r.geo }

// SectionSize returns the number of blocks per section.
func (r *PreciseReader) SectionSize() uint64 { return r.heads.sectionSize }

// Bitsets fills dst[i] (sectionSize/8 bytes each) with the vector of position
// for section first+i, as indexed under the section's canonical head. It fails
// with a *PreciseError naming the position and the section for a section
// without a canonical head (ErrNoSection), a missing vector (ErrNoVector: the
// section is not covered) or a corrupt value (ErrCorrupt); with ctx.Err() once
// ctx is done. On error, the contents of dst are unspecified.
func (r *PreciseReader) Bitsets(ctx context.Context, position uint, first uint64, dst [][]byte) error {
	if err := r.checkRequest(position, first, dst); err != nil || len(dst) == 0 {
		return err
	}
	if ctx == nil {
		ctx = context.Background()
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	sc, _ := r.heads.scratch.Get().(*readScratch)
	if sc == nil {
		sc = new(readScratch)
	}
	defer r.heads.scratch.Put(sc)
	if cap(sc.heads) < len(dst) {
		sc.heads = make([][HashLength]byte, len(dst))
	}
	heads := sc.heads[:len(dst)]
	if err := r.heads.canonicalHeads(ctx, sc, first, heads); err != nil {
		var e *Error
		if errors.As(err, &e) {
			return &PreciseError{Position: position, Section: e.Section, Err: e.Err}
		}
		return err
	}
	var key [PreciseKeyLen]byte
	for i := range dst {
		section := first + uint64(i)
		if i%ctxCheckEvery == ctxCheckEvery-1 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		v, err := r.heads.db.Get(appendPreciseKey(key[:0], position, section, heads[i]))
		if err != nil || len(v) == 0 {
			return &PreciseError{Position: position, Section: section, Err: fmt.Errorf("%w %x", ErrNoVector, heads[i])}
		}
		if err := decodePreciseValue(dst[i], v); err != nil {
			return &PreciseError{Position: position, Section: section, Err: fmt.Errorf("%w: %w", ErrCorrupt, err)}
		}
	}
	return nil
}

func (r *PreciseReader) checkRequest(position uint, first uint64, dst [][]byte) error {
	n := uint64(len(dst))
	if position >= uint(r.geo.Bits) {
		return fmt.Errorf("index: precise position %d out of range [0, %d)", position, r.geo.Bits)
	}
	if hi, _ := bits.Mul64(first+n, r.heads.sectionSize); first+n < first || hi != 0 {
		return fmt.Errorf("index: %d sections from section %d end beyond the last block number", n, first)
	}
	for i, d := range dst {
		if uint64(len(d)) != r.heads.sectionSize/8 {
			return fmt.Errorf("index: precise position %d, section %d: buffer of %d bytes, want %d", position, first+uint64(i), len(d), r.heads.sectionSize/8)
		}
	}
	return nil
}

// Covered sets covered[i] to whether section first+i is in the precise index
// under its canonical head (its stored precise section head is the canonical
// hash of its last block). A section without a canonical head is not covered.
// A stored head of the wrong length is an error naming the section.
func (r *PreciseReader) Covered(ctx context.Context, first uint64, covered []bool) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if n := uint64(len(covered)); first+n < first || (n > 0 && first+n-1 > (^uint64(0))/r.heads.sectionSize-1) {
		return fmt.Errorf("index: %d sections from section %d end beyond the last block number", n, first)
	}
	var sc readScratch
	for i := range covered {
		section := first + uint64(i)
		if i%ctxCheckEvery == ctxCheckEvery-1 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		covered[i] = false
		stored, err := r.heads.db.Get(PreciseSectionHeadKey(section))
		if err != nil || len(stored) == 0 {
			continue
		}
		if len(stored) != HashLength {
			return &PreciseError{Section: section, Err: fmt.Errorf("%w: stored precise section head of %d bytes", ErrCorrupt, len(stored))}
		}
		var head [HashLength]byte
		if r.heads.canonicalHead(&sc, section, &head) != nil {
			continue
		}
		covered[i] = bytes.Equal(stored, head[:])
	}
	return ctx.Err()
}
