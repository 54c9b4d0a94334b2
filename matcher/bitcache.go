package matcher

import "sync"

// bitCache caches the delivered vectors of one bloom bit for the sessions of a
// Matcher, as go-ethereum's (unexported) core/bloombits scheduler does: a
// vector is kept only if some session asked for it, a repeated delivery is
// ignored, and reset forgets the requests still undelivered so that the next
// session asks for them again.
// Deduplicating requests is the retrieval queue's job (queue.go). With no
// waiters left, reset cannot leave anyone blocked.
type bitCache struct {
	mu    sync.Mutex
	pages pageMap[page]
}

// page holds the vectors of a page of sections: bit i of requested and
// delivered is the page's section i.
type page struct {
	requested uint64
	delivered uint64
	data      [pageSize][]byte
}

// page returns the page of section, creating it if create is set; otherwise it
// may return nil. Call with s.mu held.
func (s *bitCache) page(section uint64, create bool) *page { return s.pages.get(section, create) }

// requestAll marks every section of sections requested and sets cached[i] to
// the delivered vector of sections[i], or to nil when that vector is still to
// come.
func (s *bitCache) requestAll(sections []uint64, cached [][]byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, section := range sections {
		p, mask := s.page(section, true), sectionMask(section)
		p.requested |= mask
		cached[i] = nil
		if p.delivered&mask != 0 {
			cached[i] = p.data[section%pageSize]
		}
	}
}

// deliver stores data[i] as the vector of sections[i] for every section that
// was requested and not yet delivered, and returns how many it stored. Sections
// past the end of data, vectors nobody requested and repeated deliveries are
// ignored. It keeps the slices it stores: callers must not modify them
// afterwards.
func (s *bitCache) deliver(sections []uint64, data [][]byte) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for i, section := range sections[:min(len(sections), len(data))] {
		p, mask := s.page(section, false), sectionMask(section)
		if p == nil || p.requested&mask == 0 || p.delivered&mask != 0 {
			continue
		}
		p.data[section%pageSize] = data[i]
		p.delivered |= mask
		n++
	}
	return n
}

// reset drops the requests that were never delivered, so that the next session
// asks for them again, and keeps the delivered vectors (go-ethereum resets when
// a session starts).
func (s *bitCache) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for index, p := range s.pages.pages {
		if p.delivered == 0 {
			delete(s.pages.pages, index)
		}
		p.requested = p.delivered
	}
	s.pages.forget()
}
