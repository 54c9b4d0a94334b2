package index

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/bloomsimd/bloomsimd/matcher"
	"github.com/bloomsimd/bloomsimd/scheduler"
)

func TestCompose(t *testing.T) {
	const size = 64
	g := newChainGen(t, size, 41)
	disk := &diskSource{size: size, vecs: map[[2]uint64][]byte{}}
	onDisk := uint64(0)
	c := Compose(disk, func() uint64 { return onDisk }, g.live)
	for range 3*size + 10 { // sections 0..3; the Live holds 2 and 3
		g.grow(t)
	}
	chain := chainOf(g.m)
	if got := c.Sections(); got != 0 {
		t.Fatalf("Sections() with a gap between disk and Live = %d, want 0", got)
	}
	disk.commit(0, chain)
	disk.commit(1, chain)
	onDisk = 2
	if got := c.Sections(); got != 4 {
		t.Fatalf("Sections() = %d, want 4", got)
	}
	// Every section 0..3 through one call, from disk and Live.
	m := newModel(size)
	for n := range g.m.next {
		m.blooms[n] = chain[n]
	}
	m.started, m.next = true, g.m.next
	ctx := context.Background()
	for _, src := range []interface {
		Bitsets(context.Context, uint, uint64, [][]byte) error
	}{c, c.Snapshot()} {
		dst := [][]byte{make([]byte, 8), make([]byte, 8), make([]byte, 8), make([]byte, 8)}
		for _, bit := range g.someBits(20) {
			if err := src.Bitsets(ctx, bit, 0, dst); err != nil {
				t.Fatal(err)
			}
			for s, d := range dst {
				if want := m.vector(bit, uint64(s)); !bytes.Equal(d, want) {
					t.Fatalf("bit %d section %d: got %x want %x", bit, s, d, want)
				}
			}
		}
		err := src.Bitsets(ctx, 9, 4, [][]byte{make([]byte, 8)})
		if err == nil || !strings.Contains(err.Error(), "bit 9 of section 4") {
			t.Fatalf("section past the head: %v", err)
		}
	}
	// A head the Live has not reached: only what it holds completely counts.
	tip := g.m.next - 1
	if got := c.SectionsAt(tip); got != 4 {
		t.Errorf("SectionsAt(tip) = %d, want 4", got)
	}
	if got := c.SectionsAt(tip + 1); got != 3 {
		t.Errorf("SectionsAt(tip+1) = %d, want 3", got)
	}
	// Without a disk index.
	if got := Compose(nil, nil, g.live).Sections(); got != 0 {
		t.Errorf("Sections() without disk = %d, want 0", got)
	}
	g.live.DropThrough(^uint64(0))
	if _, n := g.live.Sections(); n != 0 {
		t.Errorf("DropThrough(max) left %d sections", n)
	}
}

// TestComposedSnapshotOneTip: a Composed snapshot taken while a reorged
// section is committed to disk (here, by the disk count function itself) reads
// every section from one chain, never the disk's new section beside the Live's
// old tip.
func TestComposedSnapshotOneTip(t *testing.T) {
	const size = 64
	g := newChainGen(t, size, 43)
	disk := &diskSource{size: size, vecs: map[[2]uint64][]byte{}}
	for range 3*size + 10 { // sections 0..3; the Live holds 2 and 3
		g.grow(t)
	}
	disk.commit(0, chainOf(g.m))
	disk.commit(1, chainOf(g.m))
	old := g.m.clone()
	onDisk, reorged := uint64(2), false
	c := Compose(disk, func() uint64 {
		if !reorged { // a reorg into section 2, then its commit to disk
			reorged = true
			g.reorg(t, size+20)
			for g.m.next < 3*size+10 {
				g.grow(t)
			}
			disk.commit(2, chainOf(g.m))
			onDisk = 3
		}
		return onDisk
	}, g.live)
	sn := c.Snapshot()
	ctx := context.Background()
	for _, bit := range g.someBits(40) {
		dst := [][]byte{make([]byte, 8), make([]byte, 8)}
		if err := sn.Bitsets(ctx, bit, 2, dst); err != nil {
			t.Fatal(err)
		}
		oldChain := bytes.Equal(dst[0], old.vector(bit, 2)) && bytes.Equal(dst[1], old.vector(bit, 3))
		newChain := bytes.Equal(dst[0], g.m.vector(bit, 2)) && bytes.Equal(dst[1], g.m.vector(bit, 3))
		if !oldChain && !newChain {
			t.Fatalf("bit %d: sections 2 and 3 are not of one chain", bit)
		}
	}
}

