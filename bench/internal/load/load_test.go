package load

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bloomsimd/bloomsimd/bench/internal/e2e"
	"github.com/bloomsimd/bloomsimd/internal/blooms"
)

var (
	testWorkloadOnce sync.Once
	testWorkload     *Workload
	testWorkloadErr  error
)

// newWorkload returns the workload over 64 sections, made once per test binary.
func newWorkload(t *testing.T) *Workload {
	t.Helper()
	testWorkloadOnce.Do(func() {
		all, err := blooms.Load()
		if err != nil {
			testWorkloadErr = err
			return
		}
		testWorkload, testWorkloadErr = New(all, 64)
	})
	if testWorkloadErr != nil {
		t.Fatal(testWorkloadErr)
	}
	return testWorkload
}

// The workload has NumFilters distinct filters whose every clause occurs in the
// blooms, and draws the same queries for the same seed.
func TestWorkload(t *testing.T) {
	all, _ := blooms.Load()
	w := newWorkload(t)
	if len(w.Filters) != NumFilters || w.Head != 64*e2e.SectionSize-1 {
		t.Fatalf("%d filters, head %d", len(w.Filters), w.Head)
	}
	seen := map[string]bool{}
	for _, f := range w.Filters {
		for _, group := range f.Clauses {
			if len(group) == 0 {
				t.Fatalf("%s: an empty group", f.Name)
			}
			for _, clause := range group {
				if e2e.Occurrences(all, clause) == 0 {
					t.Fatalf("%s: clause %x occurs in no bloom", f.Name, clause)
				}
			}
		}
		if key := filterKey(f); seen[key] {
			t.Fatalf("%s repeats a filter", f.Name)
		} else {
			seen[key] = true
		}
	}
	again, err := New(all, 64)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.EqualFunc(w.Filters, again.Filters, func(a, b e2e.Filter) bool { return a.Name == b.Name && filterKey(a) == filterKey(b) }) ||
		!slices.Equal(w.Queries(1, 100), again.Queries(1, 100)) {
		t.Fatal("two workloads differ")
	}
	if slices.Equal(w.Queries(1, 100), w.Queries(2, 100)) {
		t.Fatal("seeds 1 and 2 draw the same queries")
	}
}

// filterKey spells a filter's clauses.
func filterKey(f e2e.Filter) string {
	key := ""
	for _, group := range f.Clauses {
		for _, clause := range group {
			key += string(clause) + "|"
		}
		key += "&"
	}
	return key
}

// The queries follow the mix: Zipf ranks (the top filter about 18%), the range
// shares, and bounds ending at the head.
func TestQueriesMix(t *testing.T) {
	w := newWorkload(t)
	const n = 20000
	qs := w.Queries(1, n)
	var top, top10 int
	ranges := make([]int, len(Ranges))
	for _, q := range qs {
		if q.Filter == 0 {
			top++
		}
		if q.Filter < 10 {
			top10++
		}
		ranges[q.Range]++
		r := Ranges[q.Range]
		if q.End != w.Head || (r.Blocks == 0 && q.Begin != 0) || (r.Blocks != 0 && q.End-q.Begin+1 != r.Blocks) {
			t.Fatalf("query %+v: wrong bounds for range %s", q, r.Name)
		}
	}
	if share := float64(top) / n; share < 0.15 || share > 0.22 {
		t.Errorf("top filter share %.3f, want about 0.18", share)
	}
	if share := float64(top10) / n; share < 0.42 || share > 0.55 {
		t.Errorf("top 10 filters' share %.3f, want about 0.48", share)
	}
	for i, r := range Ranges {
		if share := float64(ranges[i]) / n; share < r.Share-0.02 || share > r.Share+0.02 {
			t.Errorf("range %s share %.3f, want %.2f", r.Name, share, r.Share)
		}
	}
}

