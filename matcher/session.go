package matcher

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/bloomsimd/bloomsimd/bitops"
)

// Retrieval is a request for the vectors of one bloom bit in some sections, and
// the reply carrying them, exactly as in go-ethereum: Bitsets[i] answers
// Sections[i], a zero-length bitset means "not available, ask again", and a
// non-nil Error ends the session.
type Retrieval struct {
	Bit      uint
	Sections []uint64
	Bitsets  [][]byte

	Context context.Context
	Error   error
}

// window is how many sections a session keeps in flight: requested, being
// evaluated or waiting for their matches to be sent. It lets retrievers batch
// their requests while bounding what a slow reader of results makes us hold.
const window = 256

// admitChunk is the least room in the window worth admitting sections into.
const admitChunk = 32

type slotState uint8

const (
	slotFree       slotState = iota
	slotWaiting              // waiting for vectors of its current group
	slotReady                // all vectors in, queued for evaluation
	slotEvaluating           // being evaluated, outside the lock
	slotNoMatch              // finished: no block left
	slotMatch                // finished: run holds the matching blocks
	slotEmitting             // matches being sent to results
)

// slot is one section in flight. Its buffers are reused for the sections that
// follow it through the same slot of the ring.
type slot struct {
	section uint64
	group   int // index of the group being gathered or evaluated
	need    int // vectors of that group still to arrive
	state   slotState
	in      [][]byte // vectors of the group, by position in its bits
	run     []byte   // running result: AND of the groups evaluated so far
	tmp     []byte   // the OR of the current group
}

// slots keeps slots between sessions, of any Matcher: their buffers are most of
// what a session allocates.
var slots sync.Pool

// newSlot returns a slot for vectors of vecBytes bytes and groups of up to
// groupBits bits.
func newSlot(vecBytes, groupBits int) *slot {
	sl, ok := slots.Get().(*slot)
	if !ok || len(sl.run) != vecBytes {
		buf := make([]byte, 2*vecBytes)
		sl = &slot{run: buf[:vecBytes:vecBytes], tmp: buf[vecBytes:]}
	}
	if len(sl.in) < groupBits {
		sl.in = make([][]byte, groupBits)
	}
	return sl
}

// release returns sl to the pool, dropping its references to vectors.
func (sl *slot) release() {
	clear(sl.in)
	sl.state = slotFree
	slots.Put(sl)
}

// MatcherSession is one running match over a block range, started by
// Matcher.Start.
type MatcherSession struct {
	m          *Matcher
	ctx        context.Context
	results    chan uint64
	begin, end uint64
	first      uint64 // first section
	count      uint64 // number of sections

	quit        chan struct{} // closed when the session stops early
	wake        chan struct{} // (buffered) the emitter has work
	emitterDone chan struct{}
	closeOnce   sync.Once
	stopCtx     func() bool

	mu       sync.Mutex
	cond     sync.Cond // on mu: work for retrievers, allocs/busy reaching zero
	quitting bool
	finished bool // every section done and sent
	err      error

	ring       []*slot
	head, next uint64 // relative section numbers: oldest unreleased, next to admit
	readyq     []*slot
	readyHead  int
	busy       int // evaluations running outside the lock

	queues   [][]uint64 // per matcher bit: sections to retrieve, ascending
	owned    []bool     // per bit: handed out by AllocateRetrieval, sections not taken yet
	held     []int      // per bit: allocations not yet answered by DeliverSections
	listed   []bool     // per bit: in unalloc
	unalloc  []int      // bits with queued sections waiting for a retriever
	allocs   int        // allocations not yet answered by DeliverSections
	batch    int        // largest batch of a Multiplex: a full retrieval
	emitBuf  []uint64   // emitter scratch
	cached   [64][]byte // admitLocked scratch
	sections [64]uint64
	vecBytes int
}

