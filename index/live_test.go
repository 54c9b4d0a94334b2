package index

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
)

// model is the plain reference of a Live: the blooms and hashes of the held
// chain in maps, and the vectors rebuilt from them bit by bit.
type model struct {
	size     uint64
	started  bool
	lo, next uint64
	loParent [32]byte
	blooms   map[uint64][256]byte
	hashes   map[uint64][32]byte
}

func newModel(size uint64) *model {
	return &model{size: size, blooms: map[uint64][256]byte{}, hashes: map[uint64][32]byte{}}
}

func (m *model) clone() *model {
	c := *m
	c.blooms, c.hashes = map[uint64][256]byte{}, map[uint64][32]byte{}
	for n := m.lo; n < m.next; n++ {
		c.blooms[n], c.hashes[n] = m.blooms[n], m.hashes[n]
	}
	return &c
}

func (m *model) parentOf(n uint64) [32]byte {
	if n == m.lo {
		return m.loParent
	}
	return m.hashes[n-1]
}

// add applies a valid Add: number in [lo, next] with the right parent, or a
// held block.
func (m *model) add(number uint64, hash, parent [32]byte, bloom [256]byte) {
	if !m.started {
		m.started, m.lo, m.next, m.loParent = true, number, number, parent
	}
	if number < m.next && m.hashes[number] == hash {
		m.truncate(number + 1)
		return
	}
	m.truncate(number)
	m.blooms[number], m.hashes[number] = bloom, hash
	m.next = number + 1
	// The Live holds at most two sections: the tip's and the one before.
	if s := number / m.size; s >= 1 && (s-1)*m.size > m.lo {
		m.dropBefore((s - 1) * m.size)
	}
}

func (m *model) truncate(keep uint64) {
	for n := keep; n < m.next; n++ {
		delete(m.blooms, n)
		delete(m.hashes, n)
	}
	m.next = keep
}

func (m *model) dropBefore(n uint64) {
	n = min(n, m.next)
	if n <= m.lo {
		return
	}
	m.loParent = m.parentOf(n)
	for b := m.lo; b < n; b++ {
		delete(m.blooms, b)
		delete(m.hashes, b)
	}
	m.lo = n
}

func (m *model) dropThrough(section uint64) {
	if !m.started {
		return
	}
	if section >= ^uint64(0)/m.size { // past every block
		m.dropBefore(m.next)
		return
	}
	m.dropBefore((section + 1) * m.size)
}

// sections lists the sections served: those starting at lo or later, up to the tip's.
func (m *model) sections() (first, count uint64) {
	if !m.started || m.next == m.lo {
		return 0, 0
	}
	first = (m.lo + m.size - 1) / m.size
	last := (m.next - 1) / m.size
	if first > last {
		return 0, 0
	}
	return first, last - first + 1
}

func hasBit(bloom *[256]byte, bit uint) bool {
	return bloom[255-bit/8]&(1<<(bit%8)) != 0
}

func (m *model) vector(bit uint, section uint64) []byte {
	v := make([]byte, m.size/8)
	for j := range m.size {
		n := section*m.size + j
		if b, ok := m.blooms[n]; ok && hasBit(&b, bit) {
			v[j/8] |= 0x80 >> (j % 8)
		}
	}
	return v
}

// chainGen makes headers: unique hashes, random blooms of varying density.
type chainGen struct {
	rng  *rand.Rand
	seq  uint64
	live *Live
	m    *model
}

func newChainGen(t testing.TB, size uint64, seed uint64) *chainGen {
	l, err := NewLive(size)
	if err != nil {
		t.Fatal(err)
	}
	return &chainGen{rng: rand.New(rand.NewPCG(seed, 7)), live: l, m: newModel(size)}
}

func (g *chainGen) hash() [32]byte {
	g.seq++
	var h [32]byte
	binary.BigEndian.PutUint64(h[:], g.seq)
	h[31] = 0xee
	return h
}

