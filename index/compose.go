package index

import (
	"context"
	"errors"

	"github.com/bloomsimd/bloomsimd/scheduler"
)

// Composed serves every section up to the chain head: the ones on disk from the
// disk index, the rest from the Live. It is a scheduler.Source (for a node's
// retrieval server) and reports the sections it covers (for BloomStatus).
type Composed struct {
	disk         scheduler.Source
	diskSections func() uint64
	live         *Live
}

// Compose joins a disk index (a Source, e.g. the Reader over the node's
// database, serving sections 0 .. diskSections()-1) and the Live that holds the
// sections after them. disk and diskSections may be nil when nothing is on disk.
// Call live.DropThrough(s) only once diskSections() > s, so that every section
// stays served by one of the two.
func Compose(disk scheduler.Source, diskSections func() uint64, live *Live) *Composed {
	return &Composed{disk: disk, diskSections: diskSections, live: live}
}

// Sections returns the number of sections from 0 that the disk index and the
// Live serve together: the value for a node's BloomStatus.
func (c *Composed) Sections() uint64 {
	return c.live.IndexedSections(c.onDisk())
}

// SectionsAt is Sections for a node whose chain head is block head: when the
// Live has not caught up with head yet (its feeder runs after the head moves),
// it counts only the sections the Live holds completely, so that the filter
// reads the blocks after them header by header instead of missing them.
func (c *Composed) SectionsAt(head uint64) uint64 {
	n := c.Sections()
	sn := c.live.Snapshot()
	if tip, ok := sn.Head(); !ok || tip < head {
		complete := uint64(0)
		if ok {
			complete = (tip + 1) / c.live.size
		}
		n = min(n, max(complete, c.onDisk()))
	}
	return n
}

// Changing is scheduler.ChangingSource: the sections after the disk index's are
// the Live's, which grow block by block and change in reorgs.
func (c *Composed) Changing(section uint64) bool { return section >= c.onDisk() }

func (c *Composed) onDisk() uint64 {
	if c.diskSections == nil || c.disk == nil {
		return 0
	}
	return c.diskSections()
}

// Bitsets is scheduler.Source: each call reads the disk index's section count and
// the Live's newest tip anew.
func (c *Composed) Bitsets(ctx context.Context, bit uint, first uint64, dst [][]byte) error {
	return c.Pin().Bitsets(ctx, bit, first, dst)
}

// Pin returns a Source fixed to the current disk section count and Live tip, for
// a query that must see one tip in all the bits it reads (Scan).
func (c *Composed) Pin() *PinnedSource {
	// The snapshot first: a section the Live dropped after it was taken is on
	// disk by the time the count is read (DropThrough follows the disk commit).
	live := c.live.Snapshot()
	return &PinnedSource{disk: c.disk, onDisk: c.onDisk(), live: live}
}

// PinnedSource is a Composed fixed to one disk section count and one Live tip.
type PinnedSource struct {
	disk   scheduler.Source
	onDisk uint64
	live   LiveSnapshot
}

// Changing is scheduler.ChangingSource: the sections above the pinned disk count
// are served from the Live.
func (p *PinnedSource) Changing(section uint64) bool { return section >= p.onDisk }

// Bitsets reads the sections below the pinned disk count from disk and the
// others from the pinned Live snapshot.
func (p *PinnedSource) Bitsets(ctx context.Context, bit uint, first uint64, dst [][]byte) error {
	if first < p.onDisk {
		n := uint64(len(dst))
		if p.onDisk-first < n {
			n = p.onDisk - first
		}
		if p.disk == nil {
			return errors.New("index: no disk source")
		}
		if err := p.disk.Bitsets(ctx, bit, first, dst[:n]); err != nil {
			return err
		}
		first, dst = first+n, dst[n:]
	}
	if len(dst) == 0 {
		return nil
	}
	return p.live.Bitsets(ctx, bit, first, dst)
}
