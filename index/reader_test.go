package index

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/bloomsimd/bloomsimd/matcher"
)

// checkRun reads bit's vectors of sections first..first+n-1 and compares them
// with the chain's reference vectors.
func (c *testChain) checkRun(t *testing.T, r matcher.Source, bit uint, first uint64, n int) {
	t.Helper()
	dst := c.buffers(n)
	if err := r.Bitsets(context.Background(), bit, first, dst); err != nil {
		t.Fatalf("Bitsets(bit %d, sections %d+%d): %v", bit, first, n, err)
	}
	for i, got := range dst {
		if want := c.vectors[first+uint64(i)][bit]; !bytes.Equal(got, want) {
			t.Fatalf("bit %d, section %d: %x, want %x", bit, first+uint64(i), got, want)
		}
	}
}

// Writer → Reader: every bit of every section, read in runs of every length
// and alone, equals the reference rotation of the blooms.
func TestRoundTrip(t *testing.T) {
	for _, size := range []uint64{8, 64, 4096} {
		t.Run(fmt.Sprintf("size=%d", size), func(t *testing.T) {
			var sections [][][256]byte
			for s := range 2 * kinds {
				sections = append(sections, makeSection(t, s%kinds, int(size), uint64(s)))
			}
			c := newTestChain(t, size, sections)
			r := c.reader(t)
			n := uint64(len(sections))
			sample := uint(1) // check every bit sample-th bit (and the last)
			if size == 4096 {
				sample = 61
			}
			if testing.Short() {
				sample = sample*8 + 1
			}
			for bit := range uint(BloomBits) {
				if bit%sample != 0 && bit != BloomBits-1 {
					continue
				}
				c.checkRun(t, r, bit, 0, int(n))
				for first := range n {
					c.checkRun(t, r, bit, first, 1)
					if bit%256 == 0 {
						for k := 2; first+uint64(k) <= n; k++ {
							c.checkRun(t, r, bit, first, k)
						}
					}
				}
			}
			if err := r.Bitsets(context.Background(), 5, 3, nil); err != nil {
				t.Errorf("Bitsets of no sections: %v", err)
			}
		})
	}
}

// With the BloomIndexer's section heads stored, a run costs one canonical-hash
// read and two iterators (heads, vectors); for one section, its canonical hash
// and one iterator.
func TestReaderReads(t *testing.T) {
	c := newTestChain(t, 64, [][][256]byte{makeSection(t, kindDense, 64, 1), makeSection(t, kindDense, 64, 2), makeSection(t, kindDense, 64, 3)})
	r := c.reader(t)
	check := func(what string, n int, wantGets, wantIts int64) {
		t.Helper()
		gets, its := c.db.gets.Load(), c.db.iterators.Load()
		c.checkRun(t, r, 100, 0, n)
		if g, i := c.db.gets.Load()-gets, c.db.iterators.Load()-its; g != wantGets || i != wantIts {
			t.Errorf("%s: Bitsets of %d sections: %d Gets and %d iterators, want %d and %d", what, n, g, i, wantGets, wantIts)
		}
	}
	check("stored heads", 3, 1, 2)
	check("one section", 1, 1, 1)

	// A Snapshot reads each section's head once.
	snap := r.Snapshot()
	gets, its := c.db.gets.Load(), c.db.iterators.Load()
	for bit := range uint(4) {
		c.checkRun(t, snap, bit, 0, 3)
		c.checkRun(t, snap, bit, 1, 2)
	}
	if g, i := c.db.gets.Load()-gets, c.db.iterators.Load()-its; g != 1 || i != 2+7 {
		t.Errorf("Snapshot: 8 Bitsets calls: %d Gets and %d iterators, want 1 and 9", g, i)
	}
	c.db.Delete(SectionHeadKey(1))
	check("a stored head missing", 3, 3, 2)
	c.db.Put(SectionHeadKey(1), []byte{1, 2, 3})
	check("a stored head corrupt", 3, 3, 2)
}

