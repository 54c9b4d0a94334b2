package index

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

// newAheadChain returns a chain of n sections of 8 blocks whose iterators
// overwrite each value with the next (as Pebble's do), so a Snapshot that kept
// a value without copying it is caught.
func newAheadChain(t *testing.T, n int) *testChain {
	var sections [][][256]byte
	for s := range n {
		sections = append(sections, makeSection(t, s%kinds, 8, uint64(s)))
	}
	c := newTestChain(t, 8, sections)
	c.db.reuseValues = true
	return c
}

// A Snapshot read in ascending runs, as Scan reads it, reads each bit's
// vectors ahead into the sections whose heads it holds, as many as the bit has
// been asked for: 40 sections read 4 at a time open 4 iterators for bit 0
// (runs from 0 alone, then from 4, 12 and 28 reading ahead to the heads held)
// and 3 for the next bits (from 0, 8 and 24), not 10 each.
func TestSnapshotReadsVectorsAhead(t *testing.T) {
	const n = 40
	c := newAheadChain(t, n)
	snap := c.reader(t).Snapshot()
	for i, want := range []int64{4, 3, 3} {
		bit := uint(i) * 700
		gets, its := c.db.gets.Load(), c.db.iterators.Load()
		var vectorIts int64
		for first := uint64(0); first < n; first += 4 {
			heads := c.db.gets.Load() // each head read is one canonical hash and one iterator
			before := c.db.iterators.Load()
			c.checkRun(t, snap, bit, first, 4)
			vectorIts += c.db.iterators.Load() - before - (c.db.gets.Load() - heads)
		}
		if vectorIts != want {
			t.Errorf("bit %d: %d iterators over vectors, want %d", bit, vectorIts, want)
		}
		if g, its := c.db.gets.Load()-gets, c.db.iterators.Load()-its; i > 0 && g != 0 || its-g != vectorIts {
			t.Errorf("bit %d: %d point reads, %d iterators", bit, g, its)
		}
	}
}

// Read-ahead never fails a call: it stops at a missing vector or a value that
// is not a key of the head held, and a corrupt value read ahead fails only the
// call that asks for it. Each failing call names the bit and section, as
// without read-ahead.
func TestSnapshotReadAheadFailures(t *testing.T) {
	const n, bit = 16, 9
	for _, tc := range []struct {
		name   string
		damage func(c *testChain)
		kind   error
	}{
		{"missing", func(c *testChain) { c.db.Delete(BloomBitsKey(bit, 10, testHead(10, canonicalVariant))) }, ErrNoVector},
		{"corrupt", func(c *testChain) { c.db.Put(BloomBitsKey(bit, 10, testHead(10, canonicalVariant)), []byte{1, 2}) }, ErrCorrupt}, // longer than the vector,
		{"other head", func(c *testChain) {
			v, _ := c.db.Get(BloomBitsKey(bit, 10, testHead(10, canonicalVariant)))
			c.db.Delete(BloomBitsKey(bit, 10, testHead(10, canonicalVariant)))
			c.db.Put(BloomBitsKey(bit, 10, testHead(10, 1)), v)
			c.db.Put(BloomBitsKey(bit, 10, testHead(10, 0xff)), v)
		}, ErrNoVector},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newAheadChain(t, n)
			tc.damage(c)
			snap := c.reader(t).Snapshot()
			c.checkRun(t, snap, bit+1, 0, n) // all heads held: bit's first call reads ahead
			c.checkRun(t, snap, bit, 0, 8)
			its := c.db.iterators.Load()
			c.checkRun(t, snap, bit, 8, 2) // read ahead
			if its != c.db.iterators.Load() {
				t.Errorf("sections 8, 9 not read ahead")
			}
			checkError(t, snap.Bitsets(context.Background(), bit, 8, c.buffers(4)), tc.kind, bit, 10)
			checkError(t, snap.Bitsets(context.Background(), bit, 10, c.buffers(1)), tc.kind, bit, 10)
			c.checkRun(t, snap, bit, 11, 5)
			c.checkRun(t, snap, bit, 8, 2)
		})
	}
}

// Keys of heads other than the one held, before and after it in key order, are
// skipped while reading ahead; a call for sections before those read ahead
// reads them without dropping those read ahead; and what was read ahead stays
// the snapshot's after a reorg, while a new snapshot reads the new chain.
func TestSnapshotReadAheadHeads(t *testing.T) {
	const n, bit = 16, 77
	c := newAheadChain(t, n)
	w, err := NewWriter(8)
	if err != nil {
		t.Fatal(err)
	}
	for s := uint64(4); s < 12; s++ {
		c.index(t, w, s, makeSection(t, kindDense, 8, 50+s), testHead(s, 1))
		c.index(t, w, s, makeSection(t, kindDense, 8, 70+s), testHead(s, 0xff))
	}
	snap := c.reader(t).Snapshot()
	c.checkRun(t, snap, bit+1, 0, n) // all heads held
	c.checkRun(t, snap, bit, 4, 4)   // reads ahead 8..11
	its := c.db.iterators.Load()
	c.checkRun(t, snap, bit, 0, 1) // before them
	c.checkRun(t, snap, bit, 8, 4)
	if its+1 != c.db.iterators.Load() {
		t.Errorf("%d iterators, want 1 (section 0)", c.db.iterators.Load()-its)
	}
	// A reorg of sections 12..15 after they were read ahead.
	c.checkRun(t, snap, bit, 12, 2)
	old := c.vectors
	c.vectors = append([][][]byte(nil), old...)
	for s := uint64(12); s < n; s++ {
		b := makeSection(t, kindDense, 8, 90+s)
		c.index(t, w, s, b, testHead(s, 1))
		c.setCanonical(s, testHead(s, 1))
		c.setStoredHead(s, testHead(s, 1))
		c.vectors[s] = refVectors(b)
	}
	c.checkRun(t, c.reader(t).Snapshot(), bit, 12, 4)
	c.vectors = old
	c.checkRun(t, snap, bit, 14, 2)
}

