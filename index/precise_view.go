package index

import (
	"context"
	"errors"
	"fmt"
	"math/bits"
)

// PreciseView is one query's view of the precise index: the sections on disk (a
// PreciseReader) and the newest ones in memory (one PreciseLiveSnapshot, which
// serves its sections in place of the disk). It is a matcher.PreciseSource: a
// Source of position vectors, a Coverage, the geometry's positions, and Reach,
// which tells how far a query can go precisely before the rest of the range
// needs the chain's headers.
//
// The caller chooses the live snapshot: one whose tip is not canonical (the
// PreciseLive has not followed a reorg yet) must not be given, so that its
// blocks are checked header by header instead (the zero snapshot holds none).
type PreciseView struct {
	disk                 *PreciseReader
	live                 PreciseLiveSnapshot
	liveFirst, liveCount uint64 // the sections live serves
}

// NewPreciseView returns the view of disk and live; live's geometry must be
// disk's (the zero snapshot has none and is always accepted).
func NewPreciseView(disk *PreciseReader, live PreciseLiveSnapshot) (*PreciseView, error) {
	if disk == nil {
		return nil, errors.New("index: precise view without a PreciseReader")
	}
	v := &PreciseView{disk: disk, live: live}
	if len(live.parts) > 0 {
		if live.geo != disk.geo {
			return nil, fmt.Errorf("index: precise live geometry %d bits x %d probes (or its key) differs from the disk index's %d x %d",
				live.geo.Bits, live.geo.Probes, disk.geo.Bits, disk.geo.Probes)
		}
		v.liveFirst, v.liveCount = live.Sections()
	}
	return v, nil
}

// Geometry returns the index's geometry.
func (v *PreciseView) Geometry() Geometry { return v.disk.geo }

// AppendPositions appends value's positions (Geometry().AppendPositions).
func (v *PreciseView) AppendPositions(dst []uint, value []byte) []uint {
	return v.disk.geo.AppendPositions(dst, value)
}

// inLive reports whether the live snapshot serves section s.
func (v *PreciseView) inLive(s uint64) bool {
	return v.liveCount > 0 && s >= v.liveFirst && s-v.liveFirst < v.liveCount
}

// Bitsets fills dst[i] with the vector of position for section first+i: from
// the live snapshot for the sections it serves, from the disk for the others,
// with their errors (PreciseReader.Bitsets').
func (v *PreciseView) Bitsets(ctx context.Context, position uint, first uint64, dst [][]byte) error {
	for i := 0; i < len(dst); {
		live := v.inLive(first + uint64(i))
		j := i + 1
		for j < len(dst) && v.inLive(first+uint64(j)) == live {
			j++
		}
		var err error
		if live {
			err = v.live.Bitsets(ctx, position, first+uint64(i), dst[i:j])
		} else {
			err = v.disk.Bitsets(ctx, position, first+uint64(i), dst[i:j])
		}
		if err != nil {
			return err
		}
		i = j
	}
	return nil
}

// Covered sets covered[i] to whether the view holds section first+i: the live
// snapshot serves it, or the disk index holds it under its canonical head.
func (v *PreciseView) Covered(ctx context.Context, first uint64, covered []bool) error {
	if err := v.disk.Covered(ctx, first, covered); err != nil {
		return err
	}
	for i := range covered {
		covered[i] = covered[i] || v.inLive(first+uint64(i))
	}
	return nil
}

// Reach returns the last block a query can match through this view and the
// bloom-bit index together, when the bloom bits hold bloomSections sections
// (BloomStatus): the newest of their last block and the live tip, cut before
// the first section past the bloom bits that the view does not hold (the
// bloom bits cannot stand in for it there). ok is false if that is no block.
func (v *PreciseView) Reach(ctx context.Context, bloomSections uint64) (last uint64, ok bool, err error) {
	size := v.disk.SectionSize()
	if hi, lo := bits.Mul64(bloomSections, size); hi != 0 || (bloomSections > 0 && lo == 0) {
		return 0, false, fmt.Errorf("index: %d bloom-bit sections end beyond the last block number", bloomSections)
	}
	if bloomSections > 0 {
		last, ok = bloomSections*size-1, true
	}
	if head, _, live := v.live.Head(); live && v.liveCount > 0 && (!ok || head > last) {
		last, ok = head, true
	}
	if !ok || last/size < bloomSections {
		return last, ok, nil
	}
	// Past the bloom bits, in batches: the first section not held ends the reach.
	var covered [1024]bool
	for first := bloomSections; first <= last/size; first += uint64(len(covered)) {
		batch := covered[:min(uint64(len(covered)), last/size-first+1)]
		if err := v.Covered(ctx, first, batch); err != nil {
			return 0, false, err
		}
		for i, c := range batch {
			if !c {
				s := first + uint64(i)
				if s == 0 {
					return 0, false, nil
				}
				return s*size - 1, true, nil
			}
		}
	}
	return last, true, nil
}
