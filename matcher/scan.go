package matcher

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/bloomsimd/bloomsimd/bitops"
	"github.com/bloomsimd/bloomsimd/scheduler"
)

// scanRunBytes bounds the bytes of one run's vectors of one bit, so that a
// worker's five sets of buffers (40 KiB) stay close to its core's L1 cache.
// Over a session's feed, whose vectors come from retrievers, runs are longer
// (feedRunBytes): a run's later groups are asked for as one batch, and
// retrievals cost far more than cache misses.
const (
	scanRunBytes = 8 << 10
	feedRunBytes = 32 << 10
)

// Scan matches blocks begin..end (inclusive) against vectors read from src and
// calls emit with each match in ascending order, on the calling goroutine. It
// splits the range into contiguous runs of sections evaluated in parallel by up
// to GOMAXPROCS workers (the caller's goroutine and helpers; when src is a
// *scheduler.Scheduler, only the helpers its node-wide bound grants); each
// worker reads a bit's vectors for a run of sections with one Bitsets call (a
// later group only for the sections still matching). Over a
// *scheduler.Scheduler it reads the scheduler's own vectors (Shared)
// and evaluates them in place, without copying them.
// Scan returns nil when the range is done or emit returns false, ctx.Err() when
// ctx is cancelled, and otherwise the first error of src (or breach of the Source
// contract) in section order, after emitting the matches of the runs before the
// failing one. A bad section size is an error wrapping ErrSectionSize.
func (m *Matcher) Scan(ctx context.Context, begin, end uint64, src Source, emit func(block uint64) bool) error {
	if err := m.checkSectionSize(); err != nil {
		return err
	}
	switch {
	case begin > end:
		return fmt.Errorf("matcher: scan range begins at %d, after its end %d", begin, end)
	case src == nil:
		return errors.New("matcher: nil Source")
	case emit == nil:
		return errors.New("matcher: nil emit function")
	}
	if ctx == nil {
		ctx = context.Background()
	}
	if len(m.groups) == 0 {
		for block := begin; ; block++ {
			if block%4096 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			if !emit(block) || block == end {
				return ctx.Err()
			}
		}
	}
	first := begin / m.sectionSize
	count := end/m.sectionSize - first + 1
	vecBytes := int(m.sectionSize / 8)
	procs := uint64(runtime.GOMAXPROCS(0))
	ahead, _ := src.(groupWanter)
	runLen := min(uint64(maxRunLen(vecBytes, ahead != nil)), (count+procs-1)/procs)
	runs := (count + runLen - 1) / runLen
	sc := &scan{m: m, src: src, ahead: ahead, inPlace: ahead != nil, begin: begin, end: end, first: first, count: count, runLen: runLen}
	if s, ok := src.(*scheduler.Scheduler); ok {
		// The vectors themselves, never modified: evaluated in place, not copied.
		sc.src, sc.inPlace = s.Shared(), true
	}
	if s, ok := src.(sectionsScanner); ok {
		s.ScanSections(first, count)
	}
	helpers := int(min(procs, runs) - 1)
	if bound, ok := src.(helperBound); ok && helpers > 0 {
		helpers = bound.AcquireHelpers(helpers)
		defer bound.ReleaseHelpers(helpers)
	}
	err := sc.parallel(ctx, runs, helpers, emit)
	if err != nil && ctx.Err() != nil {
		return ctx.Err() // not a Source's error wrapping the cancellation
	}
	return err
}

// helperBound is a node-wide bound on Scan helper goroutines, as a
// *scheduler.Scheduler has: a Scan over it starts only the helpers it grants
// (maybe none: the caller's goroutine does all the work then).
type helperBound interface {
	AcquireHelpers(want int) int
	ReleaseHelpers(n int)
}

// sectionsScanner is a Source told which sections a Scan reads before it reads
// any: an index.Snapshot then resolves their canonical heads at once and reads
// no further ahead than them.
type sectionsScanner interface {
	ScanSections(first, count uint64)
}

// groupWanter is a Source told what Scan is about to read: a session's feed,
// which asks its retrievers for a group's vectors of a whole run at once (and
// for the first group ahead of the runs), so that they can batch their
// requests in go-ethereum's order. Its vectors are never modified, so Scan
// evaluates them in place, without copying them.
type groupWanter interface {
	// wantGroup: Scan is about to read group g's vectors of the sections from
	// section on that alive marks.
	wantGroup(g int, section uint64, alive []bool)
}

