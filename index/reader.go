package index

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"sync"
	"sync/atomic"

	"github.com/bloomsimd/bloomsimd/bitops"
)

// Reader is a scheduler.Source over the bloom-bit index of a key-value store. It is
// safe for concurrent use if the store is (ethdb databases are).
//
// Each Bitsets call reads the canonical heads of its sections first (see
// canonicalHeads: one canonical hash and the BloomIndexer's stored heads for a
// run, or one canonical hash per section), then the bit's vectors: with one
// iterator (skipping keys of other heads, left by a reorg) or with a point read
// per section under its head, whichever it has measured cheaper on its store
// (costs.go; go-ethereum's memorydb copies the whole database per iterator). A
// reorg that lands between the two reads can give vectors of the heads read, as
// go-ethereum's bloom servers do. For a query, Snapshot reads each section's
// head once, and each bit's vectors ahead of Scan's runs.
type Reader struct {
	db          store
	ancient     ancientReader // nil when the store has no freezer
	sectionSize uint64
	scratch     sync.Pool // *readScratch
	// How to read a run of sections: one iterator or a point read per
	// section (costs.go).
	costs storeCosts
	mode  readMode
	now   func() int64 // the clock costs are measured with
	// missing is whether Get of a missing key fails (missingFails), so that a
	// point read can tell a missing vector from an all-zero one (an empty
	// value); 0 until found out.
	missing atomic.Int32
}

const (
	missingFails = 1 + iota
	missingEmpty
)

// readScratch holds a Bitsets call's buffers.
type readScratch struct {
	heads [][HashLength]byte
	ahead [][HashLength]byte // a Snapshot's heads resolved with read-ahead
	// vheads holds a run's heads and those of the sections a Snapshot reads
	// ahead of it.
	vheads [][HashLength]byte
	hkey   [CanonicalHashKeyLen]byte
	vkey   [BloomBitsKeyLen]byte
	skey   [len(sectionHeadPrefix) + 8]byte // stored heads' iterator prefix and start
	// first holds the iterator's prefix and start, never written while an
	// iterator may hold them.
	first [bloomBitsPrefixLength + 8]byte
}

// NewReader returns a Reader of the index of sections of sectionSize blocks in
// db. The iterator type I is inferred from db's NewIterator method, so an
// ethdb.Database passes as it is: index.NewReader(db, params.BloomBitsBlocks).
// If db also has ethdb's Ancient method (a node's database with its freezer),
// canonical hashes are read from the freezer first, as rawdb.ReadCanonicalHash
// does.
func NewReader[I Iterator, D Database[I]](db D, sectionSize uint64) (*Reader, error) {
	if any(db) == nil {
		return nil, errors.New("index: nil database")
	}
	if err := checkSectionSize(sectionSize); err != nil {
		return nil, err
	}
	r := &Reader{db: typedStore[I, D]{db}, sectionSize: sectionSize, now: nanotime}
	r.ancient, _ = any(db).(ancientReader)
	return r, nil
}

// SectionSize returns the number of blocks per section.
func (r *Reader) SectionSize() uint64 { return r.sectionSize }

// Sections returns the number of sections the BloomIndexer has stored (its
// ChainIndexer's count), 0 if none is stored. Sections past the canonical ones
// may still be in the count for a moment after a reorg: Bitsets checks each
// section's head itself.
func (r *Reader) Sections() (uint64, error) {
	v, err := r.db.Get(SectionCountKey())
	switch {
	case err != nil || len(v) == 0:
		return 0, nil // absent, as go-ethereum's ChainIndexer reads it
	case len(v) != 8:
		return 0, fmt.Errorf("index: stored section count: %w: %d bytes, want 8", ErrCorrupt, len(v))
	}
	return binary.BigEndian.Uint64(v), nil
}

// ctxCheckEvery is how many sections Bitsets reads between context checks.
const ctxCheckEvery = 64

