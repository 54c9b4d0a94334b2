package index

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// preciseRef is the plain reference of a precise index: the position vectors
// of a section, set bit by bit from each value's positions.
func preciseRef(g Geometry, sectionSize int, blocks [][][]byte) [][]byte {
	out := make([][]byte, g.Bits)
	for p := range out {
		out[p] = make([]byte, sectionSize/8)
	}
	for j, values := range blocks {
		for _, v := range values {
			for _, p := range g.AppendPositions(nil, v) {
				out[p][j/8] |= 0x80 >> (j % 8)
			}
		}
	}
	return out
}

// randomBlocks returns a section of blocks of up to maxValues values drawn from
// a pool of poolSize values (addresses and topics).
func randomBlocks(rng *rand.Rand, sectionSize, maxValues, poolSize int) [][][]byte {
	pool := make([][]byte, poolSize)
	for i := range pool {
		v := make([]byte, 20+12*(i%2))
		for k := range v {
			v[k] = byte(rng.Uint32())
		}
		pool[i] = v
	}
	blocks := make([][][]byte, sectionSize)
	for j := range blocks {
		for range rng.IntN(maxValues + 1) {
			blocks[j] = append(blocks[j], pool[rng.IntN(poolSize)])
		}
	}
	return blocks
}

// preciseChain is a precise index in a memDB beside canonical hashes.
type preciseChain struct {
	db          *memDB
	sectionSize uint64
	w           *PreciseWriter
}

func newPreciseChain(t testing.TB, sectionSize uint64, g Geometry) *preciseChain {
	t.Helper()
	w, err := NewPreciseWriter(sectionSize, g)
	if err != nil {
		t.Fatal(err)
	}
	c := &preciseChain{db: newMemDB(), sectionSize: sectionSize, w: w}
	if err := WritePreciseMeta(c.db, g); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *preciseChain) index(t testing.TB, s uint64, blocks [][][]byte, head [32]byte) {
	t.Helper()
	c.w.Reset(s)
	for j, values := range blocks {
		if err := c.w.AddBlock(uint(j), values); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.w.Commit(c.db, head); err != nil {
		t.Fatal(err)
	}
}

func (c *preciseChain) setCanonical(s uint64, head [32]byte) {
	c.db.Put(CanonicalHashKey((s+1)*c.sectionSize-1), head[:])
}

func (c *preciseChain) reader(t testing.TB) *PreciseReader {
	t.Helper()
	r, err := NewPreciseReader(c.db, c.sectionSize)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func garbage(n, size int) [][]byte {
	dst := make([][]byte, n)
	for i := range dst {
		dst[i] = bytes.Repeat([]byte{0x5a}, size)
	}
	return dst
}

func TestPreciseRoundTrip(t *testing.T) {
	key := [16]byte{1, 2, 3}
	for _, g := range []Geometry{{Bits: 2048, Probes: 1, Key: key}, DefaultGeometry(key), {Bits: 4096, Probes: 8, Key: key}} {
		for _, size := range []uint64{8, 64, 4096} {
			t.Run(fmt.Sprintf("bits=%d/probes=%d/size=%d", g.Bits, g.Probes, size), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(size, uint64(g.Bits)))
				c := newPreciseChain(t, size, g)
				const sections = 3
				var refs [][][]byte
				for s := range uint64(sections) {
					blocks := randomBlocks(rng, int(size), 12, 200)
					head := testHead(s, canonicalVariant)
					c.index(t, s, blocks, head)
					c.setCanonical(s, head)
					refs = append(refs, preciseRef(g, int(size), blocks))
				}
				r := c.reader(t)
				if r.Geometry() != g {
					t.Fatalf("geometry %+v, want %+v", r.Geometry(), g)
				}
				positions := []uint{0, 1, uint(g.Bits) - 1}
				for range 20 {
					positions = append(positions, uint(rng.IntN(int(g.Bits))))
				}
				for _, p := range positions {
					dst := garbage(sections, int(size/8))
					if err := r.Bitsets(context.Background(), p, 0, dst); err != nil {
						t.Fatal(err)
					}
					for s := range dst {
						if !bytes.Equal(dst[s], refs[s][p]) {
							t.Fatalf("position %d, section %d: got %x, want %x", p, s, dst[s], refs[s][p])
						}
					}
				}
			})
		}
	}
}

