package scheduler

import (
	"context"
	"testing"
)

// reusingChanging is a ChangingSource (sections from `from` on change) that
// replaces each vector with its own slice and reuses it on the next call.
type reusingChanging struct {
	*reusing
	from uint64
}

func (r reusingChanging) Changing(section uint64) bool { return section >= r.from }

// Shared hands out the Scheduler's own vectors: the right ones, the
// cached ones themselves (the same memory on every call, no copy), and for a
// changing section a copy of the caller's own, which the Source's reuse of its
// slice does not change.
func TestSchedulerShared(t *testing.T) {
	noLeaks(t)
	src := reusingChanging{&reusing{fakeSource: fakeSource{vb: testSize / 8}}, 10}
	s := newTest(t, src, Config{})
	ctx := context.Background()
	get := func(first uint64, n int) [][]byte {
		t.Helper()
		dst := make([][]byte, n) // nil entries: Shared's Bitsets sets them
		if err := s.Shared().Bitsets(ctx, 3, first, dst); err != nil {
			t.Fatal(err)
		}
		for i, v := range dst {
			if string(v) != string(vector(3, first+uint64(i), testSize/8)) {
				t.Fatalf("section %d: wrong vector", first+uint64(i))
			}
		}
		return dst
	}
	a := get(6, 6) // 6..9 stable, 10..11 changing
	b := get(6, 6)
	for i := range a {
		same := &a[i][0] == &b[i][0]
		if stable := i < 4; same != stable {
			t.Fatalf("section %d: same memory on both calls %v, want %v", 6+i, same, stable)
		}
	}
	get(10, 2) // the Source reuses its slices
	for i, v := range a {
		if string(v) != string(vector(3, 6+uint64(i), testSize/8)) {
			t.Fatalf("section %d changed after a later read", 6+i)
		}
	}
	// Bitsets copies the same vectors into the caller's buffers.
	dst := buffers(4)
	if err := s.Bitsets(ctx, 3, 6, dst); err != nil {
		t.Fatal(err)
	}
	for i, v := range dst {
		if &v[0] == &a[i][0] || string(v) != string(a[i]) {
			t.Fatalf("Bitsets section %d: not a copy of the cached vector", 6+i)
		}
	}
}

// Over a Scheduler, ServeRetrievals answers with the Scheduler's own vectors:
// the right ones for every section (unsorted, duplicated), the same memory for
// the same section in two tasks, no slab.
func TestServeRetrievalsSharesSchedulerVectors(t *testing.T) {
	noLeaks(t)
	s := newTest(t, fakeSource{vb: testSize / 8}, Config{})
	ask := func() *Retrieval {
		task := serveOne(t, testSize, s, &Retrieval{Bit: 5, Sections: []uint64{9, 3, 4, 9, 12}})
		if task.Error != nil {
			t.Fatal(task.Error)
		}
		for i, sec := range task.Sections {
			if string(task.Bitsets[i]) != string(vector(5, sec, testSize/8)) {
				t.Fatalf("section %d: wrong vector", sec)
			}
		}
		return task
	}
	a, b := ask(), ask()
	for i := range a.Bitsets {
		if &a.Bitsets[i][0] != &b.Bitsets[i][0] {
			t.Fatalf("section %d: copied, not the Scheduler's vector", a.Sections[i])
		}
	}
	if &a.Bitsets[0][0] != &a.Bitsets[3][0] {
		t.Fatal("a section listed twice got two vectors")
	}
}