// Bitsets fills dst[i] (sectionSize/8 bytes each) with the vector of bloom bit
// bit for section first+i, as indexed under the section's canonical head. It
// fails with an *Error naming the bit and the section for a section without a
// canonical head (ErrNoSection), a missing vector (ErrNoVector) or a corrupt
// value (ErrCorrupt); with ctx.Err() once ctx is done (a nil ctx is
// context.Background()). On error, the contents of dst are unspecified.
func (r *Reader) Bitsets(ctx context.Context, bit uint, first uint64, dst [][]byte) error {
	return r.bitsets(ctx, nil, bit, first, dst)
}

// bitsets is Bitsets, taking the canonical heads from snap if it is not nil.
func (r *Reader) bitsets(ctx context.Context, snap *Snapshot, bit uint, first uint64, dst [][]byte) error {
	n := uint64(len(dst))
	if err := r.checkRequest(bit, first, dst); err != nil || n == 0 {
		return err
	}
	if ctx == nil {
		ctx = context.Background() // as matcher.Scan
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	sc, _ := r.scratch.Get().(*readScratch)
	if sc == nil {
		sc = new(readScratch)
	}
	defer r.scratch.Put(sc)
	if cap(sc.heads) < len(dst) {
		sc.heads = make([][HashLength]byte, len(dst))
	}
	heads := sc.heads[:len(dst)]
	var err error
	if snap != nil {
		err = snap.heads(ctx, sc, first, heads)
	} else {
		err = r.canonicalHeads(ctx, sc, first, heads)
	}
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			e.Bit = bit
		}
		return err
	}
	if snap != nil {
		return snap.readVectors(ctx, sc, bit, first, heads, dst)
	}
	return r.readVectors(ctx, sc, bit, first, heads, dst)
}

// checkRequest checks the arguments of Bitsets.
func (r *Reader) checkRequest(bit uint, first uint64, dst [][]byte) error {
	n := uint64(len(dst))
	if bit >= BloomBits {
		return fmt.Errorf("index: bloom bit %d out of range [0, %d)", bit, BloomBits)
	}
	// Every section's last block number, (first+n)*sectionSize-1, must fit.
	if n > 0 && (first+(n-1) < first || !r.hasBlocks(first+(n-1))) {
		return fmt.Errorf("index: %d sections from section %d end beyond the last block number", n, first)
	}
	for i, d := range dst {
		if uint64(len(d)) != r.sectionSize/8 {
			return fmt.Errorf("index: bloom bit %d, section %d: buffer of %d bytes, want %d", bit, first+uint64(i), len(d), r.sectionSize/8)
		}
	}
	return nil
}

// hasBlocks reports whether every block of section has a number: whether its
// last block, (section+1)*sectionSize-1, is at most 2^64-1.
func (r *Reader) hasBlocks(section uint64) bool {
	hi, lo := bits.Mul64(section, r.sectionSize)
	return hi == 0 && lo <= math.MaxUint64-(r.sectionSize-1)
}

// iterate reports whether to read a run of n sections with one iterator (and
// gets point reads besides) rather than a point read per section.
func (r *Reader) iterate(n, gets int) bool {
	switch r.mode {
	case iterating:
		return n > gets
	case pointReads:
		return false
	}
	return r.costs.iterate(n, gets)
}

// readVectors decodes bit's vectors of sections first.. under heads into dst,
// with one iterator over the bit's keys or with a point read per section.
func (r *Reader) readVectors(ctx context.Context, sc *readScratch, bit uint, first uint64, heads [][HashLength]byte, dst [][]byte) error {
	if r.iterate(len(dst), 0) || !r.missingFails() {
		return r.iterateVectors(ctx, sc, bit, first, heads, dst, nil)
	}
	return r.getVectors(ctx, sc, bit, first, heads, dst)
}

// missingFails reports whether Get of a missing key fails, as it does in every
// ethdb store, finding it out with a key no index holds (section 2^64-1 has no
// blocks). A store whose Get returns an empty value for a missing key is read
// with iterators only: there an empty value could be a missing vector.
func (r *Reader) missingFails() bool {
	m := r.missing.Load()
	if m == 0 {
		m = missingEmpty
		if _, err := r.db.Get(BloomBitsKey(0, math.MaxUint64, [HashLength]byte{})); err != nil {
			m = missingFails
		}
		r.missing.Store(m)
	}
	return m == missingFails
}

