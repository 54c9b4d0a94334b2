package scheduler

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

const testSize = 256 // blocks per section: 32-byte vectors keep the tests fast

// countingSource serves vector(bit, section) and counts calls, sections and
// the reads in flight at once; gate, when set, holds each read until it is
// closed or the read's context ends.
type countingSource struct {
	gate                chan struct{}
	calls, sections     atomic.Int64
	inFlight, maxFlight atomic.Int64
	hook                func(ctx context.Context, bit uint, first uint64, dst [][]byte) error
}

func (s *countingSource) Bitsets(ctx context.Context, bit uint, first uint64, dst [][]byte) error {
	s.calls.Add(1)
	s.sections.Add(int64(len(dst)))
	n := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	for {
		m := s.maxFlight.Load()
		if n <= m || s.maxFlight.CompareAndSwap(m, n) {
			break
		}
	}
	if s.gate != nil {
		select {
		case <-s.gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if s.hook != nil {
		if err := s.hook(ctx, bit, first, dst); err != nil {
			return err
		}
	}
	for i := range dst {
		if len(dst[i]) == testSize/8 {
			copy(dst[i], vector(bit, first+uint64(i), testSize/8))
		}
	}
	return nil
}

// noLeaks checks that no goroutine is left once the test's Schedulers have
// closed (cleanups run last-registered first, so call it before newTest): idle
// read goroutines end only with Close.
func noLeaks(t *testing.T) { t.Cleanup(func() { goleak.VerifyNone(t) }) }

func newTest(t *testing.T, src Source, cfg Config) *Scheduler {
	t.Helper()
	s, err := New(src, testSize, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func buffers(n int) [][]byte {
	dst := make([][]byte, n)
	for i := range dst {
		dst[i] = make([]byte, testSize/8)
	}
	return dst
}

// check fills n vectors of bit from first through s and compares them with
// the plain answer.
func check(ctx context.Context, s *Scheduler, bit uint, first uint64, n int) error {
	dst := buffers(n)
	if err := s.Bitsets(ctx, bit, first, dst); err != nil {
		return err
	}
	for i, v := range dst {
		if string(v) != string(vector(bit, first+uint64(i), testSize/8)) {
			return fmt.Errorf("bit %d section %d: wrong vector", bit, first+uint64(i))
		}
	}
	return nil
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestNewRefuses(t *testing.T) {
	if _, err := New(nil, testSize, Config{}); err == nil {
		t.Error("nil Source accepted")
	}
	if _, err := New(&countingSource{}, 1<<52, Config{}); !errors.Is(err, ErrSectionSize) {
		t.Errorf("size 1<<52: %v", err)
	}
	if _, err := New(&countingSource{}, testSize, Config{MaxReads: -1}); err == nil {
		t.Error("negative MaxReads accepted")
	}
}

// Sections past 2^64-1 are refused, unread: they wrapped to section 0, whose
// cached vector became the one the Source gave for section 2^64.
func TestSchedulerSectionsWrap(t *testing.T) {
	noLeaks(t)
	src := &countingSource{}
	s := newTest(t, src, Config{})
	if err := s.Bitsets(context.Background(), 3, math.MaxUint64, buffers(2)); err == nil {
		t.Fatal("sections 2^64-1 and 2^64 accepted")
	}
	if src.calls.Load() != 0 || s.Stats().Entries != 0 {
		t.Fatalf("%d reads, %d vectors cached, want none", src.calls.Load(), s.Stats().Entries)
	}
	if err := check(context.Background(), s, 3, math.MaxUint64, 1); err != nil {
		t.Fatalf("the last section alone: %v", err)
	}
}

// Concurrent requests for the same sections cost one read; a run of missing
// sections is one read; later requests hit the cache.
func TestSchedulerDeduplicates(t *testing.T) {
	noLeaks(t)
	src := &countingSource{gate: make(chan struct{})}
	s, err := New(src, testSize, Config{})
	if err != nil {
		t.Fatal(err)
	}
	const clients = 32
	errs := make(chan error, clients)
	for range clients {
		go func() { errs <- check(context.Background(), s, 7, 100, 16) }()
	}
	waitFor(t, "all clients to join", func() bool { return s.Stats().Misses == clients*16 })
	close(src.gate)
	for range clients {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if c, n := src.calls.Load(), src.sections.Load(); c != 1 || n != 16 {
		t.Fatalf("%d reads of %d sections, want 1 of 16", c, n)
	}
	// A request overlapping the cached run reads only the new sections, as one run.
	if err := check(context.Background(), s, 7, 110, 12); err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	if c, n := src.calls.Load(), src.sections.Load(); c != 2 || n != 22 {
		t.Fatalf("%d reads of %d sections, want 2 of 22", c, n)
	}
	if st.Shared != (clients-1)*16 || st.Hits != 6 || st.Reads != 2 || st.Entries != 22 {
		t.Fatalf("stats %+v", st)
	}
	s.Close()
}

// A run's misses read only the missing sections; cached ones in the middle
// split the run.
func TestSchedulerRunsAroundCached(t *testing.T) {
	src := &countingSource{}
	s := newTest(t, src, Config{})
	if err := check(context.Background(), s, 1, 5, 1); err != nil {
		t.Fatal(err)
	}
	if err := check(context.Background(), s, 1, 0, 10); err != nil {
		t.Fatal(err)
	}
	if c, n := src.calls.Load(), src.sections.Load(); c != 3 || n != 10 {
		t.Fatalf("%d reads of %d sections, want 3 of 10", c, n)
	}
}

// hostile returns a Source that misbehaves for bit 13 in the given way.
func hostile(how string) *countingSource {
	src := &countingSource{}
	src.hook = func(ctx context.Context, bit uint, first uint64, dst [][]byte) error {
		if bit != 13 {
			return nil
		}
		switch how {
		case "error":
			return errors.New("disk on fire")
		case "panic":
			panic("bad page")
		case "length":
			dst[len(dst)-1] = dst[len(dst)-1][:3]
		case "nil":
			dst[0] = nil
		}
		return nil
	}
	return src
}

// Failures reach every waiter with Read's error and are never cached.
func TestSchedulerHostileSources(t *testing.T) {
	noLeaks(t)
	for _, c := range []struct {
		how  string
		want error
	}{{"error", nil}, {"panic", ErrSourcePanic}, {"length", ErrVectorLength}, {"nil", ErrVectorLength}} {
		t.Run(c.how, func(t *testing.T) {
			src := hostile(c.how)
			s, err := New(src, testSize, Config{MaxReads: 3})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			var wg sync.WaitGroup
			var bad, good atomic.Int64
			for g := range 24 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					bit := uint(12 + g%2)
					err := check(context.Background(), s, bit, uint64(g%4), 8)
					switch {
					case bit == 12 && err != nil:
						t.Errorf("healthy bit: %v", err)
					case bit == 13 && err == nil:
						t.Error("hostile bit: no error")
					case bit == 13 && (c.want != nil && !errors.Is(err, c.want) || !strings.Contains(err.Error(), "bit 13, ")):
						t.Errorf("hostile bit: %v, want %v naming the bit", err, c.want)
					case bit == 13:
						bad.Add(1)
					default:
						good.Add(1)
					}
				}()
			}
			wg.Wait()
			before := src.calls.Load()
			if err := check(context.Background(), s, 13, 0, 1); err == nil {
				t.Fatal("no error on retry")
			}
			if src.calls.Load() == before {
				t.Fatal("a failure was cached")
			}
			if n := s.cache.bit(13).len(); n != 0 {
				t.Fatalf("%d vectors of the failing bit cached", n)
			}
		})
	}
}

// A waiter whose context ends returns at once; the read goes on for the
// others. A read all of whose waiters left is cancelled.
func TestSchedulerCancelledWaiter(t *testing.T) {
	noLeaks(t)
	src := &countingSource{gate: make(chan struct{})}
	s, err := New(src, testSize, Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() { first <- check(ctx, s, 3, 0, 4) }()
	waitFor(t, "the first read", func() bool { return src.calls.Load() == 1 })
	second := make(chan error, 1)
	go func() { second <- check(context.Background(), s, 3, 0, 4) }()
	waitFor(t, "the second waiter", func() bool { return s.Stats().Shared == 4 })
	cancel()
	if err := <-first; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled waiter: %v", err)
	}
	close(src.gate)
	if err := <-second; err != nil {
		t.Fatalf("other waiter: %v", err)
	}
	if src.calls.Load() != 1 {
		t.Fatalf("%d reads, want 1", src.calls.Load())
	}

	// Alone: the read is cancelled with the waiter, and a new request reads again.
	src2 := &countingSource{gate: make(chan struct{})}
	s2 := newTest(t, src2, Config{})
	ctx, cancel = context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- check(ctx, s2, 3, 0, 4) }()
	waitFor(t, "the read", func() bool { return src2.calls.Load() == 1 })
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	waitFor(t, "the abandoned read to end", func() bool { return src2.inFlight.Load() == 0 })
	close(src2.gate)
	if err := check(context.Background(), s2, 3, 0, 4); err != nil {
		t.Fatal(err)
	}
	if src2.calls.Load() != 2 {
		t.Fatalf("%d reads, want 2", src2.calls.Load())
	}
}

// A read that blocks on one bit holds up no other bit.
func TestSchedulerSlowBitAlone(t *testing.T) {
	noLeaks(t)
	block := make(chan struct{})
	src := &countingSource{}
	src.hook = func(ctx context.Context, bit uint, first uint64, dst [][]byte) error {
		if bit == 1 {
			select {
			case <-block:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	}
	s, err := New(src, testSize, Config{MaxReads: 2})
	if err != nil {
		t.Fatal(err)
	}
	slow := make(chan error, 1)
	go func() { slow <- check(context.Background(), s, 1, 0, 16) }()
	for bit := uint(2); bit < 40; bit++ {
		if err := check(context.Background(), s, bit, 0, 16); err != nil {
			t.Fatal(err)
		}
	}
	close(block)
	if err := <-slow; err != nil {
		t.Fatal(err)
	}
	s.Close()
}

// Close ends blocked reads; their waiters get ErrClosed and no goroutine stays.
func TestSchedulerClose(t *testing.T) {
	noLeaks(t)
	src := &countingSource{gate: make(chan struct{})}
	s, err := New(src, testSize, Config{})
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for g := range 8 {
		go func() { errs <- check(context.Background(), s, uint(g), 0, 4) }()
	}
	waitFor(t, "the reads", func() bool { return src.inFlight.Load() == 8 })
	s.Close()
	for range 8 {
		if err := <-errs; !errors.Is(err, ErrClosed) {
			t.Fatalf("waiter: %v, want ErrClosed", err)
		}
	}
	if err := check(context.Background(), s, 1, 0, 1); !errors.Is(err, ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
}

// changingSrc reports sections from `from` on as changing.
type changingSrc struct {
	*countingSource
	from uint64
}

func (c changingSrc) Changing(section uint64) bool { return section >= c.from }

// Changing sections are read for each request and never cached.
func TestSchedulerChangingNotCached(t *testing.T) {
	src := changingSrc{&countingSource{}, 10}
	s := newTest(t, src, Config{})
	for range 3 {
		if err := check(context.Background(), s, 4, 6, 8); err != nil { // 6..9 stable, 10..13 changing
			t.Fatal(err)
		}
	}
	if n := src.sections.Load(); n != 4+3*4 {
		t.Fatalf("%d sections read, want 16", n)
	}
	for section := uint64(10); section < 14; section++ {
		if s.cache.bit(4).entry(section) != nil {
			t.Fatalf("changing section %d cached", section)
		}
	}
	if !s.Changing(10) || s.Changing(9) {
		t.Fatal("Changing does not forward")
	}
}

// Many goroutines asking overlapping runs get the plain answers, the cache
// never exceeds its budget, reads stay within MaxReads.
func TestSchedulerUnderLoad(t *testing.T) {
	noLeaks(t)
	src := &countingSource{}
	src.hook = func(context.Context, uint, uint64, [][]byte) error {
		time.Sleep(20 * time.Microsecond)
		return nil
	}
	const budget = 200 * (testSize/8 + entryOverhead)
	s, err := New(src, testSize, Config{CacheBytes: budget, MaxReads: 3})
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	watched := make(chan int64)
	go func() {
		var peak int64
		for {
			select {
			case <-stop:
				watched <- peak
				return
			default:
				peak = max(peak, s.Stats().Bytes)
				time.Sleep(50 * time.Microsecond)
			}
		}
	}()
	var wg sync.WaitGroup
	clients, rounds := 32, 200
	if testing.Short() {
		rounds = 50
	}
	for g := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewSource(int64(g)))
			for range rounds {
				bit := uint(rng.Intn(8)) // a hot set of 8 bits
				if rng.Intn(4) == 0 {
					bit = uint(8 + rng.Intn(2040)) // and cold ones
				}
				ctx := context.Background()
				var cancel context.CancelFunc = func() {}
				if rng.Intn(10) == 0 {
					ctx, cancel = context.WithTimeout(ctx, time.Duration(rng.Intn(100))*time.Microsecond)
				}
				err := check(ctx, s, bit, uint64(rng.Intn(64)), 1+rng.Intn(16))
				cancel()
				if err != nil && !errors.Is(err, context.DeadlineExceeded) {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	peak := <-watched
	st := s.Stats()
	if peak > budget || st.Bytes > budget {
		t.Fatalf("cache at %d bytes (peak %d), budget %d", st.Bytes, peak, budget)
	}
	if m := src.maxFlight.Load(); m > 3 {
		t.Fatalf("%d reads at once, MaxReads 3", m)
	}
	if st.Evictions == 0 || st.Hits == 0 || st.Shared == 0 {
		t.Fatalf("load did not exercise the cache: %+v", st)
	}
	t.Logf("%+v", st)
	s.Close()
}

// Read goroutines outlive their reads, but no more than MaxReads of them stay
// idle; a burst of slow reads still gets a goroutine each (so a slow bit holds
// up no other), and Close ends them all.
func TestSchedulerReadGoroutines(t *testing.T) {
	noLeaks(t)
	const maxReads = 3
	idle := func(s *Scheduler) int {
		s.runMu.Lock()
		defer s.runMu.Unlock()
		return s.idle
	}
	// readers counts the read goroutines of every Scheduler alive.
	readers := func() int {
		buf := make([]byte, 1<<20)
		return strings.Count(string(buf[:runtime.Stack(buf, true)]), "scheduler.(*Scheduler).reader(")
	}
	src := &countingSource{}
	s := newTest(t, src, Config{MaxReads: maxReads, CacheBytes: 1}) // caches nothing: every request reads
	for i := range 100 {
		if err := check(context.Background(), s, uint(i%7), uint64(i), 2); err != nil {
			t.Fatal(err)
		}
	}
	if n := readers(); n != 1 || idle(s) != 1 {
		t.Fatalf("%d read goroutines (%d idle) after 100 reads one at a time, want 1", n, idle(s))
	}

	gated := &countingSource{gate: make(chan struct{})}
	s2 := newTest(t, gated, Config{MaxReads: maxReads, CacheBytes: 1})
	const burst = 20
	errs := make(chan error, burst)
	for i := range burst {
		go func() { errs <- check(context.Background(), s2, uint(i), 0, 1) }()
	}
	waitFor(t, "a read goroutine per bit", func() bool { return gated.calls.Load() == maxReads })
	close(gated.gate)
	for range burst {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if got := gated.calls.Load(); got != burst {
		t.Fatalf("%d reads, want %d", got, burst)
	}
	waitFor(t, "the burst's readers to settle", func() bool { return idle(s2) == maxReads })
}

func TestSchedulerHelpers(t *testing.T) {
	s := newTest(t, &countingSource{}, Config{MaxHelpers: 3})
	a := s.AcquireHelpers(2)
	b := s.AcquireHelpers(5)
	if a != 2 || b != 1 || s.AcquireHelpers(1) != 0 {
		t.Fatalf("granted %d, %d of 3", a, b)
	}
	s.ReleaseHelpers(a)
	if c := s.AcquireHelpers(4); c != 2 {
		t.Fatalf("granted %d after release, want 2", c)
	}
}

// BenchmarkSchedulerBitsets times a request for a run of 16 sections of
// 4096 blocks: path=direct is the Source itself (a copy per vector),
// path=hit the Scheduler with every vector cached, path=miss a fresh read
// through the Scheduler every time (its goroutine and bookkeeping).
func BenchmarkSchedulerBitsets(b *testing.B) {
	const size, run = 4096, 16
	vec := vector(1, 0, size/8)
	src := sourceFunc(func(_ context.Context, _ uint, _ uint64, dst [][]byte) error {
		for _, d := range dst {
			copy(d, vec)
		}
		return nil
	})
	dst := make([][]byte, run)
	for i := range dst {
		dst[i] = make([]byte, size/8)
	}
	ctx := context.Background()
	b.Run("path=direct", func(b *testing.B) {
		b.SetBytes(run * size / 8)
		for range b.N {
			if err := src.Bitsets(ctx, 1, 0, dst); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("path=hit", func(b *testing.B) {
		s, err := New(src, size, Config{})
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		if err := s.Bitsets(ctx, 1, 0, dst); err != nil {
			b.Fatal(err)
		}
		b.SetBytes(run * size / 8)
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			if err := s.Bitsets(ctx, 1, 0, dst); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("path=miss", func(b *testing.B) {
		s, err := New(src, size, Config{CacheBytes: 1})
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		b.SetBytes(run * size / 8)
		b.ReportAllocs()
		for range b.N {
			if err := s.Bitsets(ctx, 1, 0, dst); err != nil {
				b.Fatal(err)
			}
		}
	})
}

type sourceFunc func(ctx context.Context, bit uint, first uint64, dst [][]byte) error

func (f sourceFunc) Bitsets(ctx context.Context, bit uint, first uint64, dst [][]byte) error {
	return f(ctx, bit, first, dst)
}
