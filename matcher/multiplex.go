package matcher

import (
	"fmt"
	"slices"
	"time"
)

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
	s.queue.batch = max(s.queue.batch, batch)
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
	changing := changingOf(reply)
	if reply.Bit == bit && slices.Equal(reply.Sections, sections) {
		s.deliver(bit, sections, reply.Bitsets, true, changing)
		return
	}
	var missing []uint64
	for _, section := range sections {
		if reply.Bit != bit || !slices.Contains(reply.Sections, section) {
			missing = append(missing, section)
		}
	}
	s.deliver(reply.Bit, reply.Sections, reply.Bitsets, false, changing)
	s.DeliverSections(bit, missing, nil)
}

// changingOf returns which of reply's sections may still change
// (Retrieval.Changing), or nil when none may.
func changingOf(reply *Retrieval) []bool {
	var changing []bool
	for i := range reply.Sections {
		if reply.Changing(i) {
			if changing == nil {
				changing = make([]bool, len(reply.Sections))
			}
			changing[i] = true
		}
	}
	return changing
}