// After a reorg, keys of several heads of a section coexist; only the canonical
// head's are read, whichever side of it the others sort on, and a canonical head
// with no vectors is an error, not the old head's vectors. The BloomIndexer's
// stored heads go through a reorg's states: lagging behind it, rolled back,
// stored again for the new chain.
func TestReaderReorg(t *testing.T) {
	const size = 64
	a := [][][256]byte{makeSection(t, kindReal, size, 1), makeSection(t, kindReal, size, 2), makeSection(t, kindReal, size, 3)}
	c := newTestChain(t, size, a)
	w, err := NewWriter(size)
	if err != nil {
		t.Fatal(err)
	}
	aHeads := [][32]byte{testHead(0, canonicalVariant), testHead(1, canonicalVariant), testHead(2, canonicalVariant)}
	// Chain B forks in section 1: its heads of sections 1 and 2 sort before and
	// after A's.
	b := [][][256]byte{a[0], makeSection(t, kindDense, size, 10), makeSection(t, kindSparse, size, 11)}
	bHeads := [][32]byte{aHeads[0], testHead(1, 0x01), testHead(2, 0xfe)}
	aVectors := c.vectors
	bVectors := [][][]byte{aVectors[0], refVectors(b[1]), refVectors(b[2])}
	ctx := context.Background()
	r := c.reader(t)
	all := func(want [][][]byte) {
		t.Helper()
		c.vectors = want
		snap := r.Snapshot() // a query after the change
		for bit := range uint(BloomBits) {
			c.checkRun(t, r, bit, 0, 3)
			c.checkRun(t, snap, bit, 0, 3)
			if bit%64 == 0 {
				c.checkRun(t, r, bit, 1, 1)
				c.checkRun(t, r, bit, 1, 2)
			}
		}
	}
	canonical := func(heads [][32]byte) {
		for s, h := range heads {
			c.setCanonical(uint64(s), h)
		}
	}
	all(aVectors)

	// The chain switches to B; the indexer has not seen it yet.
	canonical(bHeads)
	err = r.Bitsets(ctx, 9, 0, c.buffers(3))
	checkError(t, err, ErrNoVector, 9, 1)
	if !strings.Contains(err.Error(), fmt.Sprintf("%x", bHeads[1])) {
		t.Errorf("error %q does not name the canonical head", err)
	}
	c.checkRun(t, r, 9, 0, 1) // section 0 is still readable on its own
	// B indexed, A's stored heads not yet rolled back.
	c.index(t, w, 1, b[1], bHeads[1])
	c.index(t, w, 2, b[2], bHeads[2])
	all(bVectors)
	// Rolled back, then stored again for B.
	c.db.Delete(SectionHeadKey(1))
	c.db.Delete(SectionHeadKey(2))
	all(bVectors)
	c.setStoredHead(1, bHeads[1])
	c.setStoredHead(2, bHeads[2])
	all(bVectors)
	// And back to A, the stored heads lagging again.
	canonical(aHeads)
	all(aVectors)
}

// A Snapshot keeps the heads it read: a reorg during a query does not mix the
// two chains' vectors in one section; the next query sees the new chain.
func TestSnapshotReorg(t *testing.T) {
	const size = 64
	c := newTestChain(t, size, [][][256]byte{makeSection(t, kindReal, size, 1), makeSection(t, kindReal, size, 2)})
	r := c.reader(t)
	snap := r.Snapshot()
	c.checkRun(t, snap, 5, 0, 2)
	w, err := NewWriter(size)
	if err != nil {
		t.Fatal(err)
	}
	other := makeSection(t, kindDense, size, 3)
	c.index(t, w, 1, other, testHead(1, 1))
	c.setCanonical(1, testHead(1, 1))
	c.checkRun(t, snap, 6, 0, 2) // still the old head's
	c.vectors[1] = refVectors(other)
	c.checkRun(t, r.Snapshot(), 6, 0, 2)
	c.checkRun(t, r, 6, 0, 2)
}

// checkError checks that err is an *Error of kind about bit and section, whose
// message names them.
func checkError(t *testing.T, err, kind error, bit uint, section uint64) {
	t.Helper()
	var e *Error
	switch {
	case !errors.Is(err, kind):
		t.Errorf("error %v, want %v", err, kind)
	case !errors.As(err, &e) || e.Bit != bit || e.Section != section:
		t.Errorf("error %v: want an *Error of bit %d, section %d", err, bit, section)
	case !strings.Contains(err.Error(), fmt.Sprintf("bit %d, section %d", bit, section)):
		t.Errorf("error %q does not name bit %d, section %d", err, bit, section)
	}
}

