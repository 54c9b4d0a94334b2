package index

import (
	"bytes"
	"context"
	"math/rand/v2"
	"testing"
)

// liveChainHash is the hash of block n on fork f.
func liveChainHash(n uint64, fork byte) [32]byte {
	var h [32]byte
	h[0], h[1] = fork, 0xcc
	for i := range 8 {
		h[2+i] = byte(n >> (8 * i))
	}
	return h
}

// checkPreciseLive compares every position of the snapshot's sections with the
// reference built from blocks (block n's values at blocks[n]), up to tip.
func checkPreciseLive(t *testing.T, sn PreciseLiveSnapshot, g Geometry, size uint64, blocks [][][]byte, tip uint64) {
	t.Helper()
	first, count := sn.Sections()
	if count == 0 {
		t.Fatal("the snapshot serves no section")
	}
	for s := first; s < first+count; s++ {
		section := make([][][]byte, size)
		for j := range size {
			if n := s*size + j; n <= tip {
				section[j] = blocks[n]
			}
		}
		ref := preciseRef(g, int(size), section)
		for p := range uint(g.Bits) {
			dst := garbage(1, int(size/8))
			if err := sn.Bitsets(context.Background(), p, s, dst); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(dst[0], ref[p]) {
				t.Fatalf("section %d, position %d: %x, want %x", s, p, dst[0], ref[p])
			}
		}
	}
}

func TestPreciseLive(t *testing.T) {
	const size = 64
	g := DefaultGeometry([16]byte{7})
	rng := rand.New(rand.NewPCG(7, 8))
	blocks := randomBlocks(rng, 4*size, 6, 80)
	l, err := NewPreciseLive(size, g)
	if err != nil {
		t.Fatal(err)
	}
	// Fed from the first block not on disk, section 1.
	tip := uint64(size + 100)
	for n := uint64(size); n <= tip; n++ {
		if err := l.Add(n, liveChainHash(n, 0), liveChainHash(n-1, 0), blocks[n]); err != nil {
			t.Fatal(err)
		}
	}
	before := l.Snapshot()
	checkPreciseLive(t, before, g, size, blocks, tip)
	cover := make([]bool, 4)
	if err := before.Covered(context.Background(), 0, cover); err != nil || cover[0] || !cover[1] || !cover[2] || cover[3] {
		t.Fatalf("covered %v, %v", cover, err)
	}

	// A reorg 5 blocks deep with other logs.
	fork := append([][][]byte(nil), blocks...)
	forkAt := tip - 4
	for n := forkAt; n <= tip+1; n++ {
		fork[n] = randomBlocks(rng, 1, 6, 80)[0]
		parent := liveChainHash(n-1, 1)
		if n == forkAt {
			parent = liveChainHash(n-1, 0)
		}
		if err := l.Add(n, liveChainHash(n, 1), parent, fork[n]); err != nil {
			t.Fatal(err)
		}
	}
	checkPreciseLive(t, l.Snapshot(), g, size, fork, tip+1)
	checkPreciseLive(t, before, g, size, blocks, tip) // an older snapshot never changes

	// Follow a head 3 blocks on, looking up the 2 between.
	head := tip + 4
	lookups := 0
	err = l.Follow(head, liveChainHash(head, 1), liveChainHash(head-1, 1), fork[head], size, func(h [32]byte, n uint64) ([32]byte, [][]byte, bool) {
		lookups++
		if h != liveChainHash(n, 1) {
			return [32]byte{}, nil, false
		}
		return liveChainHash(n-1, 1), fork[n], true
	})
	if err != nil {
		t.Fatal(err)
	}
	if lookups != 2 {
		t.Fatalf("%d header lookups for 2 missing blocks (4 parts)", lookups)
	}
	checkPreciseLive(t, l.Snapshot(), g, size, fork, head)

	// A gap is refused and changes nothing.
	if err := l.Add(head+2, liveChainHash(head+2, 1), liveChainHash(head+1, 1), nil); err == nil {
		t.Fatal("a gap was accepted")
	}
	checkPreciseLive(t, l.Snapshot(), g, size, fork, head)

	// Section 1 goes to disk.
	l.DropThrough(1)
	if first, count := l.Snapshot().Sections(); first != 2 || count != 1 {
		t.Fatalf("after DropThrough(1): sections %d+%d", first, count)
	}
	if err := l.Snapshot().Bitsets(context.Background(), uint(g.Bits), 2, garbage(1, size/8)); err == nil {
		t.Fatal("a position past the geometry was read")
	}
}
