package matcher

import "fmt"

// The exported retrieval steps, go-ethereum's unexported allocateRetrieval,
// pendingSections, allocateSections and deliverSections: what Multiplex does,
// for retrievers that want to do it their own way.

// enqueueLocked queues section for retrieval of bit idx.
func (s *MatcherSession) enqueueLocked(idx int, section uint64) {
	if s.queue.add(idx, section) {
		s.cond.Signal()
	}
}

// AllocateRetrieval hands the caller a bloom bit with sections to retrieve and
// returns false once the session has stopped or has nothing left to ask. It
// prefers, among the bits with a full batch queued (see Multiplex), the one with
// the lowest section waiting, and otherwise the bit with the lowest section
// waiting, as go-ethereum does. It blocks until there is a bit to hand out. The
// caller takes the bit's sections with AllocateSections and must answer with
// DeliverSections of the same bit.
func (s *MatcherSession) AllocateRetrieval() (uint, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for !s.endedLocked() {
		if idx, ok := s.queue.allocate(); ok {
			return s.m.bits[idx], true
		}
		s.cond.Wait()
	}
	return 0, false
}

// PendingSections returns how many sections of bloom bit bit wait for retrieval.
func (s *MatcherSession) PendingSections(bit uint) int {
	idx, ok := s.m.bitIndex[bit]
	if !ok {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queue.pending(idx)
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
	sections, listed := s.queue.take(idx, count)
	if listed {
		s.cond.Signal()
	}
	return sections
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
// nil pointer for a bit it has no per-bit scheduler for, waits forever for the sections
// past the end of a shorter bitsets, and computes wrong matches from a vector of
// the wrong length.
//
// Delivered vectors are kept by the Matcher for its later sessions and must not
// be modified afterwards.
func (s *MatcherSession) DeliverSections(bit uint, sections []uint64, bitsets [][]byte) {
	s.deliver(bit, sections, bitsets, true, nil)
}

// deliver is DeliverSections; answer tells whether the call answers an
// allocation of bit; changing[i], when changing is not nil, that the vector of
// sections[i] must not be kept for later sessions.
func (s *MatcherSession) deliver(bit uint, sections []uint64, bitsets [][]byte, answer bool, changing []bool) {
	idx, known := s.m.bitIndex[bit]
	if !known {
		return
	}
	var bad error
	s.mu.Lock()
	if answer {
		settled, listed := s.queue.answer(idx)
		if listed {
			s.cond.Signal()
		}
		if settled && s.queue.allocs == 0 && s.quitting {
			s.cond.Broadcast() // Close waits for this
		}
	}
	sch := &s.m.caches[idx]
	vecBytes := s.feed.vecBytes
	whole := changing == nil && len(bitsets) >= len(sections) // the common case: cache all at once
	for i := range sections {
		if i >= len(bitsets) || len(bitsets[i]) != vecBytes {
			whole = false
			break
		}
	}
	if whole {
		sch.deliver(sections, bitsets)
	}
	for i, section := range sections {
		var data []byte
		if i < len(bitsets) {
			data = bitsets[i]
		}
		switch {
		case len(data) == 0:
			if !s.quitting && s.feed.wantedLocked(idx, section) {
				s.enqueueLocked(idx, section)
			}
			continue
		case len(data) != vecBytes:
			if bad == nil && !s.endedLocked() {
				bad = fmt.Errorf("%w: delivered vector of bit %d, section %d has %d bytes, want %d",
					ErrVectorLength, bit, section, len(data), vecBytes)
			}
			continue
		}
		if !whole && (i >= len(changing) || !changing[i]) {
			sch.deliver(sections[i:i+1], bitsets[i:i+1])
		}
		s.feed.arriveLocked(idx, section, data)
	}
	s.mu.Unlock()
	if bad != nil {
		s.fail(bad, false)
	}
}
