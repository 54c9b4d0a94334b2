// Package scheduler deduplicates and caches the retrievals of one bloom bit's
// section vectors, as go-ethereum's core/bloombits scheduler does: concurrent
// requests for the same section are fetched once, delivered vectors are kept for
// later requests, and each requester gets its results in the order it asked.
//
// The non-blocking methods (Request, Deliver, Cached, Done, Reset) are what the
// matcher uses; Run wraps them in go-ethereum's channel pipeline for requesters
// that want an ordered stream.
package scheduler

import "sync"

// Request asks for the vector of one bloom bit in one section.
type Request struct {
	Bit     uint
	Section uint64
}

// Scheduler tracks the requested and delivered vectors of one bloom bit. It is
// safe for concurrent use.
type Scheduler struct {
	bit     uint
	mu      sync.Mutex
	entries map[uint64]entry
}

// entry is one requested section: waiting for its vector, or holding it.
type entry struct {
	data      []byte
	delivered bool
	done      chan struct{} // made on demand by Done, closed on delivery
}

// New returns the scheduler of bloom bit bit.
func New(bit uint) *Scheduler {
	return &Scheduler{bit: bit, entries: make(map[uint64]entry)}
}

// Bit returns the bloom bit the scheduler serves.
func (s *Scheduler) Bit() uint { return s.bit }

// Request registers a request for the vector of section. When the vector has
// been delivered it returns it with ok set. Otherwise first reports whether this
// is the first request for it since the last Reset: only then must the caller get
// it fetched; later requesters wait for the same delivery.
func (s *Scheduler) Request(section uint64) (data []byte, ok, first bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, found := s.entries[section]
	if !found {
		s.entries[section] = entry{}
		return nil, false, true
	}
	return e.data, e.delivered, false
}

// Deliver stores data[i] as the vector of sections[i] for every section that was
// requested and not yet delivered, waking its waiters, and returns how many it
// stored. Vectors nobody requested and repeated deliveries are ignored. Deliver
// keeps the slices it stores: callers must not modify them afterwards.
func (s *Scheduler) Deliver(sections []uint64, data [][]byte) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for i, section := range sections {
		if i >= len(data) {
			break
		}
		e, found := s.entries[section]
		if !found || e.delivered {
			continue
		}
		e.data, e.delivered = data[i], true
		if e.done != nil {
			close(e.done)
		}
		s.entries[section] = e
		n++
	}
	return n
}

// Cached returns the delivered vector of section, if any.
func (s *Scheduler) Cached(section uint64) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entries[section]
	return e.data, e.delivered
}

// Done returns a channel that is closed when the vector of section is delivered,
// or nil when section was never requested (or was dropped by Reset).
func (s *Scheduler) Done(section uint64) <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, found := s.entries[section]
	if !found {
		return nil
	}
	if e.done == nil {
		e.done = make(chan struct{})
		if e.delivered {
			close(e.done)
		}
		s.entries[section] = e
	}
	return e.done
}

// Reset drops the requests that were never delivered, so that a new round of
// requesters fetches them again, and keeps the delivered vectors. Call it only
// when no requester is waiting (go-ethereum resets when a matcher session starts).
func (s *Scheduler) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for section, e := range s.entries {
		if !e.delivered {
			delete(s.entries, section)
		}
	}
}

// Run serves one requester: it reads section numbers from sections, sends the
// first request for each one not yet fetched to fetch, and sends the vectors to
// done in the order the sections arrived. It returns, closing done, when
// sections is closed and every vector has been sent, or when quit is closed.
// Vectors are delivered with Deliver, usually by whoever serves fetch.
func (s *Scheduler) Run(sections <-chan uint64, fetch chan<- Request, done chan<- []byte, quit <-chan struct{}) {
	defer close(done)
	// Reading ahead lets fetches overlap; the limit bounds the memory a stalled
	// reader of done can make us hold.
	limit := max(cap(sections)+cap(done), 16)
	var (
		order   []uint64  // sections read, not yet sent to done
		toFetch []Request // first requests not yet sent to fetch
	)
	in := sections
	for in != nil || len(order) > 0 {
		// Enable exactly the cases that can make progress.
		var (
			inC      = in
			fetchC   chan<- Request
			next     Request
			outC     chan<- []byte
			out      []byte
			headDone <-chan struct{}
		)
		if len(order) >= limit {
			inC = nil
		}
		if len(toFetch) > 0 {
			fetchC, next = fetch, toFetch[0]
		}
		if len(order) > 0 {
			if data, ok := s.Cached(order[0]); ok {
				outC, out = done, data
			} else {
				headDone = s.Done(order[0])
			}
		}
		select {
		case <-quit:
			return
		case section, ok := <-inC:
			if !ok {
				in = nil
				continue
			}
			if _, _, first := s.Request(section); first {
				toFetch = append(toFetch, Request{Bit: s.bit, Section: section})
			}
			order = append(order, section)
		case fetchC <- next:
			toFetch = toFetch[1:]
		case <-headDone:
		case outC <- out:
			order = order[1:]
		}
	}
}