// Run answers every query once, from at most clients goroutines at once, and
// records each answer in query order.
func TestRun(t *testing.T) {
	w := newWorkload(t)
	qs := w.Queries(1, 500)
	var running, most atomic.Int64
	run := func(ctx context.Context, q Query, t *Tally) error {
		n := running.Add(1)
		defer running.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		time.Sleep(50 * time.Microsecond)
		t.Add(uint64(q.Filter))
		t.Add(q.Begin)
		return nil
	}
	probes := 0
	res, err := Run(context.Background(), 8, qs, run, func() error { probes++; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if m := most.Load(); m > 8 || m < 2 {
		t.Errorf("%d queries at once, want 2 to 8", m)
	}
	if probes == 0 {
		t.Error("the probe was never called")
	}
	for i, q := range qs {
		if want := AnswerOf([]uint64{uint64(q.Filter), q.Begin}); res.Answers[i] != want || res.Latencies[i] <= 0 {
			t.Fatalf("query %d: answer %+v latency %v, want %+v", i, res.Answers[i], res.Latencies[i], want)
		}
	}
	if p50, p99 := res.Percentile(0.5), res.Percentile(0.99); p50 <= 0 || p99 < p50 || res.PeakHeap == 0 {
		t.Errorf("p50 %v p99 %v peak heap %d", p50, p99, res.PeakHeap)
	}
}

// A query's error, or the probe's, fails the run.
func TestRunErrors(t *testing.T) {
	w := newWorkload(t)
	qs := w.Queries(1, 200)
	boom := errors.New("boom")
	var calls atomic.Int64
	failing := func(ctx context.Context, q Query, t *Tally) error {
		switch n := calls.Add(1); {
		case n == 50:
			return boom
		case n > 50: // wait until the failure stops the run
			<-ctx.Done()
			return ctx.Err()
		}
		return nil
	}
	if _, err := Run(context.Background(), 4, qs, failing, nil); !errors.Is(err, boom) {
		t.Fatalf("query error: got %v", err)
	}
	if n := calls.Load(); n > 50+4 {
		t.Errorf("%d queries started, want at most one per client after the failure", n)
	}
	ok := func(ctx context.Context, q Query, t *Tally) error { return nil }
	if _, err := Run(context.Background(), 4, qs, ok, func() error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("probe error: got %v", err)
	}
}

// An Answer tells lists apart by their length, their blocks and their order.
func TestAnswerOf(t *testing.T) {
	base := []uint64{3, 17, 4096, 1 << 40}
	want := AnswerOf(base)
	if want.Blocks != 4 || want.OutOfOrder {
		t.Fatalf("AnswerOf(%v) = %+v", base, want)
	}
	if again := AnswerOf(slices.Clone(base)); again != want {
		t.Errorf("the same list: %+v, want %+v", again, want)
	}
	others := [][]uint64{
		nil,
		{3, 17, 4096},                // one block fewer
		{3, 17, 4097, 1 << 40},       // one block moved by one
		{2, 18, 4096, 1 << 40},       // the same plain sum
		{17, 3, 4096, 1 << 40},       // out of order
		{3, 17, 17, 4096, 1 << 40},   // a block twice
		{3, 17, 4096, 1<<40 | 1<<63}, // a high bit
	}
	for _, o := range others {
		if got := AnswerOf(o); got == want {
			t.Errorf("AnswerOf(%v) = AnswerOf(%v) = %+v", o, base, got)
		}
	}
	if a := AnswerOf([]uint64{5, 5}); !a.OutOfOrder {
		t.Errorf("a repeated block counts as ascending: %+v", a)
	}
}

func TestPercentile(t *testing.T) {
	r := Result{Latencies: []time.Duration{5, 1, 4, 2, 3, 6, 7, 8, 9, 10}}
	if p := r.Percentile(0.5); p != 5 {
		t.Errorf("p50 %v, want 5", p)
	}
	if p := r.Percentile(0.99); p != 10 {
		t.Errorf("p99 %v, want 10", p)
	}
	if p := r.Percentile(0.1); p != 1 {
		t.Errorf("p10 %v, want 1", p)
	}
}