// Start begins matching blocks begin..end (inclusive). Matches are sent to
// results in ascending order, each once; results is closed when the range is
// done, when the session fails (see Error) or is closed, or when ctx is
// cancelled. Vectors are asked for through Multiplex (or AllocateRetrieval and
// friends). A begin after end gives a session that sends nothing. Only one Start
// of a Matcher may run at a time.
func (m *Matcher) Start(ctx context.Context, begin, end uint64, results chan uint64) (*MatcherSession, error) {
	if m.running.Swap(true) {
		return nil, errRunning
	}
	defer m.running.Store(false)
	if err := m.checkSectionSize(); err != nil {
		return nil, err
	}
	if results == nil {
		return nil, errors.New("matcher: nil results channel")
	}
	s := &MatcherSession{
		m:           m,
		ctx:         ctx,
		results:     results,
		begin:       begin,
		end:         end,
		quit:        make(chan struct{}),
		wake:        make(chan struct{}, 1),
		emitterDone: make(chan struct{}),
		queues:      make([][]uint64, len(m.bits)),
		owned:       make([]bool, len(m.bits)),
		held:        make([]int, len(m.bits)),
		listed:      make([]bool, len(m.bits)),
		vecBytes:    int(m.sectionSize / 8),
		batch:       1,
	}
	s.cond.L = &s.mu
	if begin <= end {
		s.first = begin / m.sectionSize
		s.count = end/m.sectionSize - s.first + 1
	}
	if len(m.groups) > 0 {
		s.ring = make([]*slot, min(uint64(window), s.count))
	}
	for _, sch := range m.schedulers {
		sch.Reset()
	}
	go s.emitter()
	s.mu.Lock()
	s.advanceLocked()
	s.mu.Unlock()
	s.drain()
	if ctx != nil {
		s.stopCtx = context.AfterFunc(ctx, func() { s.fail(ctx.Err(), true) })
	}
	return s, nil
}

// Error returns the error that ended the session early: a retrieval's Error, a
// delivered vector of the wrong length, or the cancellation of Start's context.
func (s *MatcherSession) Error() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Close stops the session and returns once its goroutine has exited and every
// retrieval handed out has been answered. It may be called more than once.
func (s *MatcherSession) Close() {
	s.closeOnce.Do(func() {
		if s.stopCtx != nil {
			s.stopCtx()
		}
		s.mu.Lock()
		s.quitLocked()
		for s.allocs > 0 || s.busy > 0 {
			s.cond.Wait()
		}
		s.mu.Unlock()
		<-s.emitterDone
		// Nothing evaluates or emits now: the slots' buffers can serve other
		// sessions (late deliveries find no slot and only fill the cache).
		s.mu.Lock()
		for i, sl := range s.ring {
			if sl != nil {
				sl.release()
				s.ring[i] = nil
			}
		}
		s.mu.Unlock()
	})
}

// fail ends the session with err. A cancellation (ctxErr) after the last match
// was sent is not a failure.
func (s *MatcherSession) fail(err error, ctxErr bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ctxErr && s.finished {
		return
	}
	if s.err == nil {
		s.err = err
	}
	s.quitLocked()
}

func (s *MatcherSession) quitLocked() {
	if !s.quitting {
		s.quitting = true
		close(s.quit)
		s.cond.Broadcast()
	}
}

func (s *MatcherSession) signalEmitter() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// advanceLocked releases finished sections without matches at the head of the
// window, hands a head section with matches to the emitter, and admits new
// sections into the room made.
func (s *MatcherSession) advanceLocked() {
	for s.head < s.next {
		sl := s.ring[s.head%uint64(len(s.ring))]
		if sl.state == slotMatch {
			s.signalEmitter()
			break
		}
		if sl.state != slotNoMatch {
			break
		}
		sl.state = slotFree
		s.head++
	}
	// Admit in chunks: when a slow reader of results frees one slot at a time,
	// sections admitted one by one would make every retrieval a batch of one.
	room := uint64(len(s.ring)) - (s.next - s.head)
	if left := s.count - s.next; !s.quitting && left > 0 && room >= min(admitChunk, left, uint64(len(s.ring))) {
		s.admitLocked(min(left, room))
	}
	if s.head == s.count {
		s.signalEmitter()
	}
}

