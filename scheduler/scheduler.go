package scheduler

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// Config sets a Scheduler's bounds; a zero field takes its default.
type Config struct {
	// CacheBytes is the vector cache's budget, in bytes, entry overhead
	// included. Default 64 MiB: 2048 bits of about 60 sections of 4096 blocks.
	CacheBytes int64
	// MaxReads bounds the Source reads in flight at once, node-wide.
	// Default 16, go-ethereum's count of retrieval servers.
	MaxReads int
	// MaxHelpers bounds the helper goroutines of all Scans over the Scheduler
	// together (each Scan also works on its caller's goroutine). Default
	// GOMAXPROCS.
	MaxHelpers int
}

const (
	defaultCacheBytes = 64 << 20
	defaultMaxReads   = 16
)

// ErrClosed: the Scheduler was closed.
var ErrClosed = errors.New("scheduler: closed")

// Scheduler is the vector supply of a node, shared by all its queries. It is
// a (Changing)Source over its own Source: concurrent requests for the same
// (bit, section) cost one read, the misses of one request for a run of
// sections read as one run, and delivered vectors of sections that no longer
// change are kept in a scan-resistant cache within a byte budget.
//
// Vectors of changing sections (ChangingSource) are read for the request that
// asks and never cached nor shared. Failures are never cached: each waiter
// gets the error, the next request reads again. A waiter whose context ends
// returns at once; the read goes on while others wait for it, and is
// cancelled when none do. Each run is read on a goroutine of its own (up to
// MaxReads idle ones wait for the next), so a slow read of one bit holds up
// only the requests that need it.
//
// A cached vector stays valid until Invalidate drops it: a node whose stored
// sections are rewritten (a reorg deeper than the indexer's confirmations)
// calls Invalidate with the first rewritten section, or reports such sections
// through Changing.
type Scheduler struct {
	src      Source
	changing ChangingSource // src, when it is one
	vb       int            // bytes per vector
	reads    chan struct{}  // a token per Source read in flight
	helpers  chan struct{}  // a token per Scan helper goroutine

	base   context.Context // cancelled by Close: ends every read
	cancel context.CancelFunc
	wg     sync.WaitGroup // read goroutines
	jobs   chan readJob   // reads handed to idle read goroutines: room for maxIdle

	// Locks, taken in this order: cacheMu, then shards' mu (in index order when
	// several are held at once), then runMu. A request takes only its bit's
	// shard: the read lock for cache hits, the write lock to join or start
	// reads. A read settles under cacheMu (caching what it read, with the
	// shard locks of the entries it adds or evicts, one at a time) and then
	// under its bit's shard lock (settling its flights).
	shards  *[shardCount]shard
	cacheMu sync.Mutex // the cache's queues and sizes; epoch
	cache   *cache
	epoch   uint64 // Invalidate calls so far (written under cacheMu and every shard's mu): reads started before one are not cached
	closed  atomic.Bool
	runMu   sync.Mutex // idle
	idle    int        // read goroutines waiting for a job
	maxIdle int

	hits, misses, shared, readCalls, readSections, failures, invalidated atomic.Int64
}

// shardCount is how many shards split the Scheduler's state by bit: requests
// for bits of different shards never wait for each other's locks.
const shardCount = 64

// shard is the state of the bits b with b%shardCount equal to its index: their
// cached vectors and their reads in flight.
type shard struct {
	mu       sync.RWMutex
	inflight map[key]*flight
	cached   map[uint]sections // by bit: written by the cache under cacheMu and mu
	_        [64]byte          // keep shards' locks on separate cache lines
}

// shard returns the shard of bit.
func (s *Scheduler) shard(bit uint) *shard { return &s.shards[bit%shardCount] }

// flight is one vector being read, by its group.
type flight struct {
	data  []byte // set before group.done is closed, unless group.err is
	group *readGroup
}

// readGroup is one Source read of a run of sections, shared by its waiters.
type readGroup struct {
	flights   []flight      // one per section of the run
	done      chan struct{} // closed once every flight's data, or err, is set
	err       error
	cancel    context.CancelFunc
	waiters   int         // callers waiting for any of its flights, until finished (under its shard's mu)
	finished  atomic.Bool // its flights are settled (set under its shard's mu, before done is closed)
	abandoned bool        // cancelled for want of waiters: no one may join it
	epoch     uint64      // Scheduler.epoch when the read started
}

