package bench

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"testing"

	"github.com/bloomsimd/bloomsimd/bench/internal/e2e"
	"github.com/bloomsimd/bloomsimd/bench/internal/load"
	"github.com/bloomsimd/bloomsimd/internal/blooms"
)

// loadClients are the numbers of concurrent clients BenchmarkLoad runs.
var loadClients = []int{1, 8, 64}

// loadWarmQueries is how many queries of the mix (another draw, from 64
// clients) warm a shared scheduler before its path's first timed run: a node's
// scheduler lives as long as the node, so the timed queries meet a cache in
// its steady state. The cache (a quarter of the chain's vectors, about 27,000)
// fills after about 3,000 queries; after 256 the timed runs measured mostly its
// warm-up.
const loadWarmQueries = 3000

// loadWarmSeed draws the warm-up queries; the timed runs' draws are seeds 1,
// 2, 3, ...: one per run, in the order the runs come.
const loadWarmSeed = 1000

// loadBenchSections reads BLOOMSIMD_LOAD_SECTIONS: the load chain's length in
// sections (default 64, 262,144 blocks: the full-range queries of a thousand
// filters at three client counts and six runs fit make bench's time; the
// vectors, 64 MiB raw, still exceed the shared cache's budget).
func loadBenchSections() (uint64, error) {
	s := os.Getenv("BLOOMSIMD_LOAD_SECTIONS")
	if s == "" {
		return 64, nil
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n < 3 {
		return 0, fmt.Errorf("BLOOMSIMD_LOAD_SECTIONS=%q: want a number of sections, at least 3", s)
	}
	return n, nil
}

// BenchmarkLoad runs many clients' log queries at once on one node: the bloom
// stage over the end-to-end Pebble chain, as BenchmarkEndToEnd measures one
// (matches go to the client; receipts are out of scope). Each client issues
// the next query of a deterministic draw from the load mix (internal/load:
// a Zipf mix, s = 1.1, over 1,000 filters whose clauses occur in the chain; 60%
// of the queries over the last 1,000 blocks, 30% the last 10,000, 10% the
// whole chain) as soon as its previous one is answered. One op is one query:
// ns/op is the wall time per query of the whole node (1/throughput).
//
// Metrics: queries/s; p50-ns and p99-ns, the latency of one query as its client
// sees it; reads/query, the Source reads (each one bit over a run of sections;
// go-ethereum's servers do a point lookup per vector) that reached storage,
// counted by a wrapper around the Source; vectors/query, the vectors those
// reads returned; candidates/query, the blocks the bloom stage returned
// (the same draw, so the same figure, for every path); peak-heap-B, the most
// heap bytes in objects sampled every 2 ms during the run, after a GC;
// cpu-ns/op, the process's CPU time per query (on a loaded machine ns/op also
// counts waits for a core).
//
// Each client tallies a query's matches as they arrive (load.Tally: a count, a
// sum of mixed block numbers and their order), keeping no list. Every query's
// Answer is checked, after the timed run, against Scan's over a fresh
// Snapshot, computed once per filter and range before the run.
func BenchmarkLoad(b *testing.B) {
	var bc loadBenchChain
	bc.sections = loadBenchSections
	b.Cleanup(bc.close)
	for _, cfg := range loadPaths {
		// One node per path serves all its client counts, as a node outlives
		// its clients: a shared scheduler is warmed once, before the first.
		var node *loadNode
		draws := uint64(0) // the runs so far on node, each with its own draw
		for _, clients := range loadClients {
			b.Run(fmt.Sprintf("impl=%s/clients=%d", cfg.name, clients), func(b *testing.B) {
				c := bc.getLoad(b)
				ctx := context.Background()
				if node == nil {
					node = cfg.start(c)
					if node.warm {
						warm := c.load.Queries(loadWarmSeed, loadWarmQueries)
						if _, err := load.Run(ctx, loadClients[len(loadClients)-1], warm, node.query, node.probe); err != nil {
							b.Fatal(err)
						}
					}
				}
				// A new draw for every run (-count repeats a run on the same
				// node), the same sequence on every path: the node has answered
				// the draws before it, as a node's cache has seen the queries
				// before the ones it answers now.
				draws++
				queries := c.load.Queries(draws, b.N)
				for _, q := range queries {
					c.loadAnswer(b, q) // the references, before the clock starts
				}
				reads0, vectors0 := node.counts()
				runtime.GC()
				cpu0, cpuOK := processCPU()
				b.ResetTimer()
				res, err := load.Run(ctx, clients, queries, node.query, node.probe)
				b.StopTimer()
				cpu1, cpuOK1 := processCPU()
				if err != nil {
					b.Fatal(err)
				}
				reads1, vectors1 := node.counts()
				for i, q := range queries {
					if want := c.loadAnswer(b, q); res.Answers[i] != want {
						b.Fatalf("query %d (%+v): %+v, Scan over a Snapshot %+v", i, q, res.Answers[i], want)
					}
				}
				n := float64(b.N)
				b.ReportMetric(float64(res.Elapsed.Nanoseconds())/n, "ns/op") // the queries alone, not Run's setup
				b.ReportMetric(n/res.Elapsed.Seconds(), "queries/s")
				b.ReportMetric(float64(res.Percentile(0.50).Nanoseconds()), "p50-ns")
				b.ReportMetric(float64(res.Percentile(0.99).Nanoseconds()), "p99-ns")
				b.ReportMetric(float64(reads1-reads0)/n, "reads/query")
				b.ReportMetric(float64(vectors1-vectors0)/n, "vectors/query")
				b.ReportMetric(float64(res.PeakHeap), "peak-heap-B")
				blocks := 0
				for _, a := range res.Answers {
					blocks += a.Blocks
				}
				b.ReportMetric(float64(blocks)/n, "candidates/query")
				if cpuOK && cpuOK1 {
					b.ReportMetric(float64(cpu1-cpu0)/n, "cpu-ns/op")
				}
			})
		}
		if node != nil {
			node.stop()
		}
	}
}

// loadBenchChain is the benchmark chain with the load workload over it and
// the reference answers of its queries.
type loadBenchChain struct {
	e2eBenchChain
	load *load.Workload
	refs map[[2]int]load.Answer // by filter and range
}

// getLoad is get, with the workload.
func (c *loadBenchChain) getLoad(b *testing.B) *loadBenchChain {
	c.get(b)
	if c.load == nil {
		all, err := blooms.Load()
		if err != nil {
			b.Fatal(err)
		}
		if c.load, err = load.New(all, c.chain.Sections); err != nil {
			b.Fatal(err)
		}
		c.refs = map[[2]int]load.Answer{}
	}
	return c
}

// loadFilter returns the clauses of q's filter.
func (c *loadBenchChain) loadFilter(q load.Query) [][][]byte { return c.load.Filters[q.Filter].Clauses }

// loadAnswer returns the reference answer of q: Scan's over a fresh Snapshot.
func (c *loadBenchChain) loadAnswer(b *testing.B, q load.Query) load.Answer {
	key := [2]int{q.Filter, q.Range}
	if a, ok := c.refs[key]; ok {
		return a
	}
	blocks, err := e2e.OurScanQuery(context.Background(), c.src.Snapshot(), c.loadFilter(q), q.Begin, q.End, nil)
	if err != nil {
		b.Fatal(err)
	}
	a := load.AnswerOf(blocks)
	c.refs[key] = a
	return a
}