// admitLocked brings the next n sections into the window and starts gathering
// their first group's vectors.
func (s *MatcherSession) admitLocked(n uint64) {
	var admitted [len(s.cached)]*slot
	for n > 0 {
		k := min(n, uint64(len(admitted)))
		for i := range k {
			r := (s.next + i) % uint64(len(s.ring))
			sl := s.ring[r]
			if sl == nil {
				sl = newSlot(s.vecBytes, s.m.maxGroup)
				s.ring[r] = sl
			}
			sl.section = s.first + s.next + i
			admitted[i] = sl
		}
		s.enterGroupLocked(admitted[:k], 0)
		s.next += k
		n -= k
	}
}

// enterGroupLocked starts gathering the vectors of group g for the sections of
// sls (at most len(s.cached)): cached ones are taken at once, asking each bit's
// scheduler once for all the sections, and the others queued for retrieval.
func (s *MatcherSession) enterGroupLocked(sls []*slot, g int) {
	cached, sections := s.cached[:len(sls)], s.sections[:len(sls)]
	for i, sl := range sls {
		sl.group, sl.need, sl.state = g, 0, slotWaiting
		sections[i] = sl.section
	}
	for p, idx := range s.m.groups[g].bits {
		s.m.schedulers[idx].RequestAll(sections, cached)
		for i, sl := range sls {
			sl.in[p] = cached[i]
			if cached[i] == nil {
				sl.need++
				s.enqueueLocked(idx, sl.section)
			}
		}
	}
	for _, sl := range sls {
		if sl.need == 0 {
			s.readyLocked(sl)
		}
	}
}

func (s *MatcherSession) readyLocked(sl *slot) {
	sl.state = slotReady
	s.readyq = append(s.readyq, sl)
}

// enqueueLocked queues section for retrieval of bit idx and offers the bit to a
// retriever when it had nothing queued.
func (s *MatcherSession) enqueueLocked(idx int, section uint64) {
	q := s.queues[idx]
	if n := len(q); n == 0 || q[n-1] < section {
		q = append(q, section)
	} else if i, found := slices.BinarySearch(q, section); !found {
		q = slices.Insert(q, i, section)
	}
	s.queues[idx] = q
	s.offerLocked(idx)
}

// offerLocked lists bit idx for AllocateRetrieval if it has queued sections and
// is neither listed nor held by a retriever.
func (s *MatcherSession) offerLocked(idx int) {
	if len(s.queues[idx]) > 0 && !s.owned[idx] && !s.listed[idx] {
		s.listed[idx] = true
		s.unalloc = append(s.unalloc, idx)
		s.cond.Signal()
	}
}

// wantLocked returns the slot waiting for the vector of bit idx in section, and
// the vector's position in the slot, or nil.
func (s *MatcherSession) wantLocked(idx int, section uint64) (*slot, int) {
	if section < s.first {
		return nil, 0
	}
	rel := section - s.first
	if rel < s.head || rel >= s.next {
		return nil, 0
	}
	sl := s.ring[rel%uint64(len(s.ring))]
	if sl == nil || sl.section != section || sl.state != slotWaiting {
		return nil, 0
	}
	p := s.m.position[sl.group*len(s.m.bits)+idx]
	if p < 0 || sl.in[p] != nil {
		return nil, 0
	}
	return sl, int(p)
}