// New returns a Scheduler reading vectors of sections of sectionSize blocks
// from src.
func New(src Source, sectionSize uint64, cfg Config) (*Scheduler, error) {
	if src == nil {
		return nil, errors.New("scheduler: nil Source")
	}
	if err := CheckSectionSize(sectionSize); err != nil {
		return nil, err
	}
	if cfg.CacheBytes < 0 || cfg.MaxReads < 0 || cfg.MaxHelpers < 0 {
		return nil, fmt.Errorf("scheduler: negative bound in %+v", cfg)
	}
	if cfg.CacheBytes == 0 {
		cfg.CacheBytes = defaultCacheBytes
	}
	if cfg.MaxReads == 0 {
		cfg.MaxReads = defaultMaxReads
	}
	if cfg.MaxHelpers == 0 {
		cfg.MaxHelpers = runtime.GOMAXPROCS(0)
	}
	vb := int(sectionSize / 8)
	shards := new([shardCount]shard)
	for i := range shards {
		shards[i].inflight = make(map[key]*flight)
	}
	s := &Scheduler{
		src:     src,
		vb:      vb,
		reads:   make(chan struct{}, cfg.MaxReads),
		helpers: make(chan struct{}, cfg.MaxHelpers),
		shards:  shards,
		cache:   newCache(cfg.CacheBytes, vb, shards),
		jobs:    make(chan readJob, cfg.MaxReads),
		maxIdle: cfg.MaxReads,
	}
	s.changing, _ = src.(ChangingSource)
	s.base, s.cancel = context.WithCancel(context.Background())
	return s, nil
}

// Changing reports whether the vectors of section may still change: the
// Source's answer when it is a ChangingSource, else false.
func (s *Scheduler) Changing(section uint64) bool {
	return s.changing != nil && s.changing.Changing(section)
}

// Close cancels the reads in flight, waits for their goroutines and makes
// every later Bitsets fail with ErrClosed. It does not close the Source.
func (s *Scheduler) Close() {
	// Under every shard's lock: a request that starts a read holds its
	// shard's, so no read starts once Close has begun.
	s.lockShards()
	s.runMu.Lock()
	s.closed.Store(true)
	s.runMu.Unlock()
	s.unlockShards()
	s.cancel()
	s.wg.Wait()
}

// lockShards takes every shard's write lock, in index order.
func (s *Scheduler) lockShards() {
	for i := range s.shards {
		s.shards[i].mu.Lock()
	}
}

func (s *Scheduler) unlockShards() {
	for i := range s.shards {
		s.shards[i].mu.Unlock()
	}
}

// Invalidate drops the cached vectors of every section from first on, and
// keeps the reads in flight from caching what they deliver (their waiters,
// whose queries started before the call, still get it); later requests read
// the Source again. A node calls it when its indexer rewrites stored sections:
// go-ethereum's ChainIndexer does so after a reorg deeper than its
// confirmations, lowering its section count to the first rewritten section.
func (s *Scheduler) Invalidate(first uint64) {
	s.cacheMu.Lock()
	defer s.cacheMu.Unlock()
	s.lockShards()
	defer s.unlockShards()
	s.epoch++
	for i := range s.shards {
		inflight := s.shards[i].inflight
		for k := range inflight {
			if k.section >= first {
				delete(inflight, k) // new requests start a read of their own
			}
		}
	}
	s.invalidated.Add(int64(s.cache.forget(first)))
}

// AcquireHelpers takes up to want helper goroutines from the node-wide bound
// without waiting and returns how many it took (maybe 0): Matcher.Scan calls it
// before starting helpers and ReleaseHelpers after they end.
func (s *Scheduler) AcquireHelpers(want int) int {
	n := 0
	for n < want {
		select {
		case s.helpers <- struct{}{}:
			n++
		default:
			return n
		}
	}
	return n
}

// ReleaseHelpers gives back n helpers taken with AcquireHelpers.
func (s *Scheduler) ReleaseHelpers(n int) {
	for range n {
		<-s.helpers
	}
}

