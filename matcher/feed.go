package matcher

import (
	"context"
	"errors"
	"math/bits"
	"slices"
	"sync"
)

// windowSize is how many sections ahead of the evaluation a session asks for
// the vectors of the first group: go-ethereum's pipeline asks for them section
// after section, and a window of them lets retrievers batch their requests.
const windowSize = 256

// admitChunk is the least number of sections worth extending the window by:
// extended one by one, every retrieval would be a batch of one.
const admitChunk = 32

// errStopped is what the feed returns to Scan once the session has stopped;
// the session's Error says why.
var errStopped = errors.New("matcher: session stopped")

// feed is a session's vectors as a Source, which the session's Scan reads and
// its retrievals fill. It asks the retrieval queue for what Scan is about to
// need, in go-ethereum's order: the first group's bits of the sections of the
// window, section after section, then a later group's bits for the sections of
// a run still matching (wantGroup). Bitsets waits for the vectors to arrive.
// The session's mutex guards it.
type feed struct {
	s            *MatcherSession
	first, count uint64 // the range's first section and number of sections
	vecBytes     int
	ahead        uint64          // sections (from first) whose first group is asked for
	wants        []pageMap[want] // per bit of the Matcher
	waiters      []*waiter       // Bitsets calls waiting for vectors

	sections []uint64 // scratch of prefetchLocked, wantGroup and Bitsets
	fresh    []uint64 // scratch of askLocked
	cached   [][]byte // scratch of askLocked
}

// want is a page of sections of one bit: the vectors the session asked for,
// those it has, and their data.
type want struct {
	asked, have uint64
	data        [pageSize][]byte
}

func (f *feed) init(s *MatcherSession) {
	m := s.m
	f.s, f.vecBytes = s, int(m.sectionSize/8)
	if s.begin <= s.end {
		f.first = s.begin / m.sectionSize
		f.count = s.end/m.sectionSize - f.first + 1
	}
	f.wants = make([]pageMap[want], len(m.bits))
	for i := range f.wants {
		f.wants[i].pool = &wantPages
	}
}

// wantPages keeps the pages of ended sessions for the next ones: they are
// most of what a session allocates.
var wantPages sync.Pool

// releaseLocked returns the pages to wantPages once Scan is done: later
// deliveries find no page, so they only fill the Matcher's cache.
func (f *feed) releaseLocked() {
	for i := range f.wants {
		pm := &f.wants[i]
		for _, p := range pm.pages {
			*p = want{}
			wantPages.Put(p)
		}
		pm.pages = nil
		pm.forget()
	}
}

// waiter is a Bitsets call waiting for the vectors of bit idx for the n
// sections from first on, missing of them still to come. It is woken when
// none is missing, or when the session stops.
type waiter struct {
	idx      int
	first, n uint64
	missing  int
	cond     sync.Cond // on the session's mutex
}

// stopLocked wakes every waiter: the session has stopped.
func (f *feed) stopLocked() {
	for _, w := range f.waiters {
		w.cond.Signal()
	}
}

// prefetchLocked asks for the first group's vectors of the sections up to
// windowSize past section rel (counted from the range's first section), in
// chunks of at least admitChunk sections.
func (f *feed) prefetchLocked(rel uint64) {
	if len(f.s.m.groups) == 0 || f.s.quitting {
		return
	}
	upTo := min(f.count, rel+windowSize)
	if upTo <= f.ahead || (upTo-f.ahead < admitChunk && upTo < f.count) {
		return
	}
	for f.ahead < upTo {
		n := min(upTo-f.ahead, pageSize)
		f.sections = f.sections[:0]
		for i := range n {
			f.sections = append(f.sections, f.first+f.ahead+i)
		}
		f.askGroupLocked(0, f.sections)
		f.ahead += n
	}
}

// wantGroup is Scan's hint that it is about to read group g's vectors for the
// alive sections of the run from section on.
func (f *feed) wantGroup(g int, section uint64, alive []bool) {
	s := f.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if g == 0 {
		f.prefetchLocked(section + uint64(len(alive)) - f.first)
	}
	f.sections = f.sections[:0]
	for i, ok := range alive {
		if ok {
			f.sections = append(f.sections, section+uint64(i))
		}
	}
	f.askGroupLocked(g, f.sections)
}

