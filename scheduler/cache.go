package scheduler

import "sync/atomic"

// The vector cache: S3-FIFO (Yang et al., SOSP 2023). New vectors enter a small
// FIFO holding a tenth of the budget; one that is hit again while there moves
// to the main FIFO when it leaves the small one, and the others leave the cache,
// remembered by key only in a ghost FIFO. A vector read again while its key is a
// ghost goes straight to main. Main evicts from its head, giving each entry one
// more lap per hit (up to 3). So one full-history query, which reads every
// vector once, only ever churns the small FIFO and never flushes the hot set in
// main, which an LRU would (see TestCacheScanResistant and BenchmarkCachePolicy).
// Hits only bump a counter: no list is touched on the hot path, so hits are
// served under the read lock of their bit's shard.

// key names one vector: a bloom bit in a section.
type key struct {
	bit     uint
	section uint64
}

// entryOverhead is what a cached vector costs beyond its bytes: the entry, its
// map slot and its queue slot. It is counted in the budget.
const entryOverhead = 96

type entry struct {
	key   key
	data  []byte
	freq  atomic.Uint32 // hits since the last lap, up to maxFreq: bumped under the read lock
	small bool          // in the small FIFO, else in main
}

// maxFreq caps an entry's laps in main.
const maxFreq = 3

func (e *entry) bytes() int64 { return int64(len(e.data)) + entryOverhead }

// fifo is a queue of entries (or keys, for the ghost) on a ring-free slice: it
// pops from the front and compacts when the dead front dominates.
type fifo[T any] struct {
	items []T
	head  int
}

func (q *fifo[T]) push(v T) { q.items = append(q.items, v) }
func (q *fifo[T]) len() int { return len(q.items) - q.head }
func (q *fifo[T]) pop() T {
	var zero T
	v := q.items[q.head]
	q.items[q.head] = zero
	q.head++
	if q.head > 1024 && q.head*2 > len(q.items) {
		n := copy(q.items, q.items[q.head:])
		clear(q.items[n:])
		q.items, q.head = q.items[:n], 0
	}
	return v
}

// cache is the byte-budgeted S3-FIFO cache. The Scheduler holds its cacheMu
// around every call but get (sections.get), which needs only the read lock of
// the bit's shard: get touches nothing but an entry's atomic counter. The
// vectors are kept in the shards' maps, by bit, then section (a request is one
// bit); the cache writes a shard's map under that shard's write lock, and
// reads the maps under cacheMu alone (every writer holds it). Cached data is
// never written after insertion, so readers may use it after the lock is
// released.
type cache struct {
	budget     int64
	smallLimit int64
	shards     *[shardCount]shard
	count      int // entries cached
	small      fifo[*entry]
	main       fifo[*entry]
	smallBytes int64
	mainBytes  int64
	ghost      fifo[uint64]
	ghosts     map[uint64]int32 // key.ghost() -> how many times it is queued in ghost
	ghostLimit int              // ghost keys remembered, about main's entry count
	evictions  int64
	spare      []*entry // evicted entries for add to reuse: a full cache evicts one per add
}

// maxSpare bounds the entries kept for reuse.
const maxSpare = 64

// newCache returns a cache keeping its vectors in shards (its own, if nil).
func newCache(budget int64, vectorBytes int, shards *[shardCount]shard) *cache {
	if shards == nil {
		shards = new([shardCount]shard)
	}
	return &cache{
		budget:     budget,
		smallLimit: max(budget/10, 1),
		shards:     shards,
		ghosts:     make(map[uint64]int32),
		ghostLimit: int(max(budget/(int64(vectorBytes)+entryOverhead), 1)),
	}
}

// get returns the cached vector of k, counting the hit for eviction.
func (c *cache) get(k key) ([]byte, bool) {
	return c.bit(k.bit).get(k.section)
}

