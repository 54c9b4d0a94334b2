package matcher

// emitter sends the matches of finished sections to results in order and closes
// results at the end.
func (s *MatcherSession) emitter() {
	defer close(s.emitterDone)
	defer close(s.results)
	if len(s.m.groups) == 0 {
		s.emitAll()
		return
	}
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
			if s.win.head == s.win.count {
				s.finished = true
				s.cond.Broadcast()
				s.mu.Unlock()
				return
			}
			sl := s.win.at(s.win.head)
			if sl.state != slotMatch {
				s.mu.Unlock()
				break
			}
			sl.state = slotEmitting
			s.mu.Unlock()

			s.emitBuf = s.m.appendMatches(s.emitBuf[:0], sl.run, sl.section, s.begin, s.end)
			for _, block := range s.emitBuf {
				if !s.send(block) {
					return
				}
			}

			s.mu.Lock()
			sl.state = slotFree
			s.win.head++
			s.advanceLocked()
			s.mu.Unlock()
			s.drain()
		}
	}
}

// signalEmitter wakes the emitter, if it waits.
func (s *MatcherSession) signalEmitter() {
	select {
	case s.wake <- struct{}{}:
	default:
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
	if s.win.count > 0 {
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