func TestReaderMissing(t *testing.T) {
	const size = 64
	var sections [][][256]byte
	for s := range 5 {
		sections = append(sections, makeSection(t, kindReal, size, uint64(s)))
	}
	ctx := context.Background()
	for _, c := range []struct {
		name    string
		damage  func(c *testChain)
		kind    error
		bit     uint
		section uint64
	}{
		{"vector/first", func(c *testChain) { c.db.Delete(BloomBitsKey(7, 1, testHead(1, canonicalVariant))) }, ErrNoVector, 7, 1},
		{"vector/middle", func(c *testChain) { c.db.Delete(BloomBitsKey(7, 2, testHead(2, canonicalVariant))) }, ErrNoVector, 7, 2},
		{"vector/last", func(c *testChain) { c.db.Delete(BloomBitsKey(7, 4, testHead(4, canonicalVariant))) }, ErrNoVector, 7, 4},
		{"vector/bit2047", func(c *testChain) { c.db.Delete(BloomBitsKey(2047, 3, testHead(3, canonicalVariant))) }, ErrNoVector, 2047, 3},
		// A section without a canonical hash has no stored head either (the
		// ChainIndexer rolls them back), except at the top of the run, where
		// the stored head is checked against the canonical hash.
		{"section", func(c *testChain) { c.db.Delete(CanonicalHashKey(3*size - 1)); c.db.Delete(SectionHeadKey(2)) }, ErrNoSection, 7, 2},
		{"section/last", func(c *testChain) { c.db.Delete(CanonicalHashKey(5*size - 1)) }, ErrNoSection, 7, 4},
		{"hash/short", func(c *testChain) {
			c.db.Put(CanonicalHashKey(2*size-1), make([]byte, 31))
			c.db.Delete(SectionHeadKey(1))
		}, ErrCorrupt, 7, 1},
		{"hash/empty", func(c *testChain) { c.db.Put(CanonicalHashKey(2*size-1), nil); c.db.Delete(SectionHeadKey(1)) }, ErrNoSection, 7, 1},
		{"hash/last/short", func(c *testChain) { c.db.Put(CanonicalHashKey(5*size-1), make([]byte, 31)) }, ErrCorrupt, 7, 4},
	} {
		t.Run(c.name, func(t *testing.T) {
			ch := newTestChain(t, size, sections)
			c.damage(ch)
			r := ch.reader(t)
			err := r.Bitsets(ctx, c.bit, 1, ch.buffers(4))
			checkError(t, err, c.kind, c.bit, c.section)
			// The sections before are fine.
			if c.section > 1 {
				ch.checkRun(t, r, c.bit, 1, int(c.section-1))
			}
		})
	}
	// Sections past the end of the index.
	c := newTestChain(t, size, sections)
	r := c.reader(t)
	checkError(t, r.Bitsets(ctx, 3, 4, c.buffers(2)), ErrNoSection, 3, 5)
	checkError(t, r.Bitsets(ctx, 3, 1000, c.buffers(1)), ErrNoSection, 3, 1000)
	// A canonical head beyond the index's keys of the bit.
	c.setCanonical(5, testHead(5, canonicalVariant))
	checkError(t, r.Bitsets(ctx, 3, 4, c.buffers(2)), ErrNoVector, 3, 5)
}

func TestReaderCorrupt(t *testing.T) {
	const size = 64
	c := newTestChain(t, size, [][][256]byte{makeSection(t, kindReal, size, 1), makeSection(t, kindReal, size, 2)})
	r := c.reader(t)
	key := BloomBitsKey(11, 1, testHead(1, canonicalVariant))
	for _, v := range [][]byte{
		make([]byte, size/8+1), // longer than the vector
		{0xff},                 // bitmap marks bytes missing from the input
		{0x80, 0x80, 0x00},     // a marked byte is zero
		{0x80, 0x80, 1, 2},     // a byte left over
	} {
		c.db.Put(key, v)
		_, want := decompressed(v, size/8)
		err := r.Bitsets(context.Background(), 11, 0, c.buffers(2))
		checkError(t, err, ErrCorrupt, 11, 1)
		if want == nil || !errors.Is(err, want) {
			t.Errorf("value %x: error %v, want one wrapping %v", v, err, want)
		}
	}
	// Keys of other lengths under the bit's prefix are not bloom bits.
	c = newTestChain(t, size, [][][256]byte{makeSection(t, kindReal, size, 1)})
	r = c.reader(t)
	c.db.Put(append(BloomBitsKey(11, 0, testHead(0, canonicalVariant)), 0), []byte{1})
	c.db.Put(BloomBitsKey(11, 0, testHead(0, canonicalVariant))[:20], []byte{1})
	c.checkRun(t, r, 11, 0, 1)
}