// sections is the cache of one bit, in pages of pageSections consecutive
// sections: a request asks for a run of sections, which mostly lie in one
// page, one map lookup for all of them.
type sections map[uint64]*page

const pageSections = 64

// page holds the entries of sections page*pageSections onwards.
type page struct {
	entries [pageSections]*entry
	n       int // entries held
}

// bit returns the cache of bit (nil, which reads as empty, if it has none).
func (c *cache) bit(bit uint) sections { return c.shards[bit%shardCount].cached[bit] }

// entry returns the entry of section, or nil.
func (m sections) entry(section uint64) *entry {
	p := m[section/pageSections]
	if p == nil {
		return nil
	}
	return p.entries[section%pageSections]
}

// get returns the cached vector of section, counting the hit for eviction.
func (m sections) get(section uint64) ([]byte, bool) {
	e := m.entry(section)
	if e == nil {
		return nil, false
	}
	return e.hit(), true
}

// hit counts a hit of e for eviction and returns its vector.
func (e *entry) hit() []byte {
	for f := e.freq.Load(); f < maxFreq && !e.freq.CompareAndSwap(f, f+1); f = e.freq.Load() {
	}
	return e.data
}

// prefix sets dst's entries to the vectors of the cached sections from first
// on, in order, counting each hit, up to the first section not cached; it
// returns how many it set. One map lookup per page.
func (m sections) prefix(first uint64, dst [][]byte) int {
	var p *page
	index := ^uint64(0)
	for i := range dst {
		section := first + uint64(i)
		if section/pageSections != index {
			index = section / pageSections
			if p = m[index]; p == nil {
				return i
			}
		}
		e := p.entries[section%pageSections]
		if e == nil {
			return i
		}
		dst[i] = e.hit()
	}
	return len(dst)
}

// len returns how many sections hold a vector.
func (m sections) len() int {
	n := 0
	for _, p := range m {
		n += p.n
	}
	return n
}

// set caches e as the entry of section, which holds none.
func (m sections) set(section uint64, e *entry) {
	p := m[section/pageSections]
	if p == nil {
		p = new(page)
		m[section/pageSections] = p
	}
	p.entries[section%pageSections] = e
	p.n++
}

// del forgets the entry of section, which holds one.
func (m sections) del(section uint64) {
	p := m[section/pageSections]
	p.entries[section%pageSections] = nil
	if p.n--; p.n == 0 {
		delete(m, section/pageSections)
	}
}

// lookup returns the entry of k, or nil.
func (c *cache) lookup(k key) *entry { return c.bit(k.bit).entry(k.section) }

// remove forgets e, under its shard's write lock.
func (c *cache) remove(e *entry) {
	sh := &c.shards[e.key.bit%shardCount]
	sh.mu.Lock()
	c.removeLocked(e)
	sh.mu.Unlock()
}

// removeLocked is remove with e's shard's write lock held.
func (c *cache) removeLocked(e *entry) {
	sh := &c.shards[e.key.bit%shardCount]
	m := sh.cached[e.key.bit]
	m.del(e.key.section)
	if len(m) == 0 {
		delete(sh.cached, e.key.bit)
	}
	c.count--
}

// bytes is what the cache holds, overhead included.
func (c *cache) bytes() int64 { return c.smallBytes + c.mainBytes }

// add caches data as the vector of k, evicting until the budget holds. A vector
// larger than the whole budget is not cached.
func (c *cache) add(k key, data []byte) {
	if c.lookup(k) != nil {
		return
	}
	size := int64(len(data)) + entryOverhead // e.bytes()
	if size > c.budget {
		return
	}
	for c.bytes()+size > c.budget {
		c.evict()
	}
	var e *entry
	if n := len(c.spare); n > 0 {
		e, c.spare = c.spare[n-1], c.spare[:n-1]
	} else {
		e = new(entry)
	}
	e.key, e.data, e.small = k, data, false
	e.freq.Store(0)
	sh := &c.shards[k.bit%shardCount]
	sh.mu.Lock()
	m := sh.cached[k.bit]
	if m == nil {
		if sh.cached == nil {
			sh.cached = make(map[uint]sections)
		}
		m = make(sections)
		sh.cached[k.bit] = m
	}
	m.set(k.section, e)
	sh.mu.Unlock()
	c.count++
	if c.ghosts[k.ghost()] > 0 {
		c.main.push(e)
		c.mainBytes += e.bytes()
		return
	}
	e.small = true
	c.small.push(e)
	c.smallBytes += e.bytes()
}