// scan is one Scan call: run r covers sections first+r*runLen onwards.
type scan struct {
	m          *Matcher
	src        Source      // what the workers read: a Scheduler's Shared view over one
	ahead      groupWanter // src, if it wants to know
	inPlace    bool        // src's vectors are never modified: evaluate them in place
	begin, end uint64
	first      uint64
	count      uint64
	runLen     uint64
}

// sections returns the first section of run r and how many sections it holds.
func (sc *scan) sections(r uint64) (uint64, int) {
	off := r * sc.runLen
	return sc.first + off, int(min(sc.runLen, sc.count-off))
}

// runResult is the outcome of one run, handed from the goroutine that computed
// it to the caller.
type runResult struct {
	blocks []uint64
	err    error
	seq    atomic.Uint64 // r+1 once run r is stored here
	ready  chan struct{} // (buffered) poked after seq is stored
}

// resultSets keeps the result slots of finished Scans, with their blocks'
// buffers, for the next ones.
var resultSets sync.Pool

func getResults(n int) []runResult {
	// A set of any size will do: the helpers a Scan gets from a shared
	// scheduler vary from query to query, and a set dropped for its size
	// takes its blocks' buffers with it.
	if p, ok := resultSets.Get().(*[]runResult); ok && cap(*p) >= n {
		return (*p)[:n]
	}
	results := make([]runResult, n)
	for i := range results {
		results[i].ready = make(chan struct{}, 1)
	}
	return results
}

// putResults keeps results once no helper uses them.
func putResults(results []runResult) {
	for i := range results {
		r := &results[i]
		r.blocks, r.err = r.blocks[:0], nil
		r.seq.Store(0)
		select {
		case <-r.ready:
		default:
		}
	}
	resultSets.Put(&results)
}

// spins bounds how often a goroutine re-checks, yielding its core in between,
// before it blocks. Blocking is expensive here: a goroutine readied by one that
// keeps running waits in that one's run queue, and an idle core is slow to wake,
// while what we wait for is usually a run that another core is finishing.
const spins = 200

// spinUntil yields until cond holds or spins runs out, and reports cond.
func spinUntil(cond func() bool) bool {
	for range spins {
		if cond() {
			return true
		}
		runtime.Gosched()
	}
	return cond()
}