func TestReaderArgs(t *testing.T) {
	for _, size := range []uint64{0, 4, 12, 1 << 63} {
		if _, err := NewReader(newMemDB(), size); err == nil {
			t.Errorf("NewReader(size %d): no error", size)
		}
	}
	if _, err := NewReader[*memIter, Database[*memIter]](nil, 64); err == nil {
		t.Error("NewReader(nil interface): no error")
	}
	c := newTestChain(t, 64, [][][256]byte{makeSection(t, kindReal, 64, 1)})
	r := c.reader(t)
	ctx := context.Background()
	if err := r.Bitsets(ctx, BloomBits, 0, c.buffers(1)); err == nil {
		t.Error("Bitsets of bit 2048: no error")
	}
	if err := r.Bitsets(ctx, 1, 0, [][]byte{make([]byte, 7)}); err == nil {
		t.Error("Bitsets into a short buffer: no error")
	}
	if err := r.Bitsets(ctx, 1, 1<<60, c.buffers(1)); err == nil || errors.Is(err, ErrNoSection) {
		t.Errorf("Bitsets of a section whose blocks overflow: %v, want an argument error", err)
	}
	if err := r.Bitsets(ctx, 1, ^uint64(0), c.buffers(2)); err == nil || errors.Is(err, ErrNoSection) {
		t.Errorf("Bitsets of sections past 2^64: %v, want an argument error", err)
	}
	// A nil context is accepted, as by matcher.Scan.
	//lint:ignore SA1012 the nil context is what this checks
	if err := r.Bitsets(nil, 1, 0, c.buffers(1)); err != nil {
		t.Errorf("Bitsets with a nil context: %v", err)
	}
	if got := r.SectionSize(); got != 64 {
		t.Errorf("SectionSize() = %d", got)
	}
}

func TestReaderSections(t *testing.T) {
	db := newMemDB()
	r, err := NewReader(db, 4096)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := r.Sections(); n != 0 || err != nil {
		t.Errorf("no stored count: %d, %v; want 0, nil", n, err)
	}
	db.Put(SectionCountKey(), []byte{0, 0, 0, 0, 0, 0, 1, 2})
	if n, err := r.Sections(); n != 258 || err != nil {
		t.Errorf("stored count 258: %d, %v", n, err)
	}
	db.Put(SectionCountKey(), []byte{1, 2})
	if _, err := r.Sections(); !errors.Is(err, ErrCorrupt) {
		t.Errorf("count of 2 bytes: %v, want %v", err, ErrCorrupt)
	}
}

// A node's freezer holds the canonical hashes of old blocks, which are then
// gone from the key-value store: the Reader reads them there, as
// rawdb.ReadCanonicalHash does.
func TestReaderAncient(t *testing.T) {
	const size = 64
	c := newTestChain(t, size, [][][256]byte{makeSection(t, kindReal, size, 1), makeSection(t, kindReal, size, 2), makeSection(t, kindReal, size, 3)})
	adb := &ancientDB{memDB: c.db, frozen: map[uint64][]byte{}}
	for s := range uint64(2) {
		n := (s+1)*size - 1
		v, _ := c.db.Get(CanonicalHashKey(n))
		adb.frozen[n] = v
		c.db.Delete(CanonicalHashKey(n))
	}
	r, err := NewReader(adb, size)
	if err != nil {
		t.Fatal(err)
	}
	r.mode = testReadMode
	c.checkRun(t, r, 77, 0, 3)
	c.checkRun(t, r, 77, 0, 1)
	// Without the freezer, sections 0 and 1 have no canonical head, unless the
	// stored heads are confirmed by a later section's canonical hash.
	noFreezer := c.reader(t)
	c.checkRun(t, noFreezer, 77, 0, 3)
	checkError(t, noFreezer.Bitsets(context.Background(), 77, 0, c.buffers(1)), ErrNoSection, 77, 0)
	checkError(t, noFreezer.Bitsets(context.Background(), 77, 0, c.buffers(2)), ErrNoSection, 77, 0)
}

