package bench

import (
	"context"
	"fmt"

	"github.com/bloomsimd/bloomsimd/bench/internal/e2e"
	"github.com/bloomsimd/bloomsimd/bench/internal/load"
	"github.com/bloomsimd/bloomsimd/matcher"
	"github.com/bloomsimd/bloomsimd/scheduler"
)

// loadNode is one query path of a node under load.
type loadNode struct {
	query  load.Func
	counts func() (reads, vectors uint64) // Source reads so far
	probe  func() error                   // checked during the run; nil for none
	warm   bool                           // the path keeps state across queries: warm it first
	stop   func()
}

// loadPath starts a query path on a chain.
type loadPath struct {
	name  string
	start func(c *loadBenchChain) *loadNode
}

// loadPaths are the query paths BenchmarkLoad compares.
var loadPaths = []loadPath{
	{"geth", func(c *loadBenchChain) *loadNode {
		// A Matcher per query on the node's 16 servers, one point lookup per vector.
		return &loadNode{
			query: func(ctx context.Context, q load.Query, t *load.Tally) error {
				return c.chain.Geth(ctx, c.loadFilter(q), q.Begin, q.End, t.Add)
			},
			counts: func() (uint64, uint64) { n := c.chain.ServerReads(); return n, n },
			stop:   func() {},
		}
	}},
	{"dropin", func(c *loadBenchChain) *loadNode {
		// Swapped imports, ServeRetrievals over the Reader, no shared scheduler.
		var count load.Counter
		return c.dropInNode(count.Wrap(c.src), count.Counts, func() {})
	}},
	{"dropin-shared", func(c *loadBenchChain) *loadNode {
		// The same over one scheduler shared by all the node's queries.
		sched, shared := c.sharedScheduler()
		node := c.dropInNode(sched, shared.counts, sched.Close)
		node.probe, node.warm = shared.probe, true
		return node
	}},
	{"scan", func(c *loadBenchChain) *loadNode {
		// Scan over a Reader Snapshot per query (as a node's indexedLogs takes
		// one), no shared scheduler.
		var count load.Counter
		return &loadNode{
			query: func(ctx context.Context, q load.Query, t *load.Tally) error {
				return e2e.OurScan(ctx, count.Wrap(c.src.Snapshot()), c.loadFilter(q), q.Begin, q.End, t.Next)
			},
			counts: count.Counts,
			stop:   func() {},
		}
	}},
	{"scan-shared", func(c *loadBenchChain) *loadNode {
		// Scan over one scheduler shared by all the node's queries.
		sched, shared := c.sharedScheduler()
		return &loadNode{
			query: func(ctx context.Context, q load.Query, t *load.Tally) error {
				return e2e.OurScan(ctx, sched, c.loadFilter(q), q.Begin, q.End, t.Next)
			},
			counts: shared.counts,
			probe:  shared.probe,
			warm:   true,
			stop:   sched.Close,
		}
	}},
}

// dropInNode is the drop-in path: go-ethereum's query code (a Matcher session
// per query, three Multiplex goroutines) with our matcher, on
// e2e.ServiceThreads goroutines of matcher.ServeRetrievals over src, stopped
// with the node; then done.
func (c *loadBenchChain) dropInNode(src matcher.Source, counts func() (uint64, uint64), done func()) *loadNode {
	requests, quit := make(chan chan *matcher.Retrieval), make(chan struct{})
	matcher.ServeRetrievals(requests, quit, e2e.ServiceThreads, e2e.SectionSize, src)
	return &loadNode{
		query: func(ctx context.Context, q load.Query, t *load.Tally) error {
			return e2e.DropInOn(ctx, requests, c.loadFilter(q), q.Begin, q.End, t.Add)
		},
		counts: counts,
		stop:   func() { close(quit); done() },
	}
}

// loadCacheShare is the shared cache's budget as a share of the chain's raw
// vectors: a quarter, as the scheduler's default budget (64 MiB) is of the
// e2e chain's 256 sections (and far less of a node's).
const loadCacheShare = 4

// sharedState is what a shared path checks of its scheduler.
type sharedState struct {
	counts func() (reads, vectors uint64) // reads that reached the Reader
	probe  func() error                   // the cache within its budget
}

// sharedScheduler returns a node's scheduler over the chain's Reader, with a
// budget of 1/loadCacheShare of the chain's vectors, counting the reads that
// reach the Reader.
func (c *loadBenchChain) sharedScheduler() (*scheduler.Scheduler, sharedState) {
	var count load.Counter
	budget := int64(c.chain.Sections) * 2048 * e2e.SectionSize / 8 / loadCacheShare
	sched, err := scheduler.New(count.Wrap(c.src), e2e.SectionSize, scheduler.Config{CacheBytes: budget})
	if err != nil {
		panic(err) // a fixed, valid section size and budget
	}
	return sched, sharedState{
		counts: count.Counts,
		probe: func() error {
			if st := sched.Stats(); st.Bytes > budget || st.Budget != budget {
				return fmt.Errorf("scheduler cache holds %d bytes, budget %d (Stats says %d)", st.Bytes, budget, st.Budget)
			}
			return nil
		},
	}
}