// Bitsets is Source: it fills dst[i] with the vector of bit for section
// first+i, from the cache, a read in flight or a new read, copying each vector
// into dst[i] (Shared hands out the vectors themselves). Errors are Read's,
// naming the bit and sections of the read that failed; a cancelled ctx returns
// its error at once. Sections past 2^64-1 are an error.
func (s *Scheduler) Bitsets(ctx context.Context, bit uint, first uint64, dst [][]byte) error {
	for i, v := range dst {
		if len(v) != s.vb {
			return fmt.Errorf("%w: buffer for bit %d, section %d has %d bytes, want %d",
				ErrVectorLength, bit, first+uint64(i), len(v), s.vb)
		}
	}
	var buf [16][]byte // a Scan's run, without an allocation
	refs := buf[:0]
	if len(dst) > len(buf) {
		refs = make([][]byte, 0, len(dst))
	}
	refs = refs[:len(dst)]
	if err := s.bitsets(ctx, bit, first, refs); err != nil {
		return err
	}
	for i, v := range refs {
		copy(dst[i], v) // outside every lock: cached vectors are never written
	}
	return nil
}

// Shared returns a Source whose Bitsets sets dst[i] (whatever it held) to the
// Scheduler's own vector of bit for section first+i, with no copy. Those
// vectors are shared with every other query of the node and must never be
// written to; they stay valid for as long as the caller holds them (the
// Scheduler never reuses a vector's memory, it only drops its reference). A
// vector of a changing section is a fresh copy, the caller's alone. Scan over a
// Scheduler evaluates these vectors in place, and ServeRetrievals over a
// Scheduler hands them out as the task's bitsets (a Matcher never modifies a
// delivered vector, nor does go-ethereum's).
func (s *Scheduler) Shared() Source { return sharedSource{s} }

// sharedSource is the Source Shared returns.
type sharedSource struct{ s *Scheduler }

func (r sharedSource) Bitsets(ctx context.Context, bit uint, first uint64, dst [][]byte) error {
	return r.s.bitsets(ctx, bit, first, dst)
}

// bitsets sets dst[i] to the Scheduler's vector of bit for section first+i
// (Shared's Bitsets).
func (s *Scheduler) bitsets(ctx context.Context, bit uint, first uint64, dst [][]byte) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(dst) > 0 && first+uint64(len(dst)-1) < first {
		// Sections past 2^64-1 would wrap to 0: their vectors cached as section 0's.
		return fmt.Errorf("scheduler: %d sections from section %d go past section 2^64-1", len(dst), first)
	}
	if s.changing != nil {
		return s.bitsetsChanging(ctx, bit, first, dst)
	}
	return s.bitsetsStable(ctx, bit, first, dst)
}

// bitsetsChanging splits dst into runs of changing and stable sections: the
// changing ones are read for this request alone.
func (s *Scheduler) bitsetsChanging(ctx context.Context, bit uint, first uint64, dst [][]byte) error {
	for i := 0; i < len(dst); {
		ch, err := changing(s.changing, first+uint64(i))
		if err != nil {
			return err
		}
		j := i + 1
		for j < len(dst) {
			next, err := changing(s.changing, first+uint64(j))
			if err != nil {
				return err
			}
			if next != ch {
				break
			}
			j++
		}
		if ch {
			err = s.readDirect(ctx, bit, first+uint64(i), dst[i:j])
		} else {
			err = s.bitsetsStable(ctx, bit, first+uint64(i), dst[i:j])
		}
		if err != nil {
			return err
		}
		i = j
	}
	return nil
}

// readDirect reads dst, new vectors, from the Source on the caller's goroutine,
// bypassing cache and sharing, within the read bound.
func (s *Scheduler) readDirect(ctx context.Context, bit uint, first uint64, dst [][]byte) error {
	if s.base.Err() != nil {
		return ErrClosed
	}
	if err := s.acquireRead(ctx); err != nil {
		return err
	}
	defer s.releaseRead()
	s.readCalls.Add(1)
	s.readSections.Add(int64(len(dst)))
	s.misses.Add(int64(len(dst)))
	slab := make([]byte, len(dst)*s.vb)
	for i := range dst {
		dst[i], slab = slab[:s.vb:s.vb], slab[s.vb:]
	}
	req := append([][]byte(nil), dst...)
	if err := Read(ctx, s.src, bit, first, req, s.vb); err != nil {
		s.failures.Add(1)
		return err
	}
	copyReplaced(dst, req)
	return nil
}

