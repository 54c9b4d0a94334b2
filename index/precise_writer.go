package index

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/bloomsimd/bloomsimd/bitops"
	"github.com/bloomsimd/bloomsimd/rotate"
)

// PreciseWriter builds the precise index one section at a time, from the log
// values of the section's blocks: Reset(section), AddBlock for each block in
// order, then Commit under the hash of the section's last block. A block's
// wide bloom is cut into header-bloom-sized parts of 2048 positions, each
// rotated by its own rotate.Generator, so the section's vectors come out of the
// bloom-bit index's transpose kernels. It keeps its memory from section to
// section (Bits/2048 bit matrices of sectionSize/8 × 2048 bytes). It is not safe
// for concurrent use.
type PreciseWriter struct {
	geo         Geometry
	sectionSize uint64
	section     uint64
	gens        []*rotate.Generator            // part i holds positions i*2048..
	blooms      [][rotate.BloomByteLength]byte // the block being added, per part
	pos         []uint
	// packed holds the section's values back to back, position p's ending at
	// ends[p]; reused from section to section.
	packed []byte
	ends   []int
}

// NewPreciseWriter returns a PreciseWriter for sections of sectionSize blocks (a
// positive multiple of 8) and geometry g.
func NewPreciseWriter(sectionSize uint64, g Geometry) (*PreciseWriter, error) {
	if err := checkSectionSize(sectionSize); err != nil {
		return nil, err
	}
	if err := g.Check(); err != nil {
		return nil, err
	}
	parts := int(g.Bits / rotate.BloomBitLength)
	w := &PreciseWriter{
		geo:         g,
		sectionSize: sectionSize,
		gens:        make([]*rotate.Generator, parts),
		blooms:      make([][rotate.BloomByteLength]byte, parts),
		ends:        make([]int, g.Bits),
	}
	for i := range w.gens {
		gen, err := rotate.NewGenerator(uint(sectionSize))
		if err != nil {
			return nil, fmt.Errorf("index: section size %d: %w", sectionSize, err)
		}
		w.gens[i] = gen
	}
	return w, nil
}

// Geometry returns the writer's geometry.
func (w *PreciseWriter) Geometry() Geometry { return w.geo }

// SectionSize returns the number of blocks per section.
func (w *PreciseWriter) SectionSize() uint64 { return w.sectionSize }

// Reset starts section, dropping any blocks added before.
func (w *PreciseWriter) Reset(section uint64) {
	for _, gen := range w.gens {
		gen.Reset()
	}
	w.section = section
}

// AddBlock adds the log values (addresses and topics, see AppendLogValues) of
// the section's block index; blocks must come in order from 0, a block without
// logs with no values. The errors are rotate.Generator's.
func (w *PreciseWriter) AddBlock(index uint, values [][]byte) error {
	w.pos = addPartBlooms(w.blooms, w.geo, values, w.pos)
	for i, gen := range w.gens {
		err := gen.AddBloom(index, w.blooms[i])
		w.blooms[i] = [rotate.BloomByteLength]byte{}
		if err != nil {
			return fmt.Errorf("index: precise section %d: %w", w.section, err)
		}
	}
	return nil
}

// Commit writes the section's Bits position vectors into db under head (the
// hash of the section's last block), then the section head that marks the
// section covered. It fails before writing anything if the section is not
// full. The keys and values are cut from one fresh allocation, so db may keep
// them.
func (w *PreciseWriter) Commit(db Putter, head [32]byte) error {
	if db == nil {
		return errors.New("index: commit into a nil Putter")
	}
	if _, err := w.gens[0].Bitset(0); err != nil {
		return fmt.Errorf("index: commit of precise section %d: %w", w.section, err)
	}
	w.packed = w.packed[:0]
	for p := range uint(w.geo.Bits) {
		vector, err := w.gens[p/rotate.BloomBitLength].Bitset(p % rotate.BloomBitLength)
		if err != nil {
			return fmt.Errorf("index: commit of precise section %d: %w", w.section, err)
		}
		w.packed = appendPreciseValue(w.packed, vector)
		w.ends[p] = len(w.packed)
	}
	n := int(w.geo.Bits)
	out := make([]byte, n*PreciseKeyLen+len(w.packed))
	keys, values := out[:n*PreciseKeyLen], out[n*PreciseKeyLen:]
	copy(values, w.packed)
	start := 0
	for p := range n {
		key := keys[p*PreciseKeyLen : (p+1)*PreciseKeyLen : (p+1)*PreciseKeyLen]
		key[0] = precisePrefix
		binary.BigEndian.PutUint16(key[1:], uint16(p))
		binary.BigEndian.PutUint64(key[3:], w.section)
		copy(key[11:], head[:])
		end := w.ends[p]
		if err := db.Put(key, values[start:end:end]); err != nil {
			return fmt.Errorf("index: writing position %d of precise section %d: %w", p, w.section, err)
		}
		start = end
	}
	if err := db.Put(PreciseSectionHeadKey(w.section), append([]byte(nil), head[:]...)); err != nil {
		return fmt.Errorf("index: writing the head of precise section %d: %w", w.section, err)
	}
	return nil
}

// appendPreciseValue appends the stored value of vector: its format byte, then
// its compressed bytes unless it is all zero.
func appendPreciseValue(dst, vector []byte) []byte {
	at := len(dst)
	dst = bitops.AppendCompressed(append(dst, preciseCompressed), vector)
	if len(dst) == at+1 {
		dst[at] = preciseZero
	}
	return dst
}

// decodePreciseValue decodes a stored value into dst (sectionSize/8 bytes).
func decodePreciseValue(dst, value []byte) error {
	switch {
	case len(value) == 0:
		return errors.New("empty value")
	case value[0] == preciseZero && len(value) == 1:
		clear(dst)
		return nil
	case value[0] == preciseZero:
		return fmt.Errorf("all-zero vector with %d trailing bytes", len(value)-1)
	case value[0] != preciseCompressed:
		return fmt.Errorf("unknown format byte %#x", value[0])
	case len(value) == 1:
		return errors.New("compressed vector of no bytes")
	}
	return bitops.DecompressInto(dst, value[1:])
}

// addPartBlooms sets the positions of values in a block's wide bloom, cut into
// parts of 2048 positions in the header bloom's bit order (position p is bit
// p%2048 of part p/2048, at byte 255-bit/8); pos is scratch, returned for reuse.
func addPartBlooms(parts [][rotate.BloomByteLength]byte, g Geometry, values [][]byte, pos []uint) []uint {
	for _, v := range values {
		pos = g.AppendPositions(pos[:0], v)
		for _, p := range pos {
			bit := p % rotate.BloomBitLength
			parts[p/rotate.BloomBitLength][rotate.BloomByteLength-1-bit/8] |= 1 << (bit % 8)
		}
	}
	return pos
}