func (g *chainGen) bloom() [256]byte {
	var b [256]byte
	k := g.rng.IntN(4) // density about 1/2, 1/4, 1/8, or very sparse
	for i := range b {
		x := byte(g.rng.Uint32())
		for range k {
			x &= byte(g.rng.Uint32())
		}
		if k == 3 {
			x &= byte(g.rng.Uint32())
		}
		b[i] = x
	}
	return b
}

// add feeds the same header to the Live and the model.
func (g *chainGen) add(t testing.TB, number uint64, hash, parent [32]byte) {
	t.Helper()
	bloom := g.bloom()
	if err := g.live.Add(number, hash, parent, bloom); err != nil {
		t.Fatalf("Add(%d): %v", number, err)
	}
	g.m.add(number, hash, parent, bloom)
}

// grow adds the block after the tip.
func (g *chainGen) grow(t testing.TB) {
	t.Helper()
	if !g.m.started {
		g.add(t, 0, g.hash(), [32]byte{})
		return
	}
	g.add(t, g.m.next, g.hash(), g.m.parentOf(g.m.next))
}

// reorg replaces the last depth blocks (at most what is held) by a new block.
func (g *chainGen) reorg(t testing.TB, depth uint64) {
	t.Helper()
	depth = min(depth, g.m.next-g.m.lo)
	n := g.m.next - depth
	g.add(t, n, g.hash(), g.m.parentOf(n))
}

// check compares the Live's newest snapshot with the model on bits (all when nil).
func check(t testing.TB, l *Live, m *model, bits []uint) {
	t.Helper()
	checkSnapshot(t, l.Snapshot(), m, bits)
}

func checkSnapshot(t testing.TB, sn LiveSnapshot, m *model, bits []uint) {
	t.Helper()
	first, count := sn.Sections()
	wf, wc := m.sections()
	if first != wf || count != wc {
		t.Fatalf("Sections() = %d+%d, want %d+%d (lo %d next %d)", first, count, wf, wc, m.lo, m.next)
	}
	if m.next > m.lo {
		if head, ok := sn.Head(); !ok || head != m.next-1 {
			t.Fatalf("Head() = %d %v, want %d", head, ok, m.next-1)
		}
	}
	if bits == nil {
		bits = make([]uint, BloomBits)
		for i := range bits {
			bits[i] = uint(i)
		}
	}
	dst := make([][]byte, count)
	for i := range dst {
		dst[i] = bytes.Repeat([]byte{0xa5}, int(m.size/8)) // stale garbage must be overwritten
	}
	for _, bit := range bits {
		if count == 0 {
			break
		}
		if err := sn.Bitsets(context.Background(), bit, first, dst); err != nil {
			t.Fatalf("Bitsets(bit %d, first %d): %v", bit, first, err)
		}
		for i, d := range dst {
			if want := m.vector(bit, first+uint64(i)); !bytes.Equal(d, want) {
				t.Fatalf("bit %d section %d (lo %d next %d):\n got %x\nwant %x", bit, first+uint64(i), m.lo, m.next, d, want)
			}
		}
	}
	// Sections around the served ones are errors naming bit and section.
	for _, s := range []uint64{first + count, first - 1} {
		if count > 0 && s == first-1 && first == 0 {
			continue
		}
		err := sn.Bitsets(context.Background(), 5, s, [][]byte{make([]byte, m.size/8)})
		if err == nil {
			t.Fatalf("Bitsets of unserved section %d succeeded (served %d+%d)", s, first, count)
		}
		if want := fmt.Sprintf("bit 5 of section %d", s); !bytes.Contains([]byte(err.Error()), []byte(want)) {
			t.Fatalf("error %q does not name %q", err, want)
		}
	}
}

// someBits returns bits worth checking: random ones and the set bits of the
// tip's bloom (so that tip columns are exercised).
func (g *chainGen) someBits(n int) []uint {
	bits := make([]uint, 0, n+8)
	for range n {
		bits = append(bits, uint(g.rng.IntN(BloomBits)))
	}
	if g.m.next > g.m.lo {
		b := g.m.blooms[g.m.next-1]
		for bit := uint(0); bit < BloomBits && len(bits) < n+8; bit += 1 + uint(g.rng.IntN(64)) {
			if hasBit(&b, bit) {
				bits = append(bits, bit)
			}
		}
	}
	return bits
}

