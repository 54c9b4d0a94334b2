package bench

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"

	"github.com/ethereum/go-ethereum/core"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethdb"

	"github.com/bloomsimd/bloomsimd/bench/internal/e2e"
	"github.com/bloomsimd/bloomsimd/bitops"
	"github.com/bloomsimd/bloomsimd/index"
	"github.com/bloomsimd/bloomsimd/internal/blooms"
	"github.com/bloomsimd/bloomsimd/internal/cpu"
)

// e2eBenchSections reads BLOOMSIMD_E2E_SECTIONS: the benchmark chain's length in
// sections (default 256, about a million blocks; at least 10).
func e2eBenchSections() (uint64, error) {
	s := os.Getenv("BLOOMSIMD_E2E_SECTIONS")
	if s == "" {
		return 256, nil
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n < 10 {
		return 0, fmt.Errorf("BLOOMSIMD_E2E_SECTIONS=%q: want a number of sections, at least 10", s)
	}
	return n, nil
}

// e2eBenchChain is the benchmark chain, built on first use by the first
// end-to-end benchmark that runs (so a plain go test never builds it) and removed
// when BenchmarkEndToEnd finishes. go-ethereum's BloomIndexer writes its index.
// BLOOMSIMD_E2E_HEADERS=1 stores the full headers too (about twice the build time;
// the queries read only canonical hashes and the index).
type e2eBenchChain struct {
	once  sync.Once
	dir   string // holds the database; removed on close and on interrupt
	stop  func() // stops the interrupt handler
	chain *e2e.Chain
	src   *index.Reader
	err   error
	want  map[string][]uint64 // go-ethereum's result per filter/range
	// sections returns the chain length; nil for e2eBenchSections.
	sections func() (uint64, error)
}

func (c *e2eBenchChain) get(b *testing.B) *e2eBenchChain {
	c.once.Do(func() {
		if c.sections == nil {
			c.sections = e2eBenchSections
		}
		n, err := c.sections()
		if err != nil {
			c.err = err
			return
		}
		if c.dir, c.err = os.MkdirTemp("", "bloomsimd-e2e-bench-"); c.err != nil {
			return
		}
		c.stop = e2eRemoveOnInterrupt(c.dir)
		c.chain, c.err = e2e.Build(e2e.Options{
			Sections: n,
			Headers:  os.Getenv("BLOOMSIMD_E2E_HEADERS") == "1",
			Indexer:  e2e.GethSteps,
			Progress: os.Stderr,
			Dir:      c.dir,
		})
		if c.err == nil {
			c.src, c.err = index.NewReader(c.chain.DB, e2e.SectionSize)
		}
		c.want = map[string][]uint64{}
	})
	if c.err != nil {
		b.Fatal(c.err)
	}
	return c
}

func (c *e2eBenchChain) close() {
	if c.chain != nil {
		c.chain.Close()
	}
	if c.dir != "" {
		c.stop()
		os.RemoveAll(c.dir)
	}
}

// e2eRemoveOnInterrupt removes dir if the benchmarks are interrupted (^C while
// make bench runs), so that the few hundred MB of the chain do not stay behind.
func e2eRemoveOnInterrupt(dir string) (stop func()) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-sig:
			os.RemoveAll(dir)
			fmt.Fprintf(os.Stderr, "e2e: %v: removed %s\n", s, dir)
			os.Exit(1)
		case <-done:
		}
	}()
	return func() {
		signal.Stop(sig)
		close(done)
	}
}

