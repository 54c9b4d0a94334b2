package index

import (
	"sync/atomic"
	"time"
)

// How a Reader chooses its reads. A run of sections can be read with one
// iterator or with a point read per section; which is cheaper depends on the
// store, so the Reader measures it instead of guessing the store's type:
// go-ethereum's memorydb walks, copies and sorts every key of the database in
// NewIterator, so there one iterator costs as much as thousands of point reads,
// while on Pebble or LevelDB one iterator over a long run costs less than a
// point read per section.
//
// A Reader starts with point reads (what go-ethereum's bloom servers do, so it
// is never slower than they are), times them, and tries an iterator once point
// reads have cost firstTry. From then on it takes, for each run, the cheaper of
// the two by their measured costs. It tries iterators again only after point
// reads have cost retryFactor times the last iterator (bounding what the tries
// cost on a store where iterators are dear). The point reads' cost stays
// measured while runs are read with iterators: resolving heads with the stored
// heads times the point read of the canonical hash that confirms them (a
// refresh by a whole run of point reads would cost a run's worth of them).
const (
	firstTry    = int64(time.Millisecond)
	retryFactor = 32
)

// readMode forces a Reader's choice, for tests.
type readMode uint8

const (
	measured readMode = iota // by the measured costs
	iterating
	pointReads
)

// storeCosts is what a Reader has measured of its store: moving averages in
// nanoseconds, 0 until measured. Concurrent updates may lose a sample, which
// only slows the average.
type storeCosts struct {
	get        atomic.Int64 // one point read
	open       atomic.Int64 // an iterator up to its first key
	next       atomic.Int64 // each further key of an iterator
	sinceTried atomic.Int64 // ns spent in point reads since the last iterator was timed
}

// nanotime is a monotonic clock in nanoseconds.
func nanotime() int64 { return int64(time.Since(clockStart)) }

var clockStart = time.Now()

// iterate reports whether to read a run of n sections (n keys, n >= 1) with one
// iterator and gets point reads rather than n point reads. Even for one key, an iterator can cost
// less than a point read (on Pebble a Get seeks every level, with its filters).
func (c *storeCosts) iterate(n, gets int) bool {
	get, open, next := c.get.Load(), c.open.Load(), c.next.Load()
	switch {
	case open == 0: // iterators not tried yet: try one over a run, to time both open and next
		return n >= 2 && c.sinceTried.Load() >= firstTry
	case open+int64(n-1)*next+int64(gets)*get < int64(n)*get:
		return true
	default:
		return c.sinceTried.Load() >= retryFactor*open
	}
}

// pointsRead records n point reads that took d nanoseconds.
func (c *storeCosts) pointsRead(n int, d int64) {
	if n <= 0 {
		return
	}
	average(&c.get, d/int64(n))
	c.sinceTried.Add(d)
}

// iterated records an iterator that took open nanoseconds up to its first key
// and rest for keys-1 further keys.
func (c *storeCosts) iterated(open, rest int64, keys int) {
	average(&c.open, max(open, 1))
	if keys > 1 {
		average(&c.next, rest/int64(keys-1))
	}
	c.sinceTried.Store(0)
}

// average moves the average a quarter of the way to sample (all the way from
// 0, not measured). A sample is taken as at most twice the average: on a
// loaded machine a read that lost its core for a while must not turn the
// choice for many runs, while a real change of cost still moves the average
// by half of itself per sample.
func average(avg *atomic.Int64, sample int64) {
	old := avg.Load()
	if old == 0 {
		avg.Store(sample)
		return
	}
	avg.Store(old + (min(sample, 2*old)-old)/4)
}