func TestNewLiveSectionSize(t *testing.T) {
	for _, size := range []uint64{0, 4, 12, 4097, 1<<20 + 8, 1 << 33} {
		if _, err := NewLive(size); err == nil {
			t.Errorf("NewLive(%d) succeeded", size)
		}
	}
	for _, size := range []uint64{8, 64, 72, 4096} {
		if _, err := NewLive(size); err != nil {
			t.Errorf("NewLive(%d): %v", size, err)
		}
	}
}

func TestLiveEmpty(t *testing.T) {
	l, _ := NewLive(64)
	if f, n := l.Sections(); f != 0 || n != 0 {
		t.Fatalf("empty Sections() = %d+%d", f, n)
	}
	if err := l.Bitsets(context.Background(), 0, 0, [][]byte{make([]byte, 8)}); err == nil {
		t.Fatal("empty Live served a section")
	}
	if _, _, ok := l.Head(); ok {
		t.Fatal("empty Live has a head")
	}
	l.DropThrough(3) // no effect, no panic
	if got := l.IndexedSections(7); got != 7 {
		t.Fatalf("IndexedSections(7) = %d", got)
	}
}

// TestLiveGrow crosses section boundaries, for sizes with and without a partial
// last chunk, and checks every bit at every tip of the first sections.
func TestLiveGrow(t *testing.T) {
	for _, size := range []uint64{8, 64, 72, 136} {
		t.Run(fmt.Sprint("size=", size), func(t *testing.T) {
			g := newChainGen(t, size, size)
			for range 3*size + 5 {
				g.grow(t)
				check(t, g.live, g.m, g.someBits(12))
			}
			check(t, g.live, g.m, nil)
		})
	}
}

// TestLiveStartsMidSection: the first section is not served until the Live
// holds a section from its first block.
func TestLiveStartsMidSection(t *testing.T) {
	g := newChainGen(t, 64, 1)
	g.add(t, 100, g.hash(), [32]byte{1})
	check(t, g.live, g.m, nil)
	for g.m.next < 200 {
		g.grow(t)
	}
	if f, n := g.live.Sections(); f != 2 || n != 2 {
		t.Fatalf("Sections() = %d+%d, want 2+2", f, n)
	}
	check(t, g.live, g.m, nil)
	// Reorg the very first held block away, then of everything.
	g.reorg(t, g.m.next-g.m.lo)
	check(t, g.live, g.m, nil)
}

func TestLiveReorgs(t *testing.T) {
	for _, size := range []uint64{64, 72, 128} {
		t.Run(fmt.Sprint("size=", size), func(t *testing.T) {
			g := newChainGen(t, size, 3)
			for range size + size/2 + 3 {
				g.grow(t)
			}
			cases := []struct {
				name  string
				depth uint64
			}{
				{"tip", 1},
				{"within chunk", 2},
				{"across a chunk", 40},
				{"across the section boundary", size/2 + 10},
				{"to the first held block", 1 << 40},
			}
			for _, c := range cases {
				old := g.live.Snapshot()
				oldModel := g.m.clone()
				g.reorg(t, c.depth)
				check(t, g.live, g.m, nil)
				checkSnapshot(t, old, oldModel, nil) // an old tip never changes
				for range 5 + size/3 {
					g.grow(t)
				}
				check(t, g.live, g.m, g.someBits(40))
				checkSnapshot(t, old, oldModel, g.someBits(40))
			}
		})
	}
}