// BenchmarkEndToEnd times one log query's bloom stage over the Pebble chain
// database, per query (ns/op) and as sections/s, with its candidate blocks (the
// blocks the bloom stage returns) as a metric:
//   - api=multiplex: go-ethereum's Matcher served as a node serves it
//     (eth/bloombits.go: a point lookup per vector), and our Matcher through
//     the same servers;
//   - api=dropin: a node with our matcher swapped in and its bloom servers
//     replaced by matcher.ServeRetrievals over the iterator-backed Source; the
//     impl=geth rows repeat go-ethereum's api=multiplex query as the baseline,
//     and impl=sendfloor sends the candidates through the results channel
//     (ResultsBuffer) to a reader and does nothing else: the floor any
//     Matcher-API path pays, one channel send per candidate;
//   - api=scan: our Scan over an index.Reader Snapshot of the database, one per
//     query as a node's indexedLogs takes it (go-ethereum's rows repeat its
//     Multiplex query).
//
// cpu-ns/op is the CPU time of the whole process (all goroutines, the garbage
// collector included) per query: on a loaded machine, ns/op also counts the
// waits for a core at each goroutine hand-off, which cpu-ns/op does not.
//
// Every query's block list is checked against go-ethereum's before it is timed.
func BenchmarkEndToEnd(b *testing.B) {
	var bc e2eBenchChain
	b.Cleanup(bc.close)
	all, err := blooms.Load()
	if err != nil {
		b.Fatal(err)
	}
	filters := e2e.Filters(all)
	n, err := e2eBenchSections()
	if err != nil {
		b.Fatal(err)
	}
	ranges := []struct {
		name            string
		first, sections uint64 // the last 10 sections: the recent history a node serves most
	}{{"full", 0, n}, {"10sections", n - 10, 10}}
	// A query appends the blocks of begin..end matching filter to dst; want is
	// go-ethereum's answer.
	type query func(c *e2eBenchChain, ctx context.Context, filter [][][]byte, begin, end uint64, want, dst []uint64) ([]uint64, error)
	geth := func(c *e2eBenchChain, ctx context.Context, filter [][][]byte, begin, end uint64, _, dst []uint64) ([]uint64, error) {
		return c.chain.GethQuery(ctx, filter, begin, end, dst)
	}
	multiplex := func(c *e2eBenchChain, ctx context.Context, filter [][][]byte, begin, end uint64, _, dst []uint64) ([]uint64, error) {
		return c.chain.OurMultiplexQuery(ctx, filter, begin, end, dst)
	}
	dropin := func(c *e2eBenchChain, ctx context.Context, filter [][][]byte, begin, end uint64, _, dst []uint64) ([]uint64, error) {
		return c.chain.DropInQuery(ctx, c.src, filter, begin, end, dst)
	}
	sendFloor := func(_ *e2eBenchChain, _ context.Context, _ [][][]byte, _, _ uint64, want, dst []uint64) ([]uint64, error) {
		results := make(chan uint64, e2e.ResultsBuffer)
		go func() {
			for _, block := range want {
				results <- block
			}
			close(results)
		}()
		for block := range results {
			dst = append(dst, block)
		}
		return dst, nil
	}
	scan := func(c *e2eBenchChain, ctx context.Context, filter [][][]byte, begin, end uint64, _, dst []uint64) ([]uint64, error) {
		return e2e.OurScanQuery(ctx, c.src.Snapshot(), filter, begin, end, dst) // a Snapshot per query, as a node's indexedLogs
	}
	run := func(impl, api string, q query) {
		for _, f := range filters {
			for _, r := range ranges {
				name := fmt.Sprintf("filter=%s/range=%s", f.Name, r.name)
				b.Run(fmt.Sprintf("impl=%s/api=%s/%s", impl, api, name), func(b *testing.B) {
					c := bc.get(b)
					ctx := context.Background()
					begin, end := r.first*e2e.SectionSize, (r.first+r.sections)*e2e.SectionSize-1
					want, ok := c.want[name]
					if !ok {
						if want, err = c.chain.GethQuery(ctx, f.Clauses, begin, end, nil); err != nil {
							b.Fatal(err)
						}
						c.want[name] = want
					}
					got, err := q(c, ctx, f.Clauses, begin, end, want, nil)
					if err != nil {
						b.Fatal(err)
					}
					if !slices.Equal(got, want) {
						b.Fatalf("%d blocks, go-ethereum %d", len(got), len(want))
					}
					b.ReportAllocs()
					cpu0, cpuOK := processCPU()
					b.ResetTimer()
					for range b.N {
						if got, err = q(c, ctx, f.Clauses, begin, end, want, got[:0]); err != nil {
							b.Fatal(err)
						}
					}
					b.StopTimer()
					b.ReportMetric(float64(r.sections)*float64(b.N)/b.Elapsed().Seconds(), "sections/s")
					b.ReportMetric(float64(len(want)), "candidates")
					if cpu1, ok := processCPU(); ok && cpuOK {
						b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
					}
				})
			}
		}
	}
	run("geth", "multiplex", geth)
	run("geth", "dropin", geth)
	run("sendfloor", "dropin", sendFloor)
	run("geth", "scan", geth)
	for _, impl := range bitops.Implementations() {
		restore, err := cpu.Set(impl)
		if err != nil {
			b.Fatal(err)
		}
		run(impl, "multiplex", multiplex)
		run(impl, "dropin", dropin)
		run(impl, "scan", scan)
		restore()
	}
}

// BenchmarkIndexWrite times indexing one section of real blooms into a Pebble
// database as a node's ChainIndexer drives its backend (Reset, Process per
// header, Commit): go-ethereum's BloomIndexer against our BloomIndexer
// (e2e/bloomindexer.go: index.Writer, rotate + compress, into one reused batch). Each iteration indexes the next section, as a syncing
// node does (after two untimed ones, so that even -benchtime 1x times a warm
// database). ns/op is per section; B/s counts the blooms read. Besides the
// rotation and compression, the two differ in one thing a node's indexer does:
// go-ethereum's Process hashes every header (about 9 ms per section here), ours
// only the section's last one, whose hash the index keys need.
func BenchmarkIndexWrite(b *testing.B) {
	all, err := blooms.Load()
	if err != nil {
		b.Fatal(err)
	}
	// Section s indexes template s%len(templates), renumbered to blocks of s.
	templates := e2e.MakeHeaders(all, 4)
	renumber := func(s uint64) []*types.Header {
		headers := templates[s%uint64(len(templates))]
		for i, h := range headers {
			h.Number.SetUint64(s*e2e.SectionSize + uint64(i))
		}
		return headers
	}
	bench := func(b *testing.B, newBackend func(db ethdb.Database) (core.ChainIndexerBackend, error)) {
		db, err := e2e.OpenDB(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		backend, err := newBackend(db)
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		const warm = 2
		for s := range uint64(warm) {
			if err := e2e.IndexSection(ctx, backend, s, renumber(s)); err != nil {
				b.Fatal(err)
			}
		}
		b.SetBytes(e2e.SectionSize * types.BloomByteLength)
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			s := uint64(warm + i)
			b.StopTimer()
			headers := renumber(s)
			b.StartTimer()
			if err := e2e.IndexSection(ctx, backend, s, headers); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("impl=geth", func(b *testing.B) {
		bench(b, func(db ethdb.Database) (core.ChainIndexerBackend, error) { return e2e.NewGethIndexer(db) })
	})
	for _, impl := range bitops.Implementations() {
		restore, err := cpu.Set(impl)
		if err != nil {
			b.Fatal(err)
		}
		b.Run("impl="+impl, func(b *testing.B) {
			bench(b, func(db ethdb.Database) (core.ChainIndexerBackend, error) { return e2e.NewOurIndexer(db), nil })
		})
		restore()
	}
}
