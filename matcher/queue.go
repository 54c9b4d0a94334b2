package matcher

import "slices"

// retrievalQueue is a session's retrieval state: per bit of the Matcher, the
// sections waiting to be retrieved, and where the bit stands with retrievers.
// It holds the rules behind AllocateRetrieval, PendingSections,
// AllocateSections and the accounting of DeliverSections (retrieve.go). The
// session's mutex guards it; the methods that make a bit available report it,
// for the session to wake a waiting retriever.
//
// A bit with sections queued is either listed (waiting for a retriever) or
// owned (handed out by allocate, its sections not yet taken). Every allocate is
// an allocation that one answer of the same bit settles.
type retrievalQueue struct {
	queues  [][]uint64 // per bit: sections to retrieve, ascending, distinct
	owned   []bool     // per bit: handed out by allocate, sections not taken yet
	listed  []bool     // per bit: in unalloc
	held    []int      // per bit: allocations not yet answered
	unalloc []int      // the listed bits, in no order
	allocs  int        // allocations not yet answered, of all bits
	batch   int        // sections that make a full batch, for allocate's choice
}

func newRetrievalQueue(bits int) retrievalQueue {
	return retrievalQueue{
		queues: make([][]uint64, bits),
		owned:  make([]bool, bits),
		listed: make([]bool, bits),
		held:   make([]int, bits),
		batch:  1,
	}
}

// add queues section for bit idx (once) and reports whether that listed the bit.
func (q *retrievalQueue) add(idx int, section uint64) bool {
	s := q.queues[idx]
	if n := len(s); n == 0 || s[n-1] < section {
		s = append(s, section)
	} else if i, found := slices.BinarySearch(s, section); !found {
		s = slices.Insert(s, i, section)
	}
	q.queues[idx] = s
	return q.offer(idx)
}

// offer lists bit idx if it has sections queued and is neither listed nor
// owned, and reports whether it did.
func (q *retrievalQueue) offer(idx int) bool {
	if len(q.queues[idx]) == 0 || q.owned[idx] || q.listed[idx] {
		return false
	}
	q.listed[idx] = true
	q.unalloc = append(q.unalloc, idx)
	return true
}

// unlist removes entry i of unalloc.
func (q *retrievalQueue) unlist(i int) {
	q.listed[q.unalloc[i]] = false
	q.unalloc[i] = q.unalloc[len(q.unalloc)-1]
	q.unalloc = q.unalloc[:len(q.unalloc)-1]
}

// allocate hands out a listed bit, owned by the caller until take: among the
// bits with a full batch queued the one with the lowest section waiting, and
// otherwise the bit with the lowest section waiting, as go-ethereum does. ok is
// false when no bit is listed.
func (q *retrievalQueue) allocate() (idx int, ok bool) {
	best, bestFull := -1, -1
	for i := 0; i < len(q.unalloc); {
		s := q.queues[q.unalloc[i]]
		if len(s) == 0 { // taken meanwhile by a take without allocate
			q.unlist(i)
			continue
		}
		if best < 0 || s[0] < q.queues[q.unalloc[best]][0] {
			best = i
		}
		if len(s) >= q.batch && (bestFull < 0 || s[0] < q.queues[q.unalloc[bestFull]][0]) {
			bestFull = i
		}
		i++
	}
	if bestFull >= 0 {
		best = bestFull
	}
	if best < 0 {
		return 0, false
	}
	idx = q.unalloc[best]
	q.unlist(best)
	q.owned[idx] = true
	q.held[idx]++
	q.allocs++
	return idx, true
}

// pending returns how many sections of bit idx wait.
func (q *retrievalQueue) pending(idx int) int { return len(q.queues[idx]) }

// take removes up to count of the lowest sections of bit idx and returns them.
// The caller's ownership ends: the sections left are listed again, and listed
// reports that.
func (q *retrievalQueue) take(idx, count int) (sections []uint64, listed bool) {
	s := q.queues[idx]
	n := min(max(count, 0), len(s))
	sections = slices.Clone(s[:n])
	q.queues[idx] = s[:copy(s, s[n:])]
	q.owned[idx] = false
	return sections, q.offer(idx)
}

// answer settles one allocation of bit idx, if any is outstanding (a repeated
// answer settles nothing), and reports whether it did. An answer without take
// ends the ownership too: listed reports that the bit was listed again.
func (q *retrievalQueue) answer(idx int) (settled, listed bool) {
	if q.held[idx] == 0 {
		return false, false
	}
	q.held[idx]--
	q.allocs--
	if q.held[idx] == 0 && q.owned[idx] {
		q.owned[idx] = false
		listed = q.offer(idx)
	}
	return true, listed
}