// askGroupLocked asks for the vectors of group g's bits for sections.
func (f *feed) askGroupLocked(g int, sections []uint64) {
	for _, idx := range f.s.m.groups[g].bits {
		f.askLocked(idx, sections)
	}
}

// askLocked asks for the vectors of bit idx for those of sections not asked for
// yet: it takes them from the Matcher's cache, or queues them for retrieval.
func (f *feed) askLocked(idx int, sections []uint64) {
	s := f.s
	if s.quitting {
		return
	}
	wants := &f.wants[idx]
	fresh := f.fresh[:0]
	for _, section := range sections {
		if w := wants.get(section, true); w.asked&sectionMask(section) == 0 {
			w.asked |= sectionMask(section)
			fresh = append(fresh, section)
		}
	}
	f.fresh = fresh
	if len(fresh) == 0 {
		return
	}
	if cap(f.cached) < len(fresh) {
		f.cached = make([][]byte, len(fresh))
	}
	cached := f.cached[:len(fresh)]
	s.m.caches[idx].requestAll(fresh, cached)
	for i, section := range fresh {
		if cached[i] != nil {
			w := wants.get(section, false)
			w.have |= sectionMask(section)
			w.data[section%pageSize] = cached[i]
		} else {
			s.enqueueLocked(idx, section)
		}
	}
	clear(cached)
}

// arriveLocked hands in data, the vector of bit idx for section, if the
// session asked for it, and wakes the Bitsets call waiting for it last.
func (f *feed) arriveLocked(idx int, section uint64, data []byte) {
	if !f.wantedLocked(idx, section) {
		return
	}
	w := f.wants[idx].get(section, false)
	w.have |= sectionMask(section)
	w.data[section%pageSize] = data
	for _, wt := range f.waiters {
		if wt.idx == idx && section-wt.first < wt.n {
			if wt.missing--; wt.missing == 0 {
				wt.cond.Signal()
			}
		}
	}
}

// wantedLocked reports whether the session asked for the vector of bit idx for
// section and has not got it.
func (f *feed) wantedLocked(idx int, section uint64) bool {
	w := f.wants[idx].get(section, false)
	return w != nil && w.asked&^w.have&sectionMask(section) != 0
}

// Bitsets gives Scan the vectors of bit for the sections from first on, as
// they arrive: it sets dst[i] to the delivered vector (which Scan uses as it
// is), and fails once the session has stopped. It works a page at a time.
func (f *feed) Bitsets(_ context.Context, bit uint, first uint64, dst [][]byte) error {
	s := f.s
	idx := s.m.bitIndex[bit]
	wants := &f.wants[idx]
	s.mu.Lock()
	defer s.mu.Unlock()
	missing := 0
	for off := 0; off < len(dst); {
		section := first + uint64(off)
		n := min(len(dst)-off, pageSize-int(section%pageSize))
		w, mask := wants.get(section, true), pageRange(section, n)
		if w.asked&mask != mask { // Scan said so (wantGroup): usually nothing to ask
			f.sections = f.sections[:0]
			for i := range uint64(n) {
				f.sections = append(f.sections, section+i)
			}
			f.askLocked(idx, f.sections)
		}
		missing += bits.OnesCount64(mask &^ w.have)
		off += n
	}
	if missing > 0 {
		if err := f.waitLocked(&waiter{idx: idx, first: first, n: uint64(len(dst)), missing: missing}); err != nil {
			return err
		}
	}
	for off := 0; off < len(dst); {
		section := first + uint64(off)
		lo := int(section % pageSize)
		off += copy(dst[off:], wants.get(section, false).data[lo:])
	}
	return nil
}

// waitLocked waits until none of wt's vectors is missing, or fails once the
// session has stopped.
func (f *feed) waitLocked(wt *waiter) error {
	s := f.s
	wt.cond.L = &s.mu
	f.waiters = append(f.waiters, wt)
	for wt.missing > 0 && !s.quitting {
		wt.cond.Wait()
	}
	i := slices.Index(f.waiters, wt)
	f.waiters = slices.Delete(f.waiters, i, i+1)
	if wt.missing > 0 {
		return errStopped
	}
	return nil
}
