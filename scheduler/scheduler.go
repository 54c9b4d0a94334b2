// Package scheduler deduplicates and caches the retrievals of one bloom bit's
// section vectors, as go-ethereum's core/bloombits scheduler does: concurrent
// requests for the same section are fetched once, delivered vectors are kept for
// later requests, and each requester gets its results in the order it asked.
//
// The non-blocking methods (Request, RequestAll, Deliver, Cached, Done, Reset)
// are what the matcher uses; Run wraps them in go-ethereum's channel pipeline for
// requesters that want an ordered stream.
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
	pages   map[uint64]*page // by section / pageSize
	last    *page            // the page used last: requests come in runs of sections
	waiters map[uint64]chan struct{}
}

// Sections are kept in pages of consecutive ones: matchers ask for runs of
// sections, and a page costs one map entry for all of them.
const pageSize = 64

// page holds sections index*pageSize ... : bit i of requested and delivered
// is section index*pageSize+i.
type page struct {
	index     uint64
	requested uint64
	delivered uint64
	data      [pageSize][]byte
}

// New returns the scheduler of bloom bit bit.
func New(bit uint) *Scheduler {
	return &Scheduler{bit: bit, pages: make(map[uint64]*page)}
}

// Bit returns the bloom bit the scheduler serves.
func (s *Scheduler) Bit() uint { return s.bit }

// page returns the page of section, creating it if create is set; otherwise it
// may return nil. Call with s.mu held.
func (s *Scheduler) page(section uint64, create bool) *page {
	index := section / pageSize
	p := s.last
	if p == nil || p.index != index {
		p = s.pages[index]
		if p == nil {
			if !create {
				return nil
			}
			p = &page{index: index}
			s.pages[index] = p
		}
		s.last = p
	}
	return p
}

// request marks section requested and returns its vector if delivered. Call
// with s.mu held.
func (s *Scheduler) request(section uint64) (data []byte, ok, first bool) {
	p, mask := s.page(section, true), uint64(1)<<(section%pageSize)
	if p.requested&mask == 0 {
		p.requested |= mask
		return nil, false, true
	}
	return p.data[section%pageSize], p.delivered&mask != 0, false
}

// Request registers a request for the vector of section. When the vector has
// been delivered it returns it with ok set. Otherwise first reports whether this
// is the first request for it since the last Reset: only then must the caller get
// it fetched; later requesters wait for the same delivery.
func (s *Scheduler) Request(section uint64) (data []byte, ok, first bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.request(section)
}

// RequestAll is Request for every section of sections under one lock: it sets
// cached[i] to the delivered vector of sections[i], or to nil when that vector
// is still to come.
func (s *Scheduler) RequestAll(sections []uint64, cached [][]byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, section := range sections {
		cached[i] = nil
		if data, ok, _ := s.request(section); ok {
			cached[i] = data
		}
	}
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
		p, mask := s.page(section, false), uint64(1)<<(section%pageSize)
		if p == nil || p.requested&mask == 0 || p.delivered&mask != 0 {
			continue
		}
		p.data[section%pageSize] = data[i]
		p.delivered |= mask
		if c, ok := s.waiters[section]; ok {
			close(c)
			delete(s.waiters, section)
		}
		n++
	}
	return n
}

// Cached returns the delivered vector of section, if any.
func (s *Scheduler) Cached(section uint64) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, mask := s.page(section, false), uint64(1)<<(section%pageSize)
	if p == nil || p.delivered&mask == 0 {
		return nil, false
	}
	return p.data[section%pageSize], true
}

// closed is returned by Done for delivered sections.
var closed = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// Done returns a channel that is closed when the vector of section is delivered,
// or nil when section was never requested (or was dropped by Reset).
func (s *Scheduler) Done(section uint64) <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, mask := s.page(section, false), uint64(1)<<(section%pageSize)
	switch {
	case p == nil || p.requested&mask == 0:
		return nil
	case p.delivered&mask != 0:
		return closed
	}
	c, ok := s.waiters[section]
	if !ok {
		if s.waiters == nil {
			s.waiters = make(map[uint64]chan struct{})
		}
		c = make(chan struct{})
		s.waiters[section] = c
	}
	return c
}

// Reset drops the requests that were never delivered, so that a new round of
// requesters fetches them again, and keeps the delivered vectors. Call it only
// when no requester is waiting (go-ethereum resets when a matcher session starts).
func (s *Scheduler) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for index, p := range s.pages {
		if p.delivered == 0 {
			delete(s.pages, index)
		}
		p.requested = p.delivered
	}
	clear(s.waiters)
	s.last = nil
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
