package index

import (
	"context"
	"testing"
)

// A Snapshot read in ascending runs, as Scan reads it, reads ahead: the heads
// of 40 sections read 4 at a time cost 4 canonical-hash reads (runs from
// sections 0, 4, 12 and 28, each reading ahead as many sections as are held),
// not one per run; later bits read no heads.
func TestSnapshotReadAhead(t *testing.T) {
	const size, n = 8, 40
	var sections [][][256]byte
	for s := range n {
		sections = append(sections, makeSection(t, s%kinds, size, uint64(s)))
	}
	c := newTestChain(t, size, sections)
	snap := c.reader(t).Snapshot()
	for bit := range uint(3) {
		gets := c.db.gets.Load()
		for first := uint64(0); first < n; first += 4 {
			c.checkRun(t, snap, bit*700, first, 4)
		}
		want := int64(4)
		if bit > 0 {
			want = 0
		}
		if g := c.db.gets.Load() - gets; g != want {
			t.Errorf("bit %d: %d canonical-hash reads, want %d", bit*700, g, want)
		}
	}
}

// Heads read ahead are kept only if confirmed: with the stored heads lagging a
// reorg of sections 5 to 7, a run that reads ahead into them keeps only its own
// sections (confirmed by their last canonical hash), and a run that reaches
// the reorg reads the new chain's heads.
func TestSnapshotReadAheadReorg(t *testing.T) {
	const size = 64
	var sections [][][256]byte
	for s := range 8 {
		sections = append(sections, makeSection(t, kindReal, size, uint64(s)))
	}
	c := newTestChain(t, size, sections)
	w, err := NewWriter(size)
	if err != nil {
		t.Fatal(err)
	}
	for s := uint64(5); s < 8; s++ {
		b := makeSection(t, kindDense, size, 100+s)
		c.index(t, w, s, b, testHead(s, 1))
		c.setCanonical(s, testHead(s, 1)) // the stored head stays chain A's
		c.vectors[s] = refVectors(b)
	}
	snap := c.reader(t).Snapshot()
	gets := c.db.gets.Load()
	c.checkRun(t, snap, 9, 0, 2) // heads of 0, 1 confirmed by 1's
	c.checkRun(t, snap, 9, 2, 2) // 2..5 read, 5's not canonical, 2, 3 confirmed by 3's
	c.checkRun(t, snap, 9, 4, 4) // 4..7 read, 7's not canonical: one read per section
	if g := c.db.gets.Load() - gets; g != 1+2+5 {
		t.Errorf("%d canonical-hash reads, want 8", g)
	}
	for bit := range uint(BloomBits) {
		if bit%31 == 0 {
			c.checkRun(t, snap, bit, 0, 8)
		}
	}
	// A run that ends in the reorg: 3..7 read, neither 7's nor 5's canonical.
	snap = c.reader(t).Snapshot()
	c.checkRun(t, snap, 9, 0, 3)
	c.checkRun(t, snap, 9, 3, 3)
	c.checkRun(t, snap, 9, 6, 2)
}

// Once its heads are held, a Snapshot's Bitsets allocates nothing over a store
// that allocates nothing.
func TestSnapshotAllocs(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("coverage counters allocate")
	}
	const size = 4096
	c := newTestChain(t, size, [][][256]byte{makeSection(t, kindReal, size, 1), makeSection(t, kindSparse, size, 2), makeSection(t, kindEmpty, size, 3)})
	c.db.reuse = new(memIter)
	snap := c.reader(t).Snapshot()
	dst := c.buffers(3)
	ctx := context.Background()
	if err := snap.Bitsets(ctx, 0, 0, dst); err != nil {
		t.Fatal(err)
	}
	bit := uint(1)
	if n := testing.AllocsPerRun(100, func() {
		if err := snap.Bitsets(ctx, bit, 0, dst); err != nil {
			t.Fatal(err)
		}
		bit = (bit + 1) % BloomBits
	}); n != 0 {
		t.Errorf("%v allocations per Bitsets call", n)
	}
}

// A head once held never changes, even when a later call resolves it again with
// others: after a reorg of sections 1 and 2, a call of both reads section 1
// under the head the snapshot read before, and section 2 under the new one.
func TestSnapshotKeepsHeads(t *testing.T) {
	const size = 64
	c := newTestChain(t, size, [][][256]byte{makeSection(t, kindReal, size, 1), makeSection(t, kindReal, size, 2), makeSection(t, kindReal, size, 3)})
	snap := c.reader(t).Snapshot()
	c.checkRun(t, snap, 5, 0, 2)
	w, err := NewWriter(size)
	if err != nil {
		t.Fatal(err)
	}
	oldVectors := c.vectors[1]
	for s := uint64(1); s < 3; s++ {
		b := makeSection(t, kindDense, size, 10+s)
		c.index(t, w, s, b, testHead(s, 1))
		c.setCanonical(s, testHead(s, 1))
		c.vectors[s] = refVectors(b)
	}
	c.checkRun(t, c.reader(t).Snapshot(), 5, 1, 2) // a new query reads the new chain
	c.vectors[1] = oldVectors
	c.checkRun(t, snap, 5, 1, 2)
	c.checkRun(t, snap, 6, 0, 3)
}