func TestPreciseReorg(t *testing.T) {
	g := DefaultGeometry([16]byte{9})
	const size = 64
	rng := rand.New(rand.NewPCG(1, 2))
	c := newPreciseChain(t, size, g)
	old, cur := testHead(1, 1), testHead(1, canonicalVariant)
	c.index(t, 0, randomBlocks(rng, size, 5, 50), testHead(0, canonicalVariant))
	c.setCanonical(0, testHead(0, canonicalVariant))
	c.index(t, 1, randomBlocks(rng, size, 5, 50), old)
	c.setCanonical(1, cur) // the chain reorged past section 1
	r := c.reader(t)
	covered := make([]bool, 3)
	if err := r.Covered(context.Background(), 0, covered); err != nil {
		t.Fatal(err)
	}
	if !covered[0] || covered[1] || covered[2] {
		t.Fatalf("covered %v, want [true false false]", covered)
	}
	err := r.Bitsets(context.Background(), 5, 0, garbage(2, size/8))
	var pe *PreciseError
	if !errors.As(err, &pe) || pe.Section != 1 || !errors.Is(err, ErrNoVector) {
		t.Fatalf("reading a section indexed under an old head: %v", err)
	}
	// Re-indexed under the new head, it is covered and read from there.
	blocks := randomBlocks(rng, size, 5, 50)
	c.index(t, 1, blocks, cur)
	if err := r.Covered(context.Background(), 0, covered); err != nil || !covered[1] {
		t.Fatalf("after re-indexing: covered %v, %v", covered, err)
	}
	ref := preciseRef(g, size, blocks)
	for p := range uint(g.Bits) {
		dst := garbage(1, size/8)
		if err := r.Bitsets(context.Background(), p, 1, dst); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(dst[0], ref[p]) {
			t.Fatalf("position %d: vector of the old head", p)
		}
	}
	// No canonical head: ErrNoSection naming the section.
	if err := r.Bitsets(context.Background(), 0, 2, garbage(1, size/8)); !errors.Is(err, ErrNoSection) || !strings.Contains(err.Error(), "section 2") {
		t.Fatalf("section without a canonical head: %v", err)
	}
}

func TestPreciseCorrupt(t *testing.T) {
	g := Geometry{Bits: 2048, Probes: 3}
	const size = 64
	rng := rand.New(rand.NewPCG(3, 4))
	c := newPreciseChain(t, size, g)
	head := testHead(4, canonicalVariant)
	c.index(t, 4, randomBlocks(rng, size, 40, 100), head)
	c.setCanonical(4, head)
	r := c.reader(t)
	key := PreciseKey(7, 4, head)
	good, _ := c.db.Get(key)
	for name, v := range map[string][]byte{
		"empty":           {},
		"format":          {2, 1},
		"zero with bytes": {preciseZero, 1},
		"no bytes":        {preciseCompressed},
		"truncated":       good[:len(good)-1],
		"too long":        append(append([]byte{preciseCompressed}, bytes.Repeat([]byte{0xff}, size/8)...), 1),
	} {
		c.db.Put(key, v)
		err := r.Bitsets(context.Background(), 7, 4, garbage(1, size/8))
		if err == nil || !strings.Contains(err.Error(), "section 4") {
			t.Errorf("%s value %x: error %v, want one naming section 4", name, v, err)
		}
	}
	c.db.Put(PreciseSectionHeadKey(4), []byte{1, 2})
	if err := r.Covered(context.Background(), 4, make([]bool, 1)); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "section 4") {
		t.Errorf("short stored head: %v", err)
	}
	if err := r.Bitsets(context.Background(), 2048, 4, garbage(1, size/8)); err == nil {
		t.Error("a position past the geometry was read")
	}
	if err := r.Bitsets(context.Background(), 0, 4, garbage(1, size/8-1)); err == nil {
		t.Error("a short buffer was accepted")
	}
}

func TestPreciseMeta(t *testing.T) {
	g := DefaultGeometry([16]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
	got, err := DecodePreciseMeta(EncodePreciseMeta(g))
	if err != nil || got != g {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
	bad := EncodePreciseMeta(g)
	for name, v := range map[string][]byte{
		"short":   bad[:len(bad)-1],
		"version": append([]byte{2}, bad[1:]...),
		"bits":    append([]byte{1, 0, 0, 0x30, 0}, bad[5:]...),
		"probes":  append(append(append([]byte(nil), bad[:5]...), 0), bad[6:]...),
	} {
		if _, err := DecodePreciseMeta(v); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := NewPreciseReader(newMemDB(), 64); !errors.Is(err, ErrNoPreciseIndex) {
		t.Errorf("no index: %v", err)
	}
	for _, bad := range []Geometry{{Bits: 1024, Probes: 3}, {Bits: 3000, Probes: 3}, {Bits: 1 << 17, Probes: 3}, {Bits: 2048}, {Bits: 2048, Probes: 9}} {
		if _, err := NewPreciseWriter(64, bad); !errors.Is(err, ErrGeometry) {
			t.Errorf("%+v: %v", bad, err)
		}
	}
}

func TestPreciseCommitNotFull(t *testing.T) {
	w, err := NewPreciseWriter(64, Geometry{Bits: 2048, Probes: 3})
	if err != nil {
		t.Fatal(err)
	}
	w.Reset(0)
	if err := w.AddBlock(0, [][]byte{{1}}); err != nil {
		t.Fatal(err)
	}
	db := newMemDB()
	if err := w.Commit(db, [32]byte{}); err == nil || len(db.vals) != 0 {
		t.Fatalf("commit of a partial section: %v, %d keys written", err, len(db.vals))
	}
	if err := w.AddBlock(5, nil); err == nil {
		t.Fatal("a block out of order was accepted")
	}
}

func TestAppendLogValues(t *testing.T) {
	type addr [20]byte
	type hash [32]byte
	got := AppendLogValues(nil, addr{1}, []hash{{2}, {3}})
	if len(got) != 3 || len(got[0]) != 20 || got[0][0] != 1 || len(got[2]) != 32 || got[2][0] != 3 {
		t.Fatalf("got %x", got)
	}
}