// drain evaluates the sections whose vectors are all in, on the calling
// goroutine, in batches, until none is left.
func (s *MatcherSession) drain() {
	var batch [16]*slot
	s.mu.Lock()
	defer s.mu.Unlock()
	for !s.quitting && s.readyHead < len(s.readyq) {
		n := copy(batch[:], s.readyq[s.readyHead:])
		clear(s.readyq[s.readyHead : s.readyHead+n])
		s.readyHead += n
		if s.readyHead == len(s.readyq) {
			s.readyq, s.readyHead = s.readyq[:0], 0
		}
		for _, sl := range batch[:n] {
			sl.state = slotEvaluating
		}
		s.busy++
		s.mu.Unlock()
		var alive [len(batch)]bool
		for i, sl := range batch[:n] {
			alive[i] = s.m.evalGroup(sl.group, sl.in[:len(s.m.groups[sl.group].bits)], sl.run, sl.tmp)
		}
		s.mu.Lock()
		s.busy--
		if s.quitting {
			if s.busy == 0 {
				s.cond.Broadcast()
			}
			return
		}
		atHead := false
		var next [len(batch)]*slot // going on to their next group
		k := 0
		for i, sl := range batch[:n] {
			switch {
			case !alive[i]:
				sl.state = slotNoMatch
			case sl.group+1 == len(s.m.groups):
				sl.state = slotMatch
			default:
				next[k] = sl
				k++
			}
			atHead = atHead || sl.section-s.first == s.head
		}
		// Usually all go on to the same group: one scheduler call per bit.
		for k > 0 {
			g, same := next[0].group+1, 0
			for i := range k {
				if next[i].group+1 == g {
					next[i], next[same] = next[same], next[i]
					same++
				}
			}
			s.enterGroupLocked(next[:same], g)
			k = copy(next[:], next[same:k])
		}
		if atHead {
			s.advanceLocked()
		}
	}
}

// emitter sends the matches of finished sections to results in order and closes
// results at the end.
func (s *MatcherSession) emitter() {
	defer close(s.emitterDone)
	defer close(s.results)
	if len(s.m.groups) == 0 {
		s.emitAll()
		return
	}
	size := s.m.sectionSize
	for {
		select {
		case <-s.quit:
			return
		case <-s.wake:
		}
		for {
			s.mu.Lock()
			if s.quitting {
				s.mu.Unlock()
				return
			}
			if s.head == s.count {
				s.finished = true
				s.cond.Broadcast()
				s.mu.Unlock()
				return
			}
			sl := s.ring[s.head%uint64(len(s.ring))]
			if sl.state != slotMatch {
				s.mu.Unlock()
				break
			}
			sl.state = slotEmitting
			s.mu.Unlock()

			first, last := s.m.sectionBlocks(sl.section, s.begin, s.end)
			s.emitBuf = bitops.AppendSetBits(s.emitBuf[:0], sl.run, sl.section*size)
			for _, block := range s.emitBuf {
				if block < first {
					continue
				}
				if block > last {
					break
				}
				if !s.send(block) {
					return
				}
			}

			s.mu.Lock()
			sl.state = slotFree
			s.head++
			s.advanceLocked()
			s.mu.Unlock()
			s.drain()
		}
	}
}

// send sends block to results, and reports false if the session stopped first.
func (s *MatcherSession) send(block uint64) bool {
	select {
	case s.results <- block: // the common case, without a two-way select
		return true
	default:
	}
	select {
	case s.results <- block:
		return true
	case <-s.quit:
		return false
	}
}

// emitAll sends every block of the range: a filter without groups matches all.
func (s *MatcherSession) emitAll() {
	if s.count > 0 {
		for block := s.begin; ; block++ {
			if !s.send(block) {
				return
			}
			if block == s.end {
				break
			}
		}
	}
	s.mu.Lock()
	s.finished = true
	s.cond.Broadcast()
	s.mu.Unlock()
}

