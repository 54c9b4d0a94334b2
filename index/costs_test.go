package index

import (
	"context"
	"sync/atomic"
	"testing"
)

// costlyDB is a memDB whose reads advance a fake clock by fixed costs, to test
// how a Reader chooses between iterators and point reads on stores that behave
// like go-ethereum's memorydb (dear iterators) or like Pebble (cheap ones).
type costlyDB struct {
	*memDB
	clock                atomic.Int64
	get, open, next      int64 // ns per point read, iterator opened, further key
	getTime, iterTime    atomic.Int64
	iteratorsOpened      atomic.Int64
	pointReads, iterKeys atomic.Int64
}

func (db *costlyDB) Get(key []byte) ([]byte, error) {
	db.clock.Add(db.get)
	db.getTime.Add(db.get)
	db.pointReads.Add(1)
	return db.memDB.Get(key)
}

func (db *costlyDB) NewIterator(prefix, start []byte) *costlyIter {
	db.clock.Add(db.open)
	db.iterTime.Add(db.open)
	db.iteratorsOpened.Add(1)
	return &costlyIter{db.memDB.NewIterator(prefix, start), db, true}
}

type costlyIter struct {
	*memIter
	db    *costlyDB
	first bool
}

func (it *costlyIter) Next() bool {
	if !it.first {
		it.db.clock.Add(it.db.next)
		it.db.iterTime.Add(it.db.next)
		it.db.iterKeys.Add(1)
	}
	it.first = false
	return it.memIter.Next()
}

// runCostly reads runs of 16 sections, bit by bit, as Scan reads a Reader, for
// calls runs, and returns the store's counters.
func runCostly(t *testing.T, get, open, next int64, calls int) (*costlyDB, *testChain) {
	t.Helper()
	const size, sections = 8, 16
	var blooms [][][256]byte
	for s := range uint64(sections) {
		blooms = append(blooms, makeSection(t, kindSparse, size, s))
	}
	c := newTestChain(t, size, blooms)
	db := &costlyDB{memDB: c.db, get: get, open: open, next: next}
	r, err := NewReader(db, size)
	if err != nil {
		t.Fatal(err)
	}
	r.now = db.clock.Load
	for i := range calls {
		bit := uint(i % BloomBits)
		dst := c.buffers(sections)
		if err := r.Bitsets(context.Background(), bit, 0, dst); err != nil {
			t.Fatal(err)
		}
		if i%97 == 0 {
			c.checkRun(t, r, bit, 0, sections)
		}
	}
	return db, c
}

// TestReaderDearIterators: on a store whose iterators cost as much as
// thousands of point reads (go-ethereum's memorydb with many keys), a Reader
// reads with point reads, like go-ethereum, and what it spends finding that out
// stays a small part of the time.
func TestReaderDearIterators(t *testing.T) {
	const calls = 4000
	db, _ := runCostly(t, 1000, 5_000_000, 100, calls) // 1 µs per read, 5 ms per iterator
	total := db.clock.Load()
	points := int64(calls) * 2 * 16 * db.get // go-ethereum's reads: a hash and a vector per section
	t.Logf("%d iterators, %d point reads; %.1f ms, point reads alone %.1f ms",
		db.iteratorsOpened.Load(), db.pointReads.Load(), float64(total)/1e6, float64(points)/1e6)
	if total > points*11/10 {
		t.Errorf("%.1f ms, more than 110%% of go-ethereum's point reads (%.1f ms)", float64(total)/1e6, float64(points)/1e6)
	}
}

// TestReaderCheapIterators: on a store where an iterator over a run costs less
// than a point read per section (Pebble, LevelDB), a Reader reads runs with
// iterators once it has measured that.
func TestReaderCheapIterators(t *testing.T) {
	const calls = 4000
	db, _ := runCostly(t, 2000, 3000, 200, calls) // 2 µs per read, 3 µs per iterator, 0.2 µs per key
	total := db.clock.Load()
	points := int64(calls) * 2 * 16 * db.get
	t.Logf("%d iterators, %d point reads; %.1f ms, point reads alone %.1f ms",
		db.iteratorsOpened.Load(), db.pointReads.Load(), float64(total)/1e6, float64(points)/1e6)
	if total > points/3 {
		t.Errorf("%.1f ms, more than a third of all point reads (%.1f ms): iterators not used", float64(total)/1e6, float64(points)/1e6)
	}
	// For one section, the cheaper of one point read and one iterator (but for
	// a few retries of dear iterators).
	for _, c := range []struct {
		open, get      int64
		itsMin, itsMax int64
	}{{5000, 1000, 0, 2}, {1000, 5000, 95, 100}} {
		db := &costlyDB{memDB: db.memDB, get: c.get, open: c.open, next: 1}
		its := db.iteratorsOpened.Load()
		r, _ := NewReader(db, 8)
		r.now = db.clock.Load
		r.costs.open.Store(c.open)
		r.costs.next.Store(1)
		r.costs.get.Store(c.get)
		for bit := range uint(100) {
			dst := make([][]byte, 1)
			dst[0] = make([]byte, 1)
			if err := r.Snapshot().Bitsets(context.Background(), bit, 3, dst); err != nil {
				t.Fatal(err)
			}
		}
		if n := db.iteratorsOpened.Load() - its; n < c.itsMin || n > c.itsMax {
			t.Errorf("iterator %d ns, point read %d ns: %d iterators for 100 one-section reads, want %d to %d", c.open, c.get, n, c.itsMin, c.itsMax)
		}
	}
}

// A read that lost its core for a while (a sample a thousand times the
// average) does not turn a Reader from iterators to point reads, and a real
// change of cost still turns it within a few samples.
func TestCostsOutlier(t *testing.T) {
	var c storeCosts
	c.pointsRead(16, 16*5000) // 5 µs per point read
	c.iterated(9000, 15*300, 16)
	if !c.iterate(16, 0) {
		t.Fatal("iterators not chosen at 9 µs, point reads 5 µs")
	}
	c.iterated(9_000_000, 15*300, 16) // preempted
	if !c.iterate(16, 0) {
		t.Error("one preempted iterator turned the choice to point reads")
	}
	for i := range 20 {
		if !c.iterate(16, 0) {
			t.Logf("turned after %d samples of 1 ms", i)
			return
		}
		c.iterated(1_000_000, 15*300, 16) // iterators now dear for good
	}
	t.Error("iterators of 1 ms still chosen over 16 point reads of 5 µs")
}
