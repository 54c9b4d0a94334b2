package index

import (
	"bytes"
	"context"
	"strings"
	"testing"
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
	}{c, c.Pin()} {
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
