package scheduler

import (
	"context"
	"sync/atomic"
	"testing"
)

// rewritable serves vector(bit, section) with every byte inverted for the
// sections from rewrittenFrom on: a store whose indexer rewrote them.
type rewritable struct {
	countingSource
	rewrittenFrom atomic.Uint64
}

func newRewritable() *rewritable {
	r := &rewritable{}
	r.rewrittenFrom.Store(^uint64(0))
	return r
}

func (r *rewritable) Bitsets(ctx context.Context, bit uint, first uint64, dst [][]byte) error {
	if err := r.countingSource.Bitsets(ctx, bit, first, dst); err != nil {
		return err
	}
	for i := range dst {
		if first+uint64(i) >= r.rewrittenFrom.Load() {
			for j := range dst[i] {
				dst[i][j] ^= 0xff
			}
		}
	}
	return nil
}

func (r *rewritable) want(bit uint, section uint64) string {
	v := vector(bit, section, testSize/8)
	if section >= r.rewrittenFrom.Load() {
		for j := range v {
			v[j] ^= 0xff
		}
	}
	return string(v)
}

func readAll(t *testing.T, s *Scheduler, src *rewritable, bit uint, first uint64, n int) {
	t.Helper()
	dst := buffers(n)
	if err := s.Bitsets(context.Background(), bit, first, dst); err != nil {
		t.Fatal(err)
	}
	for i, v := range dst {
		if string(v) != src.want(bit, first+uint64(i)) {
			t.Fatalf("bit %d section %d: stale or wrong vector", bit, first+uint64(i))
		}
	}
}

// After Invalidate(from), the sections from `from` on are read anew and the
// ones below it still come from the cache.
func TestSchedulerInvalidate(t *testing.T) {
	src := newRewritable()
	s := newTest(t, src, Config{})
	readAll(t, s, src, 4, 0, 8)
	src.rewrittenFrom.Store(5)
	s.Invalidate(5)
	before := src.sections.Load()
	readAll(t, s, src, 4, 0, 8)
	if n := src.sections.Load() - before; n != 3 {
		t.Fatalf("%d sections read after Invalidate(5), want 3 (5..7)", n)
	}
	if st := s.Stats(); st.Invalidated != 3 || st.Entries != 8 {
		t.Fatalf("stats %+v: want 3 invalidated, 8 cached", st)
	}
}

// A read in flight when Invalidate is called delivers to its waiters but is
// not cached: the next request reads the rewritten data.
func TestSchedulerInvalidateInFlight(t *testing.T) {
	src := newRewritable()
	src.gate = make(chan struct{})
	s := newTest(t, src, Config{})
	done := make(chan error, 1)
	go func() {
		done <- s.Bitsets(context.Background(), 2, 0, buffers(4))
	}()
	waitFor(t, "the read to start", func() bool { return src.inFlight.Load() == 1 })
	src.rewrittenFrom.Store(0)
	s.Invalidate(0)
	close(src.gate)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	readAll(t, s, src, 2, 0, 4)
	if n := src.calls.Load(); n != 2 {
		t.Fatalf("%d reads, want 2: the read in flight at Invalidate was cached", n)
	}
}