func TestLiveErrors(t *testing.T) {
	g := newChainGen(t, 64, 4)
	for range 150 {
		g.grow(t)
	}
	tip := g.m.next - 1
	snap := g.live.Snapshot()
	bad := []struct {
		name   string
		number uint64
		parent [32]byte
		want   error
	}{
		{"gap", tip + 2, g.m.hashes[tip], ErrGap},
		{"far gap", tip + 1000, g.m.hashes[tip], ErrGap},
		{"unknown parent at tip", tip + 1, [32]byte{9}, ErrUnknownParent},
		{"unknown parent in reorg", tip - 3, [32]byte{9}, ErrUnknownParent},
		{"older than held", g.m.lo - 1, g.m.parentOf(g.m.lo), ErrUnknownParent},
		{"number zero", 0, [32]byte{}, ErrUnknownParent},
		{"last number", ^uint64(0), [32]byte{}, ErrGap},
	}
	for _, c := range bad {
		err := g.live.Add(c.number, g.hash(), c.parent, g.bloom())
		if !errors.Is(err, c.want) {
			t.Errorf("%s: Add(%d) = %v, want %v", c.name, c.number, err, c.want)
		}
		check(t, g.live, g.m, g.someBits(20))
		if g.live.Snapshot().st != snap.st || g.live.Snapshot().next != snap.next {
			t.Errorf("%s: failed Add published a new state", c.name)
		}
	}
	// Re-adding a held block makes it the tip; re-adding the tip does nothing.
	if err := g.live.Add(tip, g.m.hashes[tip], g.m.hashes[tip-1], g.m.blooms[tip]); err != nil {
		t.Fatal(err)
	}
	if g.live.Snapshot().st != snap.st {
		t.Error("re-adding the tip published a new state")
	}
	g.m.add(tip-5, g.m.hashes[tip-5], g.m.hashes[tip-6], g.m.blooms[tip-5])
	if err := g.live.Add(tip-5, g.m.hashes[tip-5], g.m.hashes[tip-6], g.m.blooms[tip-5]); err != nil {
		t.Fatal(err)
	}
	check(t, g.live, g.m, nil)
}

func TestLiveDropThrough(t *testing.T) {
	g := newChainGen(t, 64, 5)
	for range 64*3 + 20 {
		g.grow(t)
	}
	first, count := g.live.Sections()
	if first != 2 || count != 2 {
		t.Fatalf("Sections() = %d+%d, want 2+2 (at most two held)", first, count)
	}
	if got := g.live.IndexedSections(2); got != 4 {
		t.Fatalf("IndexedSections(2) = %d, want 4", got)
	}
	if got := g.live.IndexedSections(1); got != 1 {
		t.Fatalf("IndexedSections(1) = %d, want 1 (section 1 is missing)", got)
	}
	old, oldModel := g.live.Snapshot(), g.m.clone()
	g.live.DropThrough(2)
	g.m.dropThrough(2)
	check(t, g.live, g.m, nil)
	checkSnapshot(t, old, oldModel, nil) // a query's snapshot keeps the dropped section
	if got := g.live.IndexedSections(3); got != 4 {
		t.Fatalf("IndexedSections(3) = %d, want 4", got)
	}
	// A reorg may not reach into the dropped section.
	n := uint64(3*64 - 1)
	if err := g.live.Add(n, g.hash(), g.m.hashes[n-1], g.bloom()); !errors.Is(err, ErrUnknownParent) {
		t.Fatalf("reorg into a dropped section: %v", err)
	}
	// Reorg to the first held block, then grow on.
	g.reorg(t, g.m.next-g.m.lo)
	for range 100 {
		g.grow(t)
	}
	check(t, g.live, g.m, nil)
	// Dropping past the tip: nothing served until a whole section is held again.
	g.live.DropThrough(100)
	g.m.dropThrough(100)
	check(t, g.live, g.m, nil)
	for range 150 {
		g.grow(t)
		check(t, g.live, g.m, g.someBits(4))
	}
	check(t, g.live, g.m, nil)
}

