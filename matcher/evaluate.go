package matcher

import "github.com/bloomsimd/bloomsimd/bitops"

// The evaluation core, shared by Scan and the sessions: a section's result is
// the AND over the groups of the OR over each group's clauses of the AND of the
// clause's three vectors. orClause and andGroup are its two steps, evalGroup the
// whole of one group, appendMatches the blocks of a result within a range.

// orClause ORs the AND of a clause's three vectors into acc, or (for the first
// clause, i == 0) stores it there.
func orClause(i int, acc, a, b, c []byte) {
	if i == 0 {
		bitops.And3(acc, a, b, c)
	} else {
		bitops.OrAnd3(acc, a, b, c)
	}
}

// groupAcc is where group g's clauses accumulate: the running result itself for
// the first group, tmp for the others.
func groupAcc(g int, run, tmp []byte) []byte {
	if g == 0 {
		return run
	}
	return tmp
}

// andGroup ANDs group g's OR (accumulated as groupAcc says) into run and
// reports whether any bit of run is left set.
func andGroup(g int, run, tmp []byte) bool {
	if g == 0 {
		return bitops.TestBytes(run)
	}
	return bitops.AndInto(run, tmp)
}

// evalGroup evaluates group g of a section from its vectors in (indexed like
// the group's bits) into run, with tmp as scratch of run's length, and reports
// whether any bit of run is left set.
func (m *Matcher) evalGroup(g int, in [][]byte, run, tmp []byte) bool {
	acc := groupAcc(g, run, tmp)
	for i, c := range m.groups[g].clauses {
		orClause(i, acc, in[c[0]], in[c[1]], in[c[2]])
	}
	return andGroup(g, run, tmp)
}

// sectionBlocks returns the first and last block of section, clipped to
// [begin, end].
func (m *Matcher) sectionBlocks(section, begin, end uint64) (first, last uint64) {
	first = section * m.sectionSize
	last = first + (m.sectionSize - 1)
	if last < first { // the last section of the uint64 range
		last = ^uint64(0)
	}
	return max(first, begin), min(last, end)
}

// appendMatches appends to blocks, in ascending order, the blocks of section
// whose bits are set in run and that lie within [begin, end].
func (m *Matcher) appendMatches(blocks []uint64, run []byte, section, begin, end uint64) []uint64 {
	first, last := m.sectionBlocks(section, begin, end)
	start := len(blocks)
	blocks = bitops.AppendSetBits(blocks, run, section*m.sectionSize)
	if first != section*m.sectionSize || last-first != m.sectionSize-1 {
		blocks = append(blocks[:start], clip(blocks[start:], first, last)...)
	}
	return blocks
}

// clip keeps the blocks within [first, last], in place. (In the last section of
// the uint64 range, block numbers past the end wrap around to small ones.)
func clip(blocks []uint64, first, last uint64) []uint64 {
	out := blocks[:0]
	for _, b := range blocks {
		if first <= b && b <= last {
			out = append(out, b)
		}
	}
	return out
}

// drain evaluates the sections of the session whose vectors are all in, on the
// calling goroutine, in batches, until none is left.
func (s *MatcherSession) drain() {
	var batch [16]*slot
	s.mu.Lock()
	defer s.mu.Unlock()
	for !s.quitting && s.win.readyHead < len(s.win.readyq) {
		n := s.win.popReady(batch[:])
		s.win.busy++
		s.mu.Unlock()
		var alive [len(batch)]bool
		for i, sl := range batch[:n] {
			alive[i] = s.m.evalGroup(sl.group, sl.in[:len(s.m.groups[sl.group].bits)], sl.run, sl.tmp)
		}
		s.mu.Lock()
		s.win.busy--
		if s.quitting {
			if s.win.busy == 0 {
				s.cond.Broadcast()
			}
			return
		}
		s.evaluatedLocked(batch[:n], alive[:n])
	}
}

// evaluatedLocked moves the sections of batch on after their evaluation: done
// without a match, done with one, or on to their next group.
func (s *MatcherSession) evaluatedLocked(batch []*slot, alive []bool) {
	atHead := false
	var next [16]*slot // going on to their next group
	k := 0
	for i, sl := range batch {
		switch {
		case !alive[i]:
			sl.state = slotNoMatch
		case sl.group+1 == len(s.m.groups):
			sl.state = slotMatch
		default:
			next[k] = sl
			k++
		}
		atHead = atHead || sl.section-s.win.first == s.win.head
	}
	// Usually all go on to the same group: one bitCache call per bit.
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