func TestReaderIteratorError(t *testing.T) {
	c := newTestChain(t, 64, [][][256]byte{makeSection(t, kindReal, 64, 1), makeSection(t, kindReal, 64, 2)})
	boom := errors.New("disk on fire")
	c.db.iterErr = boom
	if err := c.reader(t).Bitsets(context.Background(), 1, 0, c.buffers(2)); !errors.Is(err, boom) {
		t.Errorf("iterator error: got %v", err)
	}
}

// A cancelled context stops Bitsets before it reads anything, and one cancelled
// during a long run stops it there.
func TestReaderContext(t *testing.T) {
	// Only bit 1 is indexed: one-byte vectors of 300 sections.
	const size, n = 8, 300
	c := &testChain{db: newMemDB(), sectionSize: size}
	for s := range uint64(n) {
		head := testHead(s, canonicalVariant)
		c.setCanonical(s, head)
		c.db.Put(BloomBitsKey(1, s, head), []byte{byte(s) | 1})
	}
	r := c.reader(t)
	dst := c.buffers(n)
	if err := r.Bitsets(context.Background(), 1, 0, dst); err != nil {
		t.Fatal(err)
	}
	for s, v := range dst {
		if v[0] != byte(s)|1 {
			t.Fatalf("section %d: %x", s, v)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	gets := c.db.gets.Load()
	if err := r.Bitsets(ctx, 1, 0, c.buffers(n)); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
	if g := c.db.gets.Load() - gets; g != 0 {
		t.Errorf("cancelled context: %d reads", g)
	}
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	c.db.onGet = func([]byte) {
		if c.db.gets.Load()-gets > 100 {
			cancel()
		}
	}
	gets = c.db.gets.Load()
	if err := r.Bitsets(ctx, 1, 0, c.buffers(n)); !errors.Is(err, context.Canceled) {
		t.Errorf("context cancelled while reading: %v", err)
	}
	if g := c.db.gets.Load() - gets; g >= n {
		t.Errorf("context cancelled after 100 reads: %d reads of %d", g, n)
	}
}

// Concurrent calls over one Reader, of overlapping bits and runs (run with
// -race).
func TestReaderConcurrent(t *testing.T) {
	const size = 64
	var sections [][][256]byte
	for s := range 2 * kinds {
		sections = append(sections, makeSection(t, s%kinds, size, uint64(s)))
	}
	c := newTestChain(t, size, sections)
	r := c.reader(t)
	snap := r.Snapshot()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var src matcher.Source = r
			if g%2 == 1 {
				src = snap
			}
			for i := range 300 {
				bit := uint((g*131 + i*17) % BloomBits)
				first := uint64((g + i) % len(sections))
				n := 1 + (g+i)%(len(sections)-int(first))
				dst := c.buffers(n)
				if err := src.Bitsets(context.Background(), bit, first, dst); err != nil {
					errs <- err
					return
				}
				for k, got := range dst {
					if !bytes.Equal(got, c.vectors[first+uint64(k)][bit]) {
						errs <- fmt.Errorf("bit %d, section %d: wrong vector", bit, first+uint64(k))
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// Bitsets allocates nothing itself: over a store that allocates nothing, a call
// allocates nothing.
func TestReaderAllocs(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("coverage counters allocate")
	}
	const size = 4096
	c := newTestChain(t, size, [][][256]byte{makeSection(t, kindReal, size, 1), makeSection(t, kindSparse, size, 2), makeSection(t, kindEmpty, size, 3)})
	c.db.reuse = new(memIter)
	r := c.reader(t)
	dst := c.buffers(3)
	ctx := context.Background()
	bit := uint(0)
	if n := testing.AllocsPerRun(100, func() {
		if err := r.Bitsets(ctx, bit, 0, dst); err != nil {
			t.Fatal(err)
		}
		bit = (bit + 1) % BloomBits
	}); n != 0 {
		t.Errorf("%v allocations per Bitsets call", n)
	}
}

// Reader is what matcher.Matcher.Scan reads.
var _ matcher.Source = (*Reader)(nil)
