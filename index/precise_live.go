package index

import (
	"context"
	"fmt"
	"sync"

	"github.com/bloomsimd/bloomsimd/rotate"
)

// PreciseLive is the live head index of the precise index: the position
// vectors of the sections not yet on disk, updated block by block from the
// blocks' log values, so that recent queries are precise too. A block's wide
// bloom is cut into parts of 2048 positions, each held by its own Live (the
// bloom-bit live index, unchanged), all fed the same chain of hashes, so reorgs
// and dropping sections work exactly as there.
//
// The parts change together: a mutex makes Add, Follow and DropThrough apply to
// every part before a Snapshot can see any of them (a reader waits at most for
// one block's update), so a snapshot's parts always share one tip.
type PreciseLive struct {
	geo   Geometry
	parts []*Live
	mu    sync.RWMutex
	pos   []uint // scratch of the writer, under mu
}

// NewPreciseLive returns an empty PreciseLive for sections of sectionSize blocks
// and geometry g (the disk index's: PreciseReader.Geometry).
func NewPreciseLive(sectionSize uint64, g Geometry) (*PreciseLive, error) {
	if err := g.Check(); err != nil {
		return nil, err
	}
	l := &PreciseLive{geo: g, parts: make([]*Live, g.Bits/rotate.BloomBitLength)}
	for i := range l.parts {
		part, err := NewLive(sectionSize)
		if err != nil {
			return nil, err
		}
		l.parts[i] = part
	}
	return l, nil
}

// Geometry returns the index's geometry.
func (l *PreciseLive) Geometry() Geometry { return l.geo }

// partBlooms returns the block's wide bloom cut into its parts.
func (l *PreciseLive) partBlooms(values [][]byte) [][rotate.BloomByteLength]byte {
	blooms := make([][rotate.BloomByteLength]byte, len(l.parts))
	l.pos = addPartBlooms(blooms, l.geo, values, l.pos)
	return blooms
}

// Add makes block number (with hash and parentHash, and the log values of its
// receipts: AppendLogValues) the tip, as Live.Add; the errors are Live.Add's,
// and leave the PreciseLive unchanged.
func (l *PreciseLive) Add(number uint64, hash, parentHash [32]byte, values [][]byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	blooms := l.partBlooms(values)
	// Every part holds the same chain, so the first part's answer is every
	// part's: the others are fed only once it has accepted the block.
	for i, part := range l.parts {
		if err := part.Add(number, hash, parentHash, blooms[i]); err != nil {
			if i > 0 {
				return fmt.Errorf("index: precise live part %d diverged: %w", i, err)
			}
			return err
		}
	}
	return nil
}

// PreciseHeaderFunc looks up the parent hash and the log values of the block
// with hash and number, for Follow; ok is false when it is not found.
type PreciseHeaderFunc func(hash [32]byte, number uint64) (parentHash [32]byte, values [][]byte, ok bool)

// Follow brings the PreciseLive to a new chain head as Live.Follow does, with
// the head's log values; header is asked once per missing block.
func (l *PreciseLive) Follow(number uint64, hash, parentHash [32]byte, values [][]byte, from uint64, header PreciseHeaderFunc) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	type looked struct {
		parent [32]byte
		blooms [][rotate.BloomByteLength]byte
		ok     bool
	}
	seen := map[[32]byte]looked{}
	head := l.partBlooms(values)
	for i, part := range l.parts {
		err := part.Follow(number, hash, parentHash, head[i], from, func(h [32]byte, n uint64) ([32]byte, [256]byte, bool) {
			got, done := seen[h]
			if !done {
				parent, vals, ok := header(h, n)
				got = looked{parent: parent, ok: ok}
				if ok {
					got.blooms = l.partBlooms(vals)
				}
				seen[h] = got
			}
			if !got.ok {
				return [32]byte{}, [256]byte{}, false
			}
			return got.parent, got.blooms[i], true
		})
		if err != nil {
			if i > 0 {
				return fmt.Errorf("index: precise live part %d diverged: %w", i, err)
			}
			return err
		}
	}
	return nil
}

// DropThrough forgets the sections up to and including section, as
// Live.DropThrough (once the precise index holds them on disk).
func (l *PreciseLive) DropThrough(section uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, part := range l.parts {
		part.DropThrough(section)
	}
}

// Snapshot returns the newest tip, for a query to read all its positions from.
func (l *PreciseLive) Snapshot() PreciseLiveSnapshot {
	l.mu.RLock()
	defer l.mu.RUnlock()
	sn := PreciseLiveSnapshot{geo: l.geo, parts: make([]LiveSnapshot, len(l.parts))}
	for i, part := range l.parts {
		sn.parts[i] = part.Snapshot()
	}
	// The writers hold mu, so the first part's head is the snapshot's tip.
	sn.head, sn.hash, sn.ok = l.parts[0].Head()
	return sn
}

// PreciseLiveSnapshot is one tip of a PreciseLive: a scheduler.Source of position
// vectors that never change, and a matcher.Coverage covering the sections it
// serves.
type PreciseLiveSnapshot struct {
	geo   Geometry
	parts []LiveSnapshot
	head  uint64   // the tip's number
	hash  [32]byte // and hash
	ok    bool     // false if the snapshot holds no block
}

// Head returns the tip's number and hash, and false if the snapshot holds no
// block. A query compares the hash with the canonical one before using the
// snapshot: a PreciseLive that has not followed a reorg yet holds another chain.
func (sn PreciseLiveSnapshot) Head() (number uint64, hash [32]byte, ok bool) {
	return sn.head, sn.hash, sn.ok
}

// Sections returns the sections the snapshot serves, as LiveSnapshot.Sections.
func (sn PreciseLiveSnapshot) Sections() (first, count uint64) {
	if len(sn.parts) == 0 {
		return 0, 0
	}
	return sn.parts[0].Sections()
}

// Bitsets fills dst[i] with the vector of position for section first+i; a
// section the snapshot does not serve is an error naming it.
func (sn PreciseLiveSnapshot) Bitsets(ctx context.Context, position uint, first uint64, dst [][]byte) error {
	if position >= uint(len(sn.parts))*rotate.BloomBitLength {
		return fmt.Errorf("index: precise live position %d out of range [0, %d)", position, len(sn.parts)*rotate.BloomBitLength)
	}
	return sn.parts[position/rotate.BloomBitLength].Bitsets(ctx, position%rotate.BloomBitLength, first, dst)
}

// Covered sets covered[i] to whether the snapshot serves section first+i.
func (sn PreciseLiveSnapshot) Covered(ctx context.Context, first uint64, covered []bool) error {
	lo, n := sn.Sections()
	for i := range covered {
		s := first + uint64(i)
		covered[i] = n > 0 && s >= lo && s-lo < n
	}
	if ctx != nil {
		return ctx.Err()
	}
	return nil
}
