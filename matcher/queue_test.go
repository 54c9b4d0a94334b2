package matcher

import (
	"slices"
	"testing"
)

// add keeps each bit's sections ascending and distinct, and lists a bit once.
func TestQueueAdd(t *testing.T) {
	q := newRetrievalQueue(2)
	listed := 0
	for _, s := range []uint64{5, 1, 9, 5, 3, 9} {
		if q.add(0, s) {
			listed++
		}
	}
	if want := []uint64{1, 3, 5, 9}; !slices.Equal(q.queues[0], want) {
		t.Fatalf("queue %v, want %v", q.queues[0], want)
	}
	if listed != 1 || !slices.Equal(q.unalloc, []int{0}) {
		t.Fatalf("listed %d times, unalloc %v", listed, q.unalloc)
	}
	if q.pending(0) != 4 || q.pending(1) != 0 {
		t.Fatalf("pending %d, %d", q.pending(0), q.pending(1))
	}
}

// allocate prefers the bit with a full batch and the lowest section, then the
// lowest section; an allocated bit is not handed out again until taken.
func TestQueueAllocate(t *testing.T) {
	q := newRetrievalQueue(3)
	if _, ok := q.allocate(); ok {
		t.Fatal("allocate on an empty queue handed out a bit")
	}
	q.add(0, 7) // the lowest section, in a batch of 1
	q.add(1, 8) // a full batch of 2
	q.add(1, 9)
	q.add(2, 10) // a full batch of 3, from a higher section
	q.add(2, 11)
	q.add(2, 12)
	q.batch = 2 // bits 1 and 2 are full, and 1 has the lower section
	for _, want := range []int{1, 2, 0} {
		idx, ok := q.allocate()
		if !ok || idx != want {
			t.Fatalf("allocate = %d, %v; want %d", idx, ok, want)
		}
		if !q.owned[idx] || q.listed[idx] || q.held[idx] != 1 {
			t.Fatalf("bit %d after allocate: owned %v listed %v held %d", idx, q.owned[idx], q.listed[idx], q.held[idx])
		}
	}
	if _, ok := q.allocate(); ok {
		t.Fatal("an owned bit was handed out again")
	}
	if q.allocs != 3 {
		t.Fatalf("allocs %d, want 3", q.allocs)
	}
}

// take returns the lowest sections, ends the ownership and lists the rest; a
// take of a listed bit by someone who did not allocate it leaves a stale entry
// that allocate drops.
func TestQueueTake(t *testing.T) {
	q := newRetrievalQueue(2)
	for s := range uint64(5) {
		q.add(0, s)
	}
	idx, _ := q.allocate()
	got, listed := q.take(idx, 2)
	if !slices.Equal(got, []uint64{0, 1}) || !listed || q.owned[0] {
		t.Fatalf("take = %v, listed %v, owned %v", got, listed, q.owned[0])
	}
	got[0] = 99 // the caller's copy
	if !slices.Equal(q.queues[0], []uint64{2, 3, 4}) {
		t.Fatalf("queue left %v", q.queues[0])
	}
	if got, _ := q.take(0, -1); len(got) != 0 {
		t.Fatalf("take of a negative count = %v", got)
	}
	got, listed = q.take(0, 100) // without allocate: the listed entry goes stale
	if !slices.Equal(got, []uint64{2, 3, 4}) || listed {
		t.Fatalf("take = %v, listed %v", got, listed)
	}
	if _, ok := q.allocate(); ok || len(q.unalloc) != 0 || q.listed[0] {
		t.Fatalf("allocate of a stale entry: ok %v, unalloc %v", ok, q.unalloc)
	}
}

// answer settles one allocation per allocate; repeated answers settle nothing;
// an answer without take lists the bit again.
func TestQueueAnswer(t *testing.T) {
	q := newRetrievalQueue(2)
	q.add(0, 1)
	q.add(0, 2)
	idx, _ := q.allocate()
	if settled, listed := q.answer(idx); !settled || !listed || q.owned[idx] || q.allocs != 0 {
		t.Fatalf("answer without take: settled %v listed %v owned %v allocs %d", settled, listed, q.owned[idx], q.allocs)
	}
	if settled, _ := q.answer(idx); settled || q.allocs != 0 {
		t.Fatalf("a repeated answer settled an allocation (allocs %d)", q.allocs)
	}
	if settled, _ := q.answer(1); settled {
		t.Fatal("an answer for a bit never allocated settled an allocation")
	}
	// Two allocations of one bit (taken in between): two answers.
	idx, _ = q.allocate()
	q.take(idx, 1)
	idx2, ok := q.allocate()
	if !ok || idx2 != idx || q.held[idx] != 2 {
		t.Fatalf("second allocate = %d, %v, held %d", idx2, ok, q.held[idx])
	}
	q.take(idx, 1)
	for range 2 {
		if settled, _ := q.answer(idx); !settled {
			t.Fatal("an outstanding allocation was not settled")
		}
	}
	if q.allocs != 0 || q.held[idx] != 0 {
		t.Fatalf("allocs %d, held %d after both answers", q.allocs, q.held[idx])
	}
}