// AllocateRetrieval hands the caller a bloom bit with sections to retrieve and
// returns false once the session has stopped or has nothing left to ask. It
// prefers, among the bits with a full batch queued (see Multiplex), the one with
// the lowest section waiting, and otherwise the bit with the lowest section
// waiting, as go-ethereum does. It blocks until there is a bit to hand out. The
// caller must answer with DeliverSections.
func (s *MatcherSession) AllocateRetrieval() (uint, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		if s.quitting || s.finished {
			return 0, false
		}
		best, bestFull := -1, -1
		for i := 0; i < len(s.unalloc); {
			idx := s.unalloc[i]
			q := s.queues[idx]
			if len(q) == 0 { // taken meanwhile by AllocateSections
				s.listed[idx] = false
				s.unalloc[i] = s.unalloc[len(s.unalloc)-1]
				s.unalloc = s.unalloc[:len(s.unalloc)-1]
				continue
			}
			if best < 0 || q[0] < s.queues[s.unalloc[best]][0] {
				best = i
			}
			if len(q) >= s.batch && (bestFull < 0 || q[0] < s.queues[s.unalloc[bestFull]][0]) {
				bestFull = i
			}
			i++
		}
		if bestFull >= 0 {
			best = bestFull
		}
		if best >= 0 {
			idx := s.unalloc[best]
			s.unalloc[best] = s.unalloc[len(s.unalloc)-1]
			s.unalloc = s.unalloc[:len(s.unalloc)-1]
			s.listed[idx] = false
			s.owned[idx] = true
			s.held[idx]++
			s.allocs++
			return s.m.bits[idx], true
		}
		s.cond.Wait()
	}
}

// PendingSections returns how many sections of bloom bit bit wait for retrieval.
func (s *MatcherSession) PendingSections(bit uint) int {
	idx, ok := s.m.bitIndex[bit]
	if !ok {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queues[idx])
}