// Workers reading a Snapshot's runs in ascending order, as Scan's do, each
// taking the next run of every bit (run with -race): every vector is right,
// and the bits' runs share iterators.
func TestSnapshotReadAheadConcurrent(t *testing.T) {
	const n, run, workers = 64, 4, 3
	c := newAheadChain(t, n)
	snap := c.reader(t).Snapshot()
	bits := []uint{3, 500, 2047}
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dst := c.buffers(run)
			for {
				first := uint64(next.Add(run) - run)
				if first >= n {
					return
				}
				for _, bit := range bits {
					if err := snap.Bitsets(context.Background(), bit, first, dst); err != nil {
						errs <- err
						return
					}
					for i, got := range dst {
						if !bytes.Equal(got, c.vectors[first+uint64(i)][bit]) {
							errs <- fmt.Errorf("bit %d, section %d: wrong vector", bit, first+uint64(i))
							return
						}
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
	// Without read-ahead, one iterator per run of each bit; the heads' few
	// iterators are counted too.
	its, runs := c.db.iterators.Load(), int64(len(bits)*n/run)
	t.Logf("%d iterators for %d runs", its, runs)
	if its >= runs {
		t.Errorf("%d iterators for %d runs", its, runs)
	}
}

// keyLogDB is a memDB that records the last section of every bloom-bits key and
// stored head its iterators return, and its iterators over stored heads.
type keyLogDB struct {
	*memDB
	maxVector, maxHead atomic.Uint64
	headIterators      atomic.Int64
}

type keyLogIter struct {
	*memIter
	db *keyLogDB
}

func (db *keyLogDB) NewIterator(prefix, start []byte) *keyLogIter {
	if bytes.HasPrefix(prefix, []byte(sectionHeadPrefix)) {
		db.headIterators.Add(1)
	}
	return &keyLogIter{db.memDB.NewIterator(prefix, start), db}
}

func (it *keyLogIter) Next() bool {
	if !it.memIter.Next() {
		return false
	}
	k := it.Key()
	max := &it.db.maxVector
	if bytes.HasPrefix(k, []byte(sectionHeadPrefix)) {
		max = &it.db.maxHead
		k = k[len(sectionHeadPrefix):]
	} else if len(k) == BloomBitsKeyLen {
		k = k[bloomBitsPrefixLength:]
	} else {
		return true
	}
	for s := binary.BigEndian.Uint64(k); ; {
		if old := max.Load(); s <= old || max.CompareAndSwap(old, s) {
			return true
		}
	}
}

// A Snapshot told the sections of a scan (ScanSections, as matcher.Scan tells
// it) resolves all their heads with its first call (one iterator, one
// canonical hash), reads each bit ahead no further than the scan's last
// section, nor any head past it; calls outside them read as without it.
func TestSnapshotScanSections(t *testing.T) {
	const n, first, count, run = 48, 8, 24, 4
	c := newAheadChain(t, n)
	db := &keyLogDB{memDB: c.db}
	r, err := NewReader(db, c.sectionSize)
	if err != nil {
		t.Fatal(err)
	}
	r.mode = testReadMode
	snap := r.Snapshot()
	snap.ScanSections(first, count)
	bits := []uint{5, 1000, 2047}
	for s := uint64(first); s < first+count; s += run {
		for _, bit := range bits {
			c.checkRun(t, snap, bit, s, run)
		}
	}
	if g, h := c.db.gets.Load(), db.headIterators.Load(); g != 1 || h != 1 {
		t.Errorf("heads resolved with %d point reads and %d iterators, want 1 and 1", g, h)
	}
	if v, h := db.maxVector.Load(), db.maxHead.Load(); v != first+count-1 || h != first+count-1 {
		t.Errorf("read vectors up to section %d, heads up to %d; the scan's last section is %d", v, h, first+count-1)
	}
	// Runs of 4 from 8: one iterator for 8..15 (4 asked, 4 ahead), one for
	// 16..31 (12 asked, the 12 left).
	if its := c.db.iterators.Load() - 1; its != 2*int64(len(bits)) {
		t.Errorf("%d iterators over vectors, want 2 a bit", its)
	}
	for _, s := range []uint64{0, 4, 32, 44} {
		c.checkRun(t, snap, bits[0], s, run)
	}
	c.checkRun(t, snap, bits[1], 30, 6)
}