// TestComposedSnapshotPinsReader: a Composed snapshot over a Reader resolves
// each disk section's canonical head once for the query, however many bits
// it reads, as a Reader Snapshot does.
func TestComposedSnapshotPinsReader(t *testing.T) {
	const size = 64
	ch := newRealChain(t, size, 4)
	var canonicalReads atomic.Int64
	ch.db.onGet = func(key []byte) {
		if len(key) == CanonicalHashKeyLen && key[0] == headerPrefix {
			canonicalReads.Add(1)
		}
	}
	live, _ := NewLive(size)
	sn := Compose(ch.reader(t), func() uint64 { return 4 }, live).Snapshot()
	ctx := context.Background()
	const bits = 10
	for bit := range uint(bits) {
		dst := ch.buffers(4)
		if err := sn.Bitsets(ctx, bit, 0, dst); err != nil {
			t.Fatal(err)
		}
		for s := range dst {
			if !bytes.Equal(dst[s], ch.vectors[s][bit]) {
				t.Fatalf("bit %d section %d: wrong vector", bit, s)
			}
		}
	}
	if n := canonicalReads.Load(); n >= bits {
		t.Errorf("%d canonical hash reads for %d bits of one snapshot, want the heads resolved once", n, bits)
	}
}

// A Composed snapshot passes the scan's sections on disk to its Reader
// Snapshot (ScanSections), and none of the Live's.
func TestComposedSnapshotScanSections(t *testing.T) {
	const size = 64
	ch := newRealChain(t, size, 4)
	live, _ := NewLive(size)
	c := Compose(ch.reader(t), func() uint64 { return 3 }, live)
	for _, tc := range []struct{ first, count, wantFirst, wantEnd uint64 }{
		{0, 2, 0, 2},
		{1, 10, 1, 3},
		{3, 5, 0, 0}, // all in the Live
	} {
		sn := c.Snapshot()
		sn.ScanSections(tc.first, tc.count)
		d := sn.disk.(*Snapshot)
		if d.scanFirst != tc.wantFirst || d.scanEnd != tc.wantEnd {
			t.Errorf("ScanSections(%d, %d): the disk snapshot told sections %d to %d, want %d to %d",
				tc.first, tc.count, d.scanFirst, d.scanEnd, tc.wantFirst, tc.wantEnd)
		}
	}
}

// newRealChain returns a chain of n sections of real blooms.
func newRealChain(t *testing.T, size uint64, n int) *testChain {
	var sections [][][256]byte
	for s := range uint64(n) {
		sections = append(sections, makeSection(t, kindReal, int(size), s))
	}
	return newTestChain(t, size, sections)
}

// TestComposedCountPanics: a Composed whose disk section count panics ends a
// retrieval, a Scheduler's read and a Scan with an error wrapping
// scheduler.ErrSourcePanic; the process goes on.
func TestComposedCountPanics(t *testing.T) {
	const size = 64
	live, err := NewLive(size)
	if err != nil {
		t.Fatal(err)
	}
	c := Compose(&diskSource{size: size, vecs: map[[2]uint64][]byte{}}, func() uint64 { panic("count unavailable") }, live)
	ctx := context.Background()

	requests := make(chan chan *scheduler.Retrieval)
	quit := make(chan struct{})
	defer close(quit)
	scheduler.ServeRetrievals(requests, quit, 1, size, c)
	request := make(chan *scheduler.Retrieval)
	requests <- request
	request <- &scheduler.Retrieval{Bit: 3, Sections: []uint64{0, 1}, Context: ctx}
	if task := <-request; !errors.Is(task.Error, scheduler.ErrSourcePanic) {
		t.Errorf("ServeRetrievals: %v, want ErrSourcePanic", task.Error)
	}

	sch, err := scheduler.New(c, size, scheduler.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer sch.Close()
	dst := [][]byte{make([]byte, size/8)}
	if err := sch.Bitsets(ctx, 3, 0, dst); !errors.Is(err, scheduler.ErrSourcePanic) {
		t.Errorf("Scheduler: %v, want ErrSourcePanic", err)
	}

	m := matcher.NewMatcher(size, [][][]byte{{[]byte("an address")}})
	err = m.Scan(ctx, 0, 2*size-1, c, func(uint64) bool { return true })
	if !errors.Is(err, scheduler.ErrSourcePanic) {
		t.Errorf("Scan: %v, want ErrSourcePanic", err)
	}
}