// evict removes one entry (possibly after moving others from small to main).
func (c *cache) evict() {
	if c.smallBytes >= c.smallLimit || c.main.len() == 0 {
		if c.evictSmall() {
			return
		}
	}
	c.evictMain()
}

// evictSmall pops the small FIFO's head: a vector hit while there moves to
// main, the others leave for the ghost. It reports whether an entry left.
func (c *cache) evictSmall() bool {
	for c.small.len() > 0 {
		e := c.small.pop()
		c.smallBytes -= e.bytes()
		if e.freq.Load() > 0 {
			e.freq.Store(0)
			e.small = false
			c.main.push(e)
			c.mainBytes += e.bytes()
			if c.mainBytes > c.budget-c.smallLimit {
				c.evictMain()
				return true
			}
			continue
		}
		c.remove(e)
		c.evictions++
		c.remember(e.key)
		c.recycle(e)
		return true
	}
	return false
}

// evictMain removes main's first entry not hit since its last lap.
func (c *cache) evictMain() {
	for c.main.len() > 0 {
		e := c.main.pop()
		if e.freq.Load() > 0 {
			e.freq.Add(^uint32(0))
			c.main.push(e)
			continue
		}
		c.mainBytes -= e.bytes()
		c.remove(e)
		c.evictions++
		c.recycle(e)
		return
	}
}

// recycle keeps an evicted entry, which no map or queue holds any more, for
// add. Only cache hits touch an entry outside cacheMu, under its shard's read
// lock, and the entry left its shard's map under that shard's write lock: so
// reuse is safe. The data is not kept (a waiter may still be copying it).
func (c *cache) recycle(e *entry) {
	if len(c.spare) < maxSpare {
		e.data = nil // add sets every field again
		c.spare = append(c.spare, e)
	}
}

// ghost is k as the ghost FIFO remembers it, in one word (a map of words is
// cheaper than one of keys). Keys whose sections differ by a multiple of 2^53
// share a word: the ghost is only a hint of which vectors to admit to main, so
// such a collision costs at most a misplaced entry.
func (k key) ghost() uint64 { return k.section<<11 ^ uint64(k.bit) }

// remember queues k in the ghost FIFO, forgetting the oldest ghost beyond the limit.
func (c *cache) remember(k key) {
	g := k.ghost()
	c.ghost.push(g)
	c.ghosts[g]++
	for c.ghost.len() > c.ghostLimit {
		old := c.ghost.pop()
		if c.ghosts[old]--; c.ghosts[old] <= 0 {
			delete(c.ghosts, old)
		}
	}
}

// forget drops every cached vector of a section from first on; it returns how
// many it dropped. Call it with every shard's write lock held. It walks the
// whole cache: it is for rare events (a rewrite of stored sections after a
// deep reorg), not for the query path.
func (c *cache) forget(first uint64) int {
	keep := func(q *fifo[*entry], bytes *int64) int {
		dropped := 0
		kept := q.items[:0]
		for _, e := range q.items[q.head:] {
			if e.key.section >= first {
				*bytes -= e.bytes()
				c.removeLocked(e)
				dropped++
				continue
			}
			kept = append(kept, e)
		}
		clear(q.items[len(kept):])
		q.items, q.head = kept, 0
		return dropped
	}
	return keep(&c.small, &c.smallBytes) + keep(&c.main, &c.mainBytes)
}
