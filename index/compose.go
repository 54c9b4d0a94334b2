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
	live, onDisk := c.tip()
	return (&ComposedSnapshot{disk: c.disk, onDisk: onDisk, live: live}).Bitsets(ctx, bit, first, dst)
}

// Snapshot returns a Source fixed to one disk section count and one Live tip,
// for a query that must see one tip in all the bits it reads (Scan): use a
// fresh one per query. When the disk index is a *Reader, the snapshot reads it
// through a Reader Snapshot of its own, so that each disk section's head is
// resolved once per query too.
func (c *Composed) Snapshot() *ComposedSnapshot {
	live, onDisk := c.tip()
	disk := c.disk
	if r, ok := disk.(*Reader); ok && r != nil {
		disk = r.Snapshot()
	}
	return &ComposedSnapshot{disk: disk, onDisk: onDisk, live: live}
}

// Pin is Snapshot.
//
// Deprecated: use Snapshot, the per-query view's name on Reader, Live and
// Composed alike.
func (c *Composed) Pin() *ComposedSnapshot { return c.Snapshot() }

// tipTries is how many times tip reads the Live and the disk count without
// holding off the Live's writer.
const tipTries = 8

// tip returns a Live snapshot and the disk section count of one moment: the
// Live did not change while the count was read. Otherwise a section reorged
// and committed to disk meanwhile could be read from disk on the new chain,
// and the section after it from the Live's old tip.
func (c *Composed) tip() (LiveSnapshot, uint64) {
	for range tipTries {
		// The snapshot first: a section the Live dropped after it was taken is on
		// disk by the time the count is read (DropThrough follows the disk commit).
		live := c.live.Snapshot()
		onDisk := c.onDisk()
		if c.live.Snapshot().same(live) {
			return live, onDisk
		}
	}
	// The Live moves faster than the count is read: hold its writer off.
	c.live.mu.Lock()
	defer c.live.mu.Unlock()
	return c.live.Snapshot(), c.onDisk()
}

// ComposedSnapshot is a Composed fixed to one disk section count and one Live
// tip.
type ComposedSnapshot struct {
	disk   scheduler.Source
	onDisk uint64
	live   LiveSnapshot
}

// PinnedSource is ComposedSnapshot.
//
// Deprecated: use ComposedSnapshot.
type PinnedSource = ComposedSnapshot

// Changing is scheduler.ChangingSource: the sections above the pinned disk count
// are served from the Live.
func (p *ComposedSnapshot) Changing(section uint64) bool { return section >= p.onDisk }

// ScanSections tells the disk's Reader Snapshot the scan's sections below the
// pinned disk count (Snapshot.ScanSections); matcher.Scan calls it.
func (p *ComposedSnapshot) ScanSections(first, count uint64) {
	if s, ok := p.disk.(*Snapshot); ok && first < p.onDisk {
		s.ScanSections(first, min(count, p.onDisk-first))
	}
}

// Bitsets reads the sections below the pinned disk count from disk and the
// others from the pinned Live snapshot.
func (p *ComposedSnapshot) Bitsets(ctx context.Context, bit uint, first uint64, dst [][]byte) error {
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