// AllocateSections takes up to count of the lowest sections waiting for bloom bit
// bit, for the caller to retrieve; the rest are offered to other retrievers.
func (s *MatcherSession) AllocateSections(bit uint, count int) []uint64 {
	idx, ok := s.m.bitIndex[bit]
	if !ok {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queues[idx]
	n := min(max(count, 0), len(q))
	out := slices.Clone(q[:n])
	s.queues[idx] = q[:copy(q, q[n:])]
	s.owned[idx] = false
	s.offerLocked(idx)
	return out
}

// DeliverSections hands in the vectors of bloom bit bit for sections: bitsets[i]
// is the vector of sections[i]. It answers one AllocateRetrieval of bit, if one
// is outstanding, and then also lets the bit be handed out again (a retriever
// need not call AllocateSections). Every input has a defined outcome:
//   - A zero-length (or nil) bitset, or a missing one past the end of bitsets,
//     means "not available, ask again": a section still wanted is queued again.
//   - A bitset of any other length than sectionSize/8 ends the session with an
//     error wrapping ErrVectorLength that names the bit and the section (after
//     the session has ended, it is dropped).
//   - Bitsets past the end of sections, sections never asked for or no longer
//     wanted, repeated sections and repeated deliveries are ignored, apart from
//     caching vectors that were asked for. A bit the filter does not use is
//     ignored.
//   - After Close, deliveries only fill the cache.
//
// go-ethereum's deliverSections (unexported, reached through Multiplex) panics
// with an index out of range when there are more bitsets than sections, with a
// nil pointer for a bit it has no scheduler for, waits forever for the sections
// past the end of a shorter bitsets, and computes wrong matches from a vector of
// the wrong length.
//
// Delivered vectors are kept by the Matcher for its later sessions and must not
// be modified afterwards.
func (s *MatcherSession) DeliverSections(bit uint, sections []uint64, bitsets [][]byte) {
	s.deliver(bit, sections, bitsets, true)
}

// deliver is DeliverSections; answer tells whether the call answers an
// allocation of bit.
func (s *MatcherSession) deliver(bit uint, sections []uint64, bitsets [][]byte, answer bool) {
	idx, known := s.m.bitIndex[bit]
	var bad error
	s.mu.Lock()
	if !known {
		s.mu.Unlock()
		return
	}
	if answer && s.held[idx] > 0 {
		s.held[idx]--
		s.allocs--
		if s.allocs == 0 && s.quitting {
			s.cond.Broadcast()
		}
		if s.held[idx] == 0 && s.owned[idx] {
			// Answered without AllocateSections: offer the bit again.
			s.owned[idx] = false
			s.offerLocked(idx)
		}
	}
	sch := s.m.schedulers[idx]
	whole := len(bitsets) >= len(sections) // the common case: cache all at once
	for i := range sections {
		if i >= len(bitsets) || len(bitsets[i]) != s.vecBytes {
			whole = false
			break
		}
	}
	if whole {
		sch.Deliver(sections, bitsets)
	}
	for i, section := range sections {
		var data []byte
		if i < len(bitsets) {
			data = bitsets[i]
		}
		sl, p := s.wantLocked(idx, section)
		switch {
		case len(data) == 0:
			if sl != nil && !s.quitting {
				s.enqueueLocked(idx, section)
			}
			continue
		case len(data) != s.vecBytes:
			if bad == nil && !s.quitting && !s.finished {
				bad = fmt.Errorf("%w: delivered vector of bit %d, section %d has %d bytes, want %d",
					ErrVectorLength, bit, section, len(data), s.vecBytes)
			}
			continue
		}
		if !whole {
			sch.Deliver(sections[i:i+1], bitsets[i:i+1])
		}
		if sl != nil {
			sl.in[p] = data
			if sl.need--; sl.need == 0 {
				s.readyLocked(sl)
			}
		}
	}
	s.mu.Unlock()
	if bad != nil {
		s.fail(bad, false)
		return
	}
	s.drain()
}

// Multiplex retrieves vectors for the session through mux, go-ethereum's way:
// for each bit allocated to it, it takes up to batch sections (first waiting up
// to wait for that many to be queued), sends a fresh channel on mux, sends the
// Retrieval on that channel and reads exactly one reply from it. It returns when
// the session stops or has nothing left to ask. Requests in flight must always be
// answered, even after the session ends (go-ethereum's rule).
//
// The reply is delivered as DeliverSections describes, for the Bit and Sections
// it names; requested sections it leaves out are asked again. A reply with Error
// set ends the session with that error, and a nil reply with ErrNilReply (where
// go-ethereum panics). A late reply, one that arrives after the session ended,
// only fills the cache.
func (s *MatcherSession) Multiplex(batch int, wait time.Duration, mux chan chan *Retrieval) {
	batch = max(batch, 1)
	s.mu.Lock()
	s.batch = max(s.batch, batch)
	s.mu.Unlock()
	var timer *time.Timer
	if wait > 0 {
		timer = time.NewTimer(wait)
		defer timer.Stop()
	}
	for {
		bit, ok := s.AllocateRetrieval()
		if !ok {
			return
		}
		if wait > 0 && s.PendingSections(bit) < batch {
			timer.Reset(wait)
			select {
			case <-s.quit:
				s.AllocateSections(bit, 0)
				s.DeliverSections(bit, []uint64{}, [][]byte{})
				return
			case <-timer.C:
			}
		}
		sections := s.AllocateSections(bit, batch)
		request := make(chan *Retrieval)
		select {
		case <-s.quit:
			s.DeliverSections(bit, sections, make([][]byte, len(sections)))
			return
		case mux <- request:
			request <- &Retrieval{Bit: bit, Sections: sections, Context: s.ctx}
			result := <-request
			if result == nil {
				s.DeliverSections(bit, sections, nil)
				s.fail(fmt.Errorf("%w to the request for bit %d, sections %v", ErrNilReply, bit, sections), false)
				s.Close()
				return
			}
			s.deliverReply(bit, sections, result)
			if result.Error != nil {
				s.fail(result.Error, false)
				s.Close()
				return
			}
		}
	}
}

// deliverReply hands in a retriever's reply to a request for sections of bit.
// Like go-ethereum it delivers the vectors for the Bit and Sections the reply
// names, so a retriever may answer in another order; requested sections that the
// reply leaves out are queued again, where go-ethereum would wait for them forever.
func (s *MatcherSession) deliverReply(bit uint, sections []uint64, reply *Retrieval) {
	if reply.Bit == bit && slices.Equal(reply.Sections, sections) {
		s.DeliverSections(bit, sections, reply.Bitsets)
		return
	}
	var missing []uint64
	for _, section := range sections {
		if reply.Bit != bit || !slices.Contains(reply.Sections, section) {
			missing = append(missing, section)
		}
	}
	s.deliver(reply.Bit, reply.Sections, reply.Bitsets, false)
	s.DeliverSections(bit, missing, nil)
}