func (s *Scheduler) acquireRead(ctx context.Context) error {
	select {
	case s.reads <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Scheduler) releaseRead() { <-s.reads }

// bitsetsStable serves sections that do not change: cached vectors at once,
// the others from reads in flight or new ones, one per run of missing sections.
// The leading cached vectors, usually all of them, take only the read lock.
func (s *Scheduler) bitsetsStable(ctx context.Context, bit uint, first uint64, dst [][]byte) error {
	n, err := s.cachedPrefix(bit, first, dst)
	if err != nil || n == len(dst) {
		return err
	}
	return s.bitsetsMissing(ctx, bit, first+uint64(n), dst[n:])
}

// cachedPrefix sets dst's leading entries to their sections' cached vectors,
// under the read lock, and returns how many it set.
func (s *Scheduler) cachedPrefix(bit uint, first uint64, dst [][]byte) (int, error) {
	sh := s.shard(bit)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	if s.closed.Load() {
		return 0, ErrClosed
	}
	n := sh.cached[bit].prefix(first, dst)
	s.hits.Add(int64(n))
	return n, nil
}

// bitsetsMissing is bitsetsStable from the first section not found cached,
// under the write lock of bit's shard: it joins reads in flight or starts new
// ones.
func (s *Scheduler) bitsetsMissing(ctx context.Context, bit uint, first uint64, dst [][]byte) error {
	var (
		waits    []*flight // per section of dst, nil when served from the cache
		groupBuf [4]*readGroup
		groups   = groupBuf[:0] // the read groups waited for: rarely more than a few
		hits     int
	)
	sh := s.shard(bit)
	sh.mu.Lock()
	if s.closed.Load() {
		sh.mu.Unlock()
		return ErrClosed
	}
	cached := sh.cached[bit]
	for i := 0; i < len(dst); {
		k := key{bit, first + uint64(i)}
		if data, ok := cached.get(k.section); ok {
			dst[i] = data
			hits++
			i++
			continue
		}
		if waits == nil {
			waits = make([]*flight, len(dst))
		}
		if f := sh.inflight[k]; f != nil && !f.group.abandoned {
			waits[i] = f
			s.shared.Add(1)
			groups = joinGroup(groups, f.group)
			i++
			continue
		}
		// A run of sections neither cached nor in flight: one new read.
		j := i + 1
		for j < len(dst) {
			k := key{bit, first + uint64(j)}
			if cached.entry(k.section) != nil {
				break
			}
			if f := sh.inflight[k]; f != nil && !f.group.abandoned {
				break
			}
			j++
		}
		g := s.startRead(sh, bit, first+uint64(i), waits[i:j])
		groups = joinGroup(groups, g)
		i = j
	}
	sh.mu.Unlock()
	s.hits.Add(int64(hits))
	s.misses.Add(int64(len(dst) - hits))
	if waits == nil {
		return nil
	}
	for i, f := range waits {
		if f == nil {
			continue
		}
		select {
		case <-f.group.done:
		case <-ctx.Done():
			s.leave(sh, groups)
			return ctx.Err()
		}
		if err := f.group.err; err != nil {
			s.leave(sh, groups)
			switch {
			case ctx.Err() != nil:
				return ctx.Err()
			case s.base.Err() != nil:
				return ErrClosed
			}
			return err
		}
		dst[i] = f.data
	}
	s.leave(sh, groups)
	return nil
}

// joinGroup counts the caller as a waiter of g, once.
func joinGroup(groups []*readGroup, g *readGroup) []*readGroup {
	for _, h := range groups {
		if h == g {
			return groups
		}
	}
	g.waiters++
	return append(groups, g)
}

// leave uncounts the caller from groups; a group left without waiters before
// it finished is cancelled. A finished group's waiters just go, without the
// lock: its waiter count no longer matters. That is the usual case, a caller
// that waited for all its groups.
func (s *Scheduler) leave(sh *shard, groups []*readGroup) {
	reading := false
	for _, g := range groups {
		reading = reading || !g.finished.Load()
	}
	if !reading {
		return
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	for _, g := range groups {
		if g.finished.Load() {
			continue
		}
		g.waiters--
		if g.waiters == 0 {
			g.abandoned = true
			g.cancel()
		}
	}
}

// startRead starts the read of len(waits) sections of bit from first,
// setting waits to the new flights, registered as in flight. Call with sh.mu,
// bit's shard's write lock, held and s not closed.
func (s *Scheduler) startRead(sh *shard, bit uint, first uint64, waits []*flight) *readGroup {
	ctx, cancel := context.WithCancel(s.base)
	g := &readGroup{flights: make([]flight, len(waits)), done: make(chan struct{}), cancel: cancel, epoch: s.epoch}
	for i := range waits {
		f := &g.flights[i]
		f.group = g
		waits[i] = f
		sh.inflight[key{bit, first + uint64(i)}] = f
	}
	s.run(readJob{ctx, g, bit, first})
	return g
}

// readJob is one read for a read goroutine.
type readJob struct {
	ctx   context.Context
	g     *readGroup
	bit   uint
	first uint64
}

// run hands j to an idle read goroutine, or starts one. Call with a shard's
// write lock held and s not closed (Close sets closed under every shard's
// lock). Read goroutines outlive their read, up to maxIdle of them: a Source's
// read (Pebble's, say) runs deep, and a new goroutine would grow its stack
// anew for every read.
func (s *Scheduler) run(j readJob) {
	s.runMu.Lock()
	defer s.runMu.Unlock()
	if s.idle > 0 {
		s.idle--
		s.jobs <- j // never blocks: see read
		return
	}
	s.wg.Add(1)
	go s.reader(j)
}

// reader runs j, then waits for more jobs while it is one of at most maxIdle
// idle read goroutines, until Close. Close stops sending before it cancels
// s.base, so the jobs queued by then are all run.
func (s *Scheduler) reader(j readJob) {
	defer s.wg.Done()
	for {
		if !s.read(j.ctx, j.g, j.bit, j.first) {
			return
		}
		select {
		case j = <-s.jobs:
		case <-s.base.Done():
			select {
			case j = <-s.jobs: // queued before Close: run it (its context is cancelled)
			default:
				return
			}
		}
	}
}

// read reads the vectors of g's flights, caches them and settles the group.
// It reports whether its goroutine is to wait for the next job, counted idle
// before the waiters wake: a waiter's next read then finds it.
func (s *Scheduler) read(ctx context.Context, g *readGroup, bit uint, first uint64) (idle bool) {
	defer g.cancel()
	n := len(g.flights)
	var bufs [][]byte
	err := s.acquireRead(ctx)
	if err == nil {
		bufs = make([][]byte, n)
		for i := range bufs {
			bufs[i] = make([]byte, s.vb) // one each: the cache evicts them one by one
		}
		dst := append([][]byte(nil), bufs...)
		s.readCalls.Add(1)
		s.readSections.Add(int64(n))
		err = Read(ctx, s.src, bit, first, dst, s.vb)
		s.releaseRead()
		if err == nil {
			copyReplaced(bufs, dst)
		}
	}
	if err != nil {
		s.failures.Add(1)
	} else {
		// Cached before the flights leave inflight: a request in between finds
		// each vector cached or in flight.
		s.cacheMu.Lock()
		if !s.closed.Load() && g.epoch == s.epoch {
			for i, data := range bufs {
				s.cache.add(key{bit, first + uint64(i)}, data)
			}
		}
		s.cacheMu.Unlock()
	}
	sh := s.shard(bit)
	sh.mu.Lock()
	g.err = err
	for i := range g.flights {
		f := &g.flights[i]
		k := key{bit, first + uint64(i)}
		if sh.inflight[k] == f {
			delete(sh.inflight, k)
		}
		if err == nil {
			f.data = bufs[i]
		}
	}
	g.finished.Store(true)
	sh.mu.Unlock()
	// Jobs handed to idle goroutines but not yet taken count too: idle plus
	// queued never exceeds maxIdle, the channel's room, so run never blocks.
	s.runMu.Lock()
	if idle = !s.closed.Load() && s.idle+len(s.jobs) < s.maxIdle; idle {
		s.idle++
	}
	s.runMu.Unlock()
	close(g.done)
	return idle
}