func TestLiveBitsetsArguments(t *testing.T) {
	g := newChainGen(t, 64, 6)
	for range 70 {
		g.grow(t)
	}
	ctx := context.Background()
	if err := g.live.Bitsets(ctx, 2048, 0, [][]byte{make([]byte, 8)}); err == nil {
		t.Error("bit 2048 accepted")
	}
	if err := g.live.Bitsets(ctx, 1, 0, [][]byte{make([]byte, 7)}); err == nil {
		t.Error("short buffer accepted")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := g.live.Bitsets(cancelled, 1, 0, [][]byte{make([]byte, 8)}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
	if err := g.live.Bitsets(ctx, 1, 0, nil); err != nil {
		t.Errorf("no sections: %v", err)
	}
}

// runOps drives a Live and the model from fuzz bytes, checking after each step,
// and keeps a few old snapshots to check they never change.
func runOps(t *testing.T, data []byte) {
	if len(data) == 0 {
		return
	}
	sizes := []uint64{8, 16, 64, 72, 128, 200}
	size := sizes[int(data[0])%len(sizes)]
	g := newChainGen(t, size, uint64(len(data))*31+uint64(data[0]))
	type old struct {
		sn LiveSnapshot
		m  *model
	}
	var olds []old
	for i, b := range data[1:] {
		switch op := b % 8; {
		case op < 4 || !g.m.started:
			for range 1 + int(b>>3)%8 {
				g.grow(t)
			}
		case op == 4:
			g.reorg(t, 1+uint64(b>>3)%(size+size/2))
		case op == 5:
			if s := g.m.next / size; s > 0 {
				g.live.DropThrough(s - 1 - uint64(b>>6)%2)
				g.m.dropThrough(s - 1 - uint64(b>>6)%2)
			}
		case op == 6:
			if g.m.next > g.m.lo {
				n := g.m.next - 1 - uint64(b>>3)%(g.m.next-g.m.lo)
				if err := g.live.Add(n, g.m.hashes[n], g.m.parentOf(n), g.m.blooms[n]); err != nil {
					t.Fatalf("re-add %d: %v", n, err)
				}
				g.m.add(n, g.m.hashes[n], g.m.parentOf(n), g.m.blooms[n])
			}
		case op == 7:
			if err := g.live.Add(g.m.next+1+uint64(b>>3), g.hash(), [32]byte{}, g.bloom()); err == nil {
				t.Fatal("gap accepted")
			}
		}
		check(t, g.live, g.m, g.someBits(6))
		if i%7 == 0 {
			olds = append(olds, old{g.live.Snapshot(), g.m.clone()})
			if len(olds) > 3 {
				olds = olds[1:]
			}
		}
		for _, o := range olds {
			checkSnapshot(t, o.sn, o.m, g.someBits(3))
		}
	}
	check(t, g.live, g.m, nil)
}

func TestLiveRandomOps(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for i := range 30 {
		data := make([]byte, 20+rng.IntN(200))
		for j := range data {
			data[j] = byte(rng.Uint32())
		}
		data[0] = byte(i)
		t.Run(fmt.Sprint(i), func(t *testing.T) { runOps(t, data) })
	}
}

func FuzzLive(f *testing.F) {
	f.Add([]byte{0, 0, 0, 4, 0, 12, 5, 6, 7})
	f.Add([]byte{3, 0x38, 0x38, 0x38, 0xfc, 0x38, 0x38, 0x05, 0x45, 0x26, 0x38, 0xe4})
	f.Add(bytes.Repeat([]byte{4, 0x38, 0x38, 0x1c, 0x0e, 0x3e, 0x45}, 12))
	f.Add(bytes.Repeat([]byte{5, 0x3b, 0x7c, 0x8c, 0x4d, 0xe6, 0x07}, 20))
	f.Fuzz(runOps)
}

// TestLiveSnapshotOutlivesRing: a snapshot whose hot chunk slot has been reused
// reads the chunk's rotated words instead, and still sees its own tip.
func TestLiveSnapshotOutlivesRing(t *testing.T) {
	g := newChainGen(t, 1024, 8)
	var olds []LiveSnapshot
	var models []*model
	for range 700 {
		g.grow(t)
		if g.rng.IntN(20) == 0 {
			olds, models = append(olds, g.live.Snapshot()), append(models, g.m.clone())
		}
	}
	for i := range olds {
		checkSnapshot(t, olds[i], models[i], g.someBits(64))
	}
}