// getVectors is readVectors with a point read per section, as go-ethereum's
// bloom servers read (rawdb.ReadBloomBits).
func (r *Reader) getVectors(ctx context.Context, sc *readScratch, bit uint, first uint64, heads [][HashLength]byte, dst [][]byte) error {
	start := r.now()
	for i := range dst {
		if i%ctxCheckEvery == ctxCheckEvery-1 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		section := first + uint64(i)
		v, err := r.db.Get(appendBloomBitsKey(sc.vkey[:0], bit, section, heads[i]))
		if err != nil {
			return &Error{Bit: bit, Section: section, Err: fmt.Errorf("%w %x: %w", ErrNoVector, heads[i], err)}
		}
		if err := bitops.DecompressInto(dst[i], v); err != nil {
			return &Error{Bit: bit, Section: section, Err: fmt.Errorf("%w: %w", ErrCorrupt, err)}
		}
	}
	r.costs.pointsRead(len(dst), r.now()-start)
	return nil
}

// iterateVectors is readVectors with one iterator over the bit's keys from
// section first. With ahead, it goes on past dst into the sections whose heads
// follow in heads (len(heads) > len(dst)), keeping their values in ahead until
// one is missing or ahead is full: read-ahead never fails a call.
func (r *Reader) iterateVectors(ctx context.Context, sc *readScratch, bit uint, first uint64, heads [][HashLength]byte, dst [][]byte, ahead *aheadValues) error {
	start := r.now()
	key := sc.first[:0]
	key = append(key, bloomBitsPrefix)
	key = binary.BigEndian.AppendUint16(key, uint16(bit))
	key = binary.BigEndian.AppendUint64(key, first)
	// Full slice expressions: a store that appends start to prefix gets a copy.
	it := r.db.iterate(key[:bloomBitsPrefixLength:bloomBitsPrefixLength], key[bloomBitsPrefixLength:len(key):len(key)])
	if it == nil {
		return fmt.Errorf("index: bloom bit %d: the database returned no iterator", bit)
	}
	defer it.Release()
	next := uint64(0) // dst[next] is the next vector to read
	n, total := uint64(len(dst)), uint64(len(dst))
	if ahead != nil {
		total = uint64(len(heads))
		ahead.reset(first + n)
	}
	keys, opened := 0, int64(0)
loop:
	for next < total && it.Next() {
		if keys++; keys == 1 {
			opened = r.now()
		}
		k := it.Key()
		if !bytes.HasPrefix(k, key[:bloomBitsPrefixLength]) {
			// Not a key of bit's: a store that ignores prefix.
			if bytes.Compare(k, key[:bloomBitsPrefixLength]) > 0 {
				break // past bit's keys
			}
			continue
		}
		if len(k) != BloomBitsKeyLen {
			continue // not a bloom-bits key
		}
		section := binary.BigEndian.Uint64(k[bloomBitsPrefixLength:])
		switch {
		case section < first+next:
			continue // before the range: a store that ignores start
		case section > first+next && next >= n:
			break loop // read-ahead ends where a vector is missing
		case section > first+next:
			// The iterator passed section first+next without its head's key.
			return &Error{Bit: bit, Section: first + next, Err: fmt.Errorf("%w %x", ErrNoVector, heads[next])}
		case !bytes.Equal(k[bloomBitsPrefixLength+8:], heads[next][:]):
			continue // indexed under a head no longer canonical
		}
		if next >= n {
			if !ahead.add(it.Value()) {
				break // full
			}
		} else if err := bitops.DecompressInto(dst[next], it.Value()); err != nil {
			return &Error{Bit: bit, Section: section, Err: fmt.Errorf("%w: %w", ErrCorrupt, err)}
		}
		if next++; next%ctxCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	}
	if err := it.Error(); err != nil {
		if next >= n && ahead != nil {
			ahead.reset(first + n) // dst is read: only what was read ahead is doubtful
			return nil
		}
		return &Error{Bit: bit, Section: first + next, Err: err}
	}
	if next < n {
		return &Error{Bit: bit, Section: first + next, Err: fmt.Errorf("%w %x", ErrNoVector, heads[next])}
	}
	r.costs.iterated(opened-start, r.now()-opened, keys)
	return nil
}