// poke wakes a goroutine waiting on c, if any, without blocking.
func poke(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// parallel computes runs on the calling goroutine and on helpers goroutines.
// Runs are claimed in order, and never more than len(results) ahead of the runs
// emitted. The caller emits whatever is done, in order, and otherwise computes
// the next run itself, emitting it directly when it is the next to emit: on one
// core it never waits, and a run costs no hand-off unless a helper computed it.
func (sc *scan) parallel(ctx context.Context, runs uint64, helpers int, emit func(uint64) bool) error {
	ctx, cancel := context.WithCancel(ctx)
	results := getResults(4 * (helpers + 1))
	defer putResults(results)
	var (
		next    atomic.Uint64 // next run to claim
		emitted atomic.Uint64 // runs emitted
		space   = make(chan struct{}, 1)
		wg      sync.WaitGroup
	)
	// claim returns the next run if it may be computed now.
	claim := func() (r uint64, ok, finished bool) {
		for {
			r = next.Load()
			if r >= runs {
				return 0, false, true
			}
			if r >= emitted.Load()+uint64(len(results)) {
				return 0, false, false
			}
			if next.CompareAndSwap(r, r+1) {
				return r, true, false
			}
		}
	}
	compute := func(w *scanWorker, r uint64) {
		res := &results[r%uint64(len(results))]
		section, n := sc.sections(r)
		res.blocks, res.err = w.scan(ctx, section, n, res.blocks[:0])
		res.seq.Store(r + 1)
		poke(res.ready)
	}
	for range helpers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			growStack()
			w := sc.newWorker()
			defer w.release()
			for ctx.Err() == nil {
				r, ok, finished := claim()
				if finished {
					return
				}
				if ok {
					compute(w, r)
					continue
				}
				// Too far ahead: wait for the caller to emit.
				ahead := func() bool { return next.Load() < emitted.Load()+uint64(len(results)) }
				if !spinUntil(ahead) {
					select {
					case <-space:
					case <-ctx.Done():
					}
				}
			}
		}()
	}
	defer func() {
		cancel()
		wg.Wait()
	}()
	if helpers > 0 {
		runtime.Gosched() // let a helper start on this core while another core picks us up
	}
	w := sc.newWorker()
	defer w.release()
	for e := uint64(0); e < runs; {
		res := &results[e%uint64(len(results))]
		if res.seq.Load() != e+1 {
			if r, ok, _ := claim(); ok && r == e {
				// The next run to emit: emit its matches as they are found,
				// with no hand-off through results.
				section, n := sc.sections(r)
				more, err := w.scanEmit(ctx, section, n, emit)
				if err != nil || !more {
					return err
				}
				e++
				emitted.Store(e)
				poke(space)
				continue
			} else if ok {
				compute(w, r)
				continue
			}
			done := func() bool { return res.seq.Load() == e+1 }
			for !spinUntil(done) {
				select {
				case <-res.ready:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
		}
		if res.err != nil {
			return res.err
		}
		for _, b := range res.blocks {
			if !emit(b) {
				return nil
			}
		}
		e++
		emitted.Store(e)
		poke(space)
	}
	return ctx.Err()
}

// growFrame is the stack frame growStack takes: with a helper's first frames,
// more than the goroutine's first stack, so that it grows once, to twice that.
const growFrame = 16 << 10

// growSink indexes growStack's frame, so that the compiler keeps it.
var growSink uint32

// growStack grows a new helper's stack at once, while it holds few frames. A
// Source over a disk database otherwise grows it a few times deep in the
// store's calls, each time copying and adjusting every frame: about a tenth of
// a 10-section Scan over Pebble.
//
//go:noinline
func growStack() byte {
	var frame [growFrame]byte
	return frame[growSink%growFrame]
}

// scanWorker holds one worker's buffers, each set runLen vectors: the three
// vectors of a clause, the OR of a group and the running result. A Source never
// sees these slices themselves, only copies of their headers in req.
type scanWorker struct {
	sc       *scan
	vecBytes int
	bits     [3][][]byte
	acc      [][]byte
	run      [][]byte
	alive    []bool
	req      [][]byte    // the dst handed to Bitsets
	refs     [3][][]byte // over a feed or a scheduler (inPlace): their vectors themselves, in place of bits
}

// workers keeps scanWorkers between Scans: their buffers are the only memory a
// Scan needs.
var workers sync.Pool

// newWorker returns a worker with buffers for runs of up to runLen sections.
func (sc *scan) newWorker() *scanWorker {
	vb := int(sc.m.sectionSize / 8)
	if w, ok := workers.Get().(*scanWorker); ok && w.vecBytes == vb && uint64(len(w.alive)) >= sc.runLen {
		w.sc = sc
		return w
	}
	n := maxRunLen(vb, sc.ahead != nil)
	slab := make([]byte, 5*n*vb)
	vecs := func() [][]byte {
		v := make([][]byte, n)
		for i := range v {
			v[i], slab = slab[:vb:vb], slab[vb:]
		}
		return v
	}
	w := &scanWorker{sc: sc, vecBytes: vb, alive: make([]bool, n), req: make([][]byte, n)}
	for k := range w.refs {
		w.refs[k] = make([][]byte, n)
	}
	for k := range w.bits {
		w.bits[k] = vecs()
	}
	w.acc, w.run = vecs(), vecs()
	return w
}

func (w *scanWorker) release() {
	for _, r := range w.refs {
		clear(r) // keep no reference to a session's vectors in the pool
	}
	w.sc = nil
	workers.Put(w)
}

// maxRunLen is the longest run for vectors of vb bytes, over a session's feed
// if feed is set.
func maxRunLen(vb int, feed bool) int {
	if feed {
		return max(1, feedRunBytes/vb)
	}
	return max(1, scanRunBytes/vb)
}

// evaluate computes the results of the n sections from section into w.run,
// marking in w.alive those with a match left; it reports whether any has one.
func (w *scanWorker) evaluate(ctx context.Context, section uint64, n int) (bool, error) {
	m := w.sc.m
	alive := w.alive[:n]
	for i := range alive {
		alive[i] = true
	}
	for g := range m.groups {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		if w.sc.ahead != nil {
			w.sc.ahead.wantGroup(g, section, alive)
		}
		grp := &m.groups[g]
		for ci, c := range grp.clauses {
			var in [3][][]byte
			for k := range in {
				if k > 0 && c[k] == c[k-1] { // a clause may hash to a bit twice
					in[k] = in[k-1]
					continue
				}
				if k == 2 && c[2] == c[0] {
					in[2] = in[0]
					continue
				}
				in[k] = w.bits[k]
				if w.sc.inPlace {
					in[k] = w.refs[k] // a feed's or a scheduler's vectors stay as they are: no copy
				}
				if err := w.fetch(ctx, m.bits[grp.bits[c[k]]], section, alive, in[k]); err != nil {
					return false, err
				}
			}
			for i, ok := range alive {
				if ok {
					orClause(ci, groupAcc(g, w.run[i], w.acc[i]), in[0][i], in[1][i], in[2][i])
				}
			}
		}
		left := false
		for i, ok := range alive {
			if ok {
				alive[i] = andGroup(g, w.run[i], w.acc[i])
				left = left || alive[i]
			}
		}
		if !left {
			return false, nil
		}
	}
	return true, nil
}

// scan evaluates the n sections from section and appends their matching blocks
// within the scan's range to blocks.
func (w *scanWorker) scan(ctx context.Context, section uint64, n int, blocks []uint64) ([]uint64, error) {
	if left, err := w.evaluate(ctx, section, n); !left || err != nil {
		return blocks, err
	}
	// Grow blocks once for the run's matches rather than by doubling: a busy
	// filter matches thousands of blocks per run.
	alive := w.alive[:n]
	need := 0
	for i, ok := range alive {
		if ok {
			need += bitops.Popcount(w.run[i])
		}
	}
	blocks = slices.Grow(blocks, need)
	for i, ok := range alive {
		if ok {
			blocks = w.sc.m.appendMatches(blocks, w.run[i], section+uint64(i), w.sc.begin, w.sc.end)
		}
	}
	return blocks, nil
}

// scanEmit evaluates the n sections from section and hands their matching
// blocks within the scan's range to emit, reporting false when emit does.
func (w *scanWorker) scanEmit(ctx context.Context, section uint64, n int, emit func(uint64) bool) (bool, error) {
	if left, err := w.evaluate(ctx, section, n); !left || err != nil {
		return true, err
	}
	for i, ok := range w.alive[:n] {
		if ok && !w.sc.m.emitMatches(w.run[i], section+uint64(i), w.sc.begin, w.sc.end, emit) {
			return false, nil
		}
	}
	return true, nil
}

// fetch reads the vectors of bit for the alive sections from section on into
// dst, with one Bitsets call per contiguous stretch of alive sections.
func (w *scanWorker) fetch(ctx context.Context, bit uint, section uint64, alive []bool, dst [][]byte) error {
	for i := 0; i < len(alive); {
		if !alive[i] {
			i++
			continue
		}
		j := i + 1
		for j < len(alive) && alive[j] {
			j++
		}
		if err := w.read(ctx, bit, section+uint64(i), dst[i:j]); err != nil {
			return err
		}
		i = j
	}
	return nil
}

// read has the Source fill dst, the worker's buffers for the vectors of bit in
// the sections from first on, and enforces the Source contract: the Source gets
// copies of the buffers' headers, a replaced vector is copied into its buffer,
// and a wrong length, an error or a panic becomes an error naming the bit and the
// section.
func (w *scanWorker) read(ctx context.Context, bit uint, first uint64, dst [][]byte) (err error) {
	req := w.req[:len(dst):len(dst)]
	copy(req, dst)
	defer clear(req) // keep no reference to the Source's memory in the pool
	if err := scheduler.Read(ctx, w.sc.src, bit, first, req, w.vecBytes); err != nil {
		return err
	}
	if w.sc.inPlace {
		copy(dst, req) // dst is refs: the vectors are never modified
		return nil
	}
	for i, v := range req {
		if &v[0] != &dst[i][0] {
			copy(dst[i], v)
		}
	}
	return nil
}
