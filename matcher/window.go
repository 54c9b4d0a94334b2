package matcher

import "sync"

// windowSize is how many sections a session keeps in flight: requested, being
// evaluated or waiting for their matches to be sent. It lets retrievers batch
// their requests while bounding what a slow reader of results makes us hold.
const windowSize = 256

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

// window is the ring of sections a session has in flight, numbered relative to
// the first section of the range, and the queue of those ready for evaluation.
// Sections enter at next, in order, and leave at head, in order, once their
// matches are sent.
type window struct {
	first, count uint64 // the range's first section and number of sections
	vecBytes     int
	ring         []*slot
	head, next   uint64 // oldest unreleased, next to admit
	readyq       []*slot
	readyHead    int
	busy         int // evaluations running outside the lock

	cached   [64][]byte // enterGroupLocked's scratch
	sections [64]uint64
}

func newWindow(m *Matcher, begin, end uint64) window {
	w := window{vecBytes: int(m.sectionSize / 8)}
	if begin <= end {
		w.first = begin / m.sectionSize
		w.count = end/m.sectionSize - w.first + 1
	}
	if len(m.groups) > 0 {
		w.ring = make([]*slot, min(uint64(windowSize), w.count))
	}
	return w
}

// at returns the slot of relative section rel (nil before its first use).
func (w *window) at(rel uint64) *slot { return w.ring[rel%uint64(len(w.ring))] }

// pushReady queues sl for evaluation.
func (w *window) pushReady(sl *slot) {
	sl.state = slotReady
	w.readyq = append(w.readyq, sl)
}

// popReady moves up to len(batch) slots ready for evaluation into batch, marks
// them evaluating and returns how many.
func (w *window) popReady(batch []*slot) int {
	n := copy(batch, w.readyq[w.readyHead:])
	clear(w.readyq[w.readyHead : w.readyHead+n])
	w.readyHead += n
	if w.readyHead == len(w.readyq) {
		w.readyq, w.readyHead = w.readyq[:0], 0
	}
	for _, sl := range batch[:n] {
		sl.state = slotEvaluating
	}
	return n
}

// releaseSlots returns the slots to the pool, once nothing uses them.
func (w *window) releaseSlots() {
	for i, sl := range w.ring {
		if sl != nil {
			sl.release()
			w.ring[i] = nil
		}
	}
}

// advanceLocked releases finished sections without matches at the head of the
// window, hands a head section with matches to the emitter, and admits new
// sections into the room made.
func (s *MatcherSession) advanceLocked() {
	w := &s.win
	for w.head < w.next {
		sl := w.at(w.head)
		if sl.state == slotMatch {
			s.signalEmitter()
			break
		}
		if sl.state != slotNoMatch {
			break
		}
		sl.state = slotFree
		w.head++
	}
	// Admit in chunks: when a slow reader of results frees one slot at a time,
	// sections admitted one by one would make every retrieval a batch of one.
	room := uint64(len(w.ring)) - (w.next - w.head)
	if left := w.count - w.next; !s.quitting && left > 0 && room >= min(admitChunk, left, uint64(len(w.ring))) {
		s.admitLocked(min(left, room))
	}
	if w.head == w.count {
		s.signalEmitter()
	}
}

// admitLocked brings the next n sections into the window and starts gathering
// their first group's vectors.
func (s *MatcherSession) admitLocked(n uint64) {
	w := &s.win
	var admitted [len(w.cached)]*slot
	for n > 0 {
		k := min(n, uint64(len(admitted)))
		for i := range k {
			r := (w.next + i) % uint64(len(w.ring))
			sl := w.ring[r]
			if sl == nil {
				sl = newSlot(w.vecBytes, s.m.maxGroup)
				w.ring[r] = sl
			}
			sl.section = w.first + w.next + i
			admitted[i] = sl
		}
		s.enterGroupLocked(admitted[:k], 0)
		w.next += k
		n -= k
	}
}

// enterGroupLocked starts gathering the vectors of group g for the sections of
// sls (at most len(s.win.cached)): cached ones are taken at once, asking each
// bit's bitCache once for all the sections, and the others queued for
// retrieval.
func (s *MatcherSession) enterGroupLocked(sls []*slot, g int) {
	cached, sections := s.win.cached[:len(sls)], s.win.sections[:len(sls)]
	for i, sl := range sls {
		sl.group, sl.need, sl.state = g, 0, slotWaiting
		sections[i] = sl.section
	}
	for p, idx := range s.m.groups[g].bits {
		s.m.caches[idx].requestAll(sections, cached)
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
			s.win.pushReady(sl)
		}
	}
}

// wantLocked returns the slot waiting for the vector of bit idx in section, and
// the vector's position in the slot, or nil.
func (s *MatcherSession) wantLocked(idx int, section uint64) (*slot, int) {
	w := &s.win
	if section < w.first || w.ring == nil {
		return nil, 0
	}
	rel := section - w.first
	if rel < w.head || rel >= w.next {
		return nil, 0
	}
	sl := w.at(rel)
	if sl == nil || sl.section != section || sl.state != slotWaiting {
		return nil, 0
	}
	p := s.m.position[sl.group*len(s.m.bits)+idx]
	if p < 0 || sl.in[p] != nil {
		return nil, 0
	}
	return sl, int(p)
}
