package index

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
)

// memBatch buffers puts until Write, as an ethdb.Batch.
type memBatch struct {
	db   *memDB
	puts [][2][]byte
}

func (b *memBatch) Put(k, v []byte) error {
	b.puts = append(b.puts, [2][]byte{bytes.Clone(k), bytes.Clone(v)})
	return nil
}
func (b *memBatch) Reset() { b.puts = b.puts[:0] }
func (b *memBatch) Write() error {
	for _, p := range b.puts {
		b.db.Put(p[0], p[1])
	}
	return nil
}

// testBlocks serves a chain's blocks; the blocks of sections in missing lack
// receipts; cancel is called when block cancelAt is read.
type testBlocks struct {
	size     uint64
	blocks   [][][]byte
	missing  map[uint64]bool
	reads    int
	cancelAt uint64
	cancel   func()
}

func (tb *testBlocks) AppendBlockValues(dst [][]byte, number uint64) ([][]byte, [32]byte, error) {
	tb.reads++
	if tb.cancel != nil && number == tb.cancelAt {
		tb.cancel()
	}
	s := number / tb.size
	if tb.missing[s] {
		return dst, [32]byte{}, fmt.Errorf("block %d: %w", number, ErrNoReceipts)
	}
	var hash [32]byte
	if number%tb.size == tb.size-1 {
		hash = testHead(s, canonicalVariant)
	}
	return append(dst, tb.blocks[number]...), hash, nil
}

func TestPreciseBackfill(t *testing.T) {
	const size, sections = 64, 6
	g := DefaultGeometry([16]byte{5})
	c := newPreciseChain(t, size, g)
	rng := rand.New(rand.NewPCG(5, 6))
	blocks := &testBlocks{size: size, missing: map[uint64]bool{2: true}}
	var refs [][][]byte
	for s := range uint64(sections) {
		section := randomBlocks(rng, size, 8, 100)
		blocks.blocks = append(blocks.blocks, section...)
		refs = append(refs, preciseRef(g, size, section))
		c.setCanonical(s, testHead(s, canonicalVariant))
	}
	// Section 4 is already indexed: the backfill must skip it.
	c.index(t, 4, blocks.blocks[4*size:5*size], testHead(4, canonicalVariant))
	r := c.reader(t)
	newBackfill := func() *Backfill {
		w, err := NewPreciseWriter(size, g)
		if err != nil {
			t.Fatal(err)
		}
		b, err := NewBackfill(r, w, blocks, func() PreciseBatch { return &memBatch{db: c.db} })
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// A first run is cancelled in section 3: it stops at its next check, after
	// section 3 (the context is checked every 256 blocks and per section).
	ctx, cancel := context.WithCancel(context.Background())
	blocks.cancelAt, blocks.cancel = 3*size+10, cancel
	b := newBackfill()
	if err := b.Run(ctx, sections); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled run: %v", err)
	}
	if p := b.Progress(); p.Indexed != 2 || p.Covered != 1 || p.Done || p.Next != 2 {
		t.Fatalf("progress after cancel: %+v", p)
	}
	// The resumed run does the rest, skipping what is covered.
	blocks.cancel = nil
	blocks.reads = 0
	b = newBackfill()
	if err := b.Run(context.Background(), sections); err != nil {
		t.Fatal(err)
	}
	want := BackfillProgress{Total: sections, Indexed: 2, Covered: 3, NoReceipts: 1, Next: 0, Done: true}
	if p := b.Progress(); p != want {
		t.Fatalf("progress %+v, want %+v", p, want)
	}
	if blocks.reads > 2*size+1 {
		t.Fatalf("resumed run read %d blocks, want at most %d", blocks.reads, 2*size+1)
	}
	covered := make([]bool, sections)
	if err := r.Covered(context.Background(), 0, covered); err != nil {
		t.Fatal(err)
	}
	for s := range uint64(sections) {
		if covered[s] != (s != 2) {
			t.Fatalf("covered %v: section 2 (no receipts) only should be uncovered", covered)
		}
		if s == 2 {
			continue
		}
		for _, p := range []uint{0, 17, 4000, uint(g.Bits) - 1} {
			dst := garbage(1, size/8)
			if err := r.Bitsets(context.Background(), p, s, dst); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(dst[0], refs[s][p]) {
				t.Fatalf("section %d, position %d: wrong vector", s, p)
			}
		}
	}
	// A writer of another geometry is refused.
	w, _ := NewPreciseWriter(size, Geometry{Bits: 2048, Probes: 3})
	if _, err := NewBackfill(r, w, blocks, func() PreciseBatch { return &memBatch{db: c.db} }); err == nil {
		t.Fatal("a writer of another geometry was accepted")
	}
}
