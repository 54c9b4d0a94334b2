package bench

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bloomsimd/bloomsimd/bench/internal/e2e"
	"github.com/bloomsimd/bloomsimd/bench/internal/load"
	"github.com/bloomsimd/bloomsimd/index"
	"github.com/bloomsimd/bloomsimd/internal/blooms"
	"github.com/bloomsimd/bloomsimd/matcher"
	"github.com/bloomsimd/bloomsimd/scheduler"
)

// TestLoadSharedScheduler runs the load mix from 64 clients at once on one
// scheduler over a Pebble chain, drop-in sessions and Scans alternating, with a
// cache budget far below the vectors the queries touch: the cache never holds
// more than its budget (checked every 2 ms and at the end), every answer equals
// the unshared path's (Scan over a fresh Snapshot), the scheduler's read
// counters agree with a counting wrapper around its Source, and closing the
// node leaves no goroutine behind.
func TestLoadSharedScheduler(t *testing.T) {
	sections := e2eTestSections()
	chain, err := e2e.Build(e2e.Options{Sections: sections, Indexer: e2e.GethSteps})
	if err != nil {
		t.Fatal(err)
	}
	defer chain.Close()
	reader, err := index.NewReader(chain.DB, e2e.SectionSize)
	if err != nil {
		t.Fatal(err)
	}
	all, err := blooms.Load()
	if err != nil {
		t.Fatal(err)
	}
	w, err := load.New(all, sections)
	if err != nil {
		t.Fatal(err)
	}
	queries := w.Queries(1, 600)
	if testing.Short() {
		queries = queries[:200]
	}
	want := make([]load.Answer, len(queries))
	for i, q := range queries {
		blocks, err := e2e.OurScanQuery(context.Background(), reader.Snapshot(), w.Filters[q.Filter].Clauses, q.Begin, q.End, nil)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = load.AnswerOf(blocks)
	}

	goroutines := runtime.NumGoroutine()
	const budget = 256 << 10 // about 500 vectors of the thousands the queries read
	var count load.Counter
	sched, err := scheduler.New(count.Wrap(reader), e2e.SectionSize, scheduler.Config{CacheBytes: budget, MaxReads: 4, MaxHelpers: 2})
	if err != nil {
		t.Fatal(err)
	}
	requests, quit := make(chan chan *matcher.Retrieval), make(chan struct{})
	matcher.ServeRetrievals(requests, quit, e2e.ServiceThreads, e2e.SectionSize, sched)
	var turn atomic.Uint64
	query := func(ctx context.Context, q load.Query, t *load.Tally) error {
		clauses := w.Filters[q.Filter].Clauses
		if turn.Add(1)%2 == 0 {
			return e2e.DropInOn(ctx, requests, clauses, q.Begin, q.End, t.Add)
		}
		return e2e.OurScan(ctx, sched, clauses, q.Begin, q.End, t.Next)
	}
	var probes, peak int64
	probe := func() error {
		probes++
		st := sched.Stats()
		peak = max(peak, st.Bytes)
		if st.Bytes > budget {
			return fmt.Errorf("the cache holds %d bytes, budget %d", st.Bytes, budget)
		}
		return nil
	}
	res, err := load.Run(context.Background(), 64, queries, query, probe)
	if err != nil {
		t.Fatal(err)
	}
	for i, q := range queries {
		if res.Answers[i] != want[i] {
			t.Fatalf("query %d (%+v): %+v, unshared Scan %+v", i, q, res.Answers[i], want[i])
		}
	}
	st := sched.Stats()
	reads, vectors := count.Counts()
	t.Logf("%d queries, %d probes: cache peak %d of %d bytes; %+v; counted %d reads of %d vectors", len(queries), probes, peak, budget, st, reads, vectors)
	if st.Budget != budget || st.Evictions == 0 || st.Hits == 0 {
		t.Errorf("budget %d, %d evictions, %d hits: want budget %d, the budget reached, some hits", st.Budget, st.Evictions, st.Hits, budget)
	}
	if uint64(st.Reads) != reads || uint64(st.ReadSections) != vectors {
		t.Errorf("Stats: %d reads of %d sections; the Source saw %d reads of %d vectors", st.Reads, st.ReadSections, reads, vectors)
	}

	close(quit)
	sched.Close()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > goroutines && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > goroutines {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines after Close, %d before:\n%s", n, goroutines, buf[:runtime.Stack(buf, true)])
	}
}
