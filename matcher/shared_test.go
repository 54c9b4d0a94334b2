package matcher

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"go.uber.org/goleak"

	"github.com/bloomsimd/bloomsimd/scheduler"
)

// One Scheduler shared by many goroutines mixing Matcher sessions (through
// ServeRetrievals) and Scans gives every query the plain answer, and reads
// each vector of a stable section about once.
func TestSharedSchedulerSessionsAndScans(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	const sections = 24
	var reads atomic.Int64
	src := testSource{size: testSectionSize, failAt: ^uint64(0), onRead: func(_ uint, _ uint64, n int) { reads.Add(int64(n)) }}
	sched, err := scheduler.New(src, testSectionSize, scheduler.Config{MaxReads: 4, MaxHelpers: 2})
	if err != nil {
		t.Fatal(err)
	}
	requests := make(chan chan *Retrieval)
	quit := make(chan struct{})
	ServeRetrievals(requests, quit, 8, testSectionSize, sched)

	rng := rand.New(rand.NewPCG(5, 0))
	filters := make([][][][3]uint, 6) // few filters, so queries overlap
	for i := range filters {
		filters[i] = randomGroups(rng, []int{1 + rng.IntN(2), 1 + rng.IntN(2)}, 40)
	}
	clients, queries := 16, 6
	if testing.Short() {
		clients, queries = 8, 4
	}
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(c), 0))
			for range queries {
				groups := filters[rng.IntN(len(filters))]
				begin := uint64(rng.IntN(sections/2)) * testSectionSize
				end := begin + uint64(1+rng.IntN(sections/2))*testSectionSize - 1 - uint64(rng.IntN(8))
				want := expected(groups, begin, end)
				m := newMatcher(testSectionSize, groups)
				var got []uint64
				var err error
				if c%2 == 0 {
					got, err = serveSessionErr(m, begin, end, requests)
				} else {
					got, err = scanAll(m, begin, end, sched)
				}
				if err != nil {
					t.Error(err)
					return
				}
				if !slices.Equal(got, want) {
					t.Errorf("client %d (%s), blocks %d..%d: %d matches, want %d", c, []string{"session", "scan"}[c%2], begin, end, len(got), len(want))
					return
				}
			}
		}()
	}
	wg.Wait()
	close(quit)
	st := sched.Stats()
	defer sched.Close()
	// Every (bit, section) the filters use is read about once: at most 40 bits.
	if n := reads.Load(); n != st.ReadSections || n > 40*sections {
		t.Fatalf("%d vectors read (scheduler counted %d) for at most %d distinct", n, st.ReadSections, 40*sections)
	}
	plain := testSource{size: testSectionSize, failAt: ^uint64(0)}
	// Scans evaluate the Scheduler's vectors in place, and sessions get them
	// without a copy: none of them was written to.
	for bit := uint(2); bit <= 40; bit++ { // randomGroups' bits
		got := make([][]byte, sections)
		want := make([][]byte, sections)
		for i := range want {
			want[i] = make([]byte, testSectionSize/8)
		}
		if err := sched.Shared().Bitsets(context.Background(), bit, 0, got); err != nil {
			t.Fatal(err)
		}
		if err := plain.Bitsets(context.Background(), bit, 0, want); err != nil {
			t.Fatal(err)
		}
		for i := range got {
			if !slices.Equal(got[i], want[i]) {
				t.Fatalf("bit %d, section %d: the Scheduler's vector was modified", bit, i)
			}
		}
	}
	t.Logf("%+v", st)
}

// countingBound is a helper bound that grants at most limit helpers and
// records the most taken at once.
type countingBound struct {
	testSource
	mu          sync.Mutex
	taken, peak int
	limit       int
	asks        int
}

func (b *countingBound) AcquireHelpers(want int) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.asks++
	n := min(want, b.limit-b.taken)
	b.taken += n
	b.peak = max(b.peak, b.taken)
	return n
}

func (b *countingBound) ReleaseHelpers(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.taken -= n
}

// Scan takes its helpers from the Source's bound: concurrent Scans never hold
// more than it grants, and a Scan granted none still answers right.
func TestScanHelperBound(t *testing.T) {
	withProcs(t, func(t *testing.T) {
		groups := [][][3]uint{{{1, 2, 3}, {4, 5, 6}}, {{7, 8, 9}}}
		end := uint64(40*testSectionSize - 1)
		want := expected(groups, 0, end)
		for _, limit := range []int{0, 1} {
			src := &countingBound{testSource: testSource{size: testSectionSize, failAt: ^uint64(0)}, limit: limit}
			var wg sync.WaitGroup
			for range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					got, err := scanAll(newMatcher(testSectionSize, groups), 0, end, src)
					if err != nil || !slices.Equal(got, want) {
						t.Errorf("limit %d: %d matches, %v; want %d", limit, len(got), err, len(want))
					}
				}()
			}
			wg.Wait()
			if src.peak > limit || src.taken != 0 {
				t.Fatalf("limit %d: peak %d helpers, %d not given back", limit, src.peak, src.taken)
			}
		}
	})
}

// A Source that panics on one bit, shared through a Scheduler by sessions and
// Scans: every query using the bit fails with ErrSourcePanic, the others answer
// right, and nothing hangs or leaks.
func TestSharedSchedulerHostileSource(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	src := funcSource(func(ctx context.Context, bit uint, first uint64, dst [][]byte) error {
		if bit == 9 {
			panic("corrupt page")
		}
		return testSource{size: testSectionSize, failAt: ^uint64(0)}.Bitsets(ctx, bit, first, dst)
	})
	sched, err := scheduler.New(src, testSectionSize, scheduler.Config{MaxReads: 2, MaxHelpers: 1})
	if err != nil {
		t.Fatal(err)
	}
	requests := make(chan chan *Retrieval)
	quit := make(chan struct{})
	ServeRetrievals(requests, quit, 4, testSectionSize, sched)
	bad := [][][3]uint{{{9, 10, 11}}}
	good := [][][3]uint{{{12, 13, 14}}}
	end := uint64(20*testSectionSize - 1)
	var wg sync.WaitGroup
	for c := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			groups := [][][][3]uint{good, bad}[c%2]
			m := newMatcher(testSectionSize, groups)
			var got []uint64
			var err error
			if c%4 < 2 {
				got, err = serveSessionErr(m, 0, end, requests)
			} else {
				got, err = scanAll(m, 0, end, sched)
			}
			switch {
			case c%2 == 1 && !errors.Is(err, ErrSourcePanic):
				t.Errorf("client %d: %v, want ErrSourcePanic", c, err)
			case c%2 == 0 && (err != nil || !slices.Equal(got, expected(good, 0, end))):
				t.Errorf("client %d: %d matches, %v", c, len(got), err)
			}
		}()
	}
	wg.Wait()
	close(quit)
	sched.Close()
}
