package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/bloomsimd/bloomsimd/bench/internal/e2e"
	"github.com/bloomsimd/bloomsimd/bitops"
	"github.com/bloomsimd/bloomsimd/internal/cpu"
	"github.com/bloomsimd/bloomsimd/matcher"
)

// The matcher benchmarks match a filter over matcherSections sections of in-memory
// vectors. Both matchers are served the way go-ethereum's node serves them
// (eth/bloombits.go and eth/api_backend.go, the constants of package e2e):
// e2e.ServiceThreads goroutines answer one chan chan *Retrieval, e2e.FilterThreads
// Multiplex goroutines per session, batch e2e.RetrievalBatch, wait 0. A fresh
// Matcher per iteration, so nothing is cached.
// go-ethereum has no direct path: its api=scan rows run the same Multiplex
// pipeline as its api=multiplex rows, so that benchstat lines Scan up against it.
const (
	matcherSectionSize = 4096
	matcherSections    = 512
	matcherEnd         = matcherSections*matcherSectionSize - 1 // the last block
)

type matcherCase struct {
	name    string
	filters [][][]byte
	store   *vectorStore
}

var (
	matcherOnce  sync.Once
	matcherCases []matcherCase
)

// matcherBenchCases: a 1-address + 1-topic and a 10-address + 2-topic filter, over
// sparse (5% of bits set, like early history) and dense (45%, like mainnet since
// 2020) random vectors.
func matcherBenchCases() []matcherCase {
	matcherOnce.Do(func() {
		rng := rand.New(rand.NewPCG(1, 2))
		for _, f := range []struct {
			name          string
			addrs, topics int
		}{{"1addr1topic", 1, 1}, {"10addr2topic", 10, 2}} {
			filters := randomFilters(rng, f.addrs, f.topics)
			for _, d := range []struct {
				name    string
				density float64
			}{{"sparse", 0.05}, {"dense", 0.45}} {
				store := newRandomStore(rng.Uint64(), matcherSectionSize, matcherSections, filterBits(filters), d.density)
				matcherCases = append(matcherCases, matcherCase{fmt.Sprintf("filter=%s/density=%s", f.name, d.name), filters, store})
			}
		}
	})
	return matcherCases
}

func BenchmarkMatcher(b *testing.B) {
	cases := matcherBenchCases()
	for _, api := range []string{"multiplex", "scan"} {
		for _, c := range cases {
			b.Run("impl=geth/api="+api+"/"+c.name, func(b *testing.B) {
				benchMultiplex(b, c, c.store.serveGeth, gethStart(matcherSectionSize, c.filters, 0, matcherEnd))
			})
		}
	}
	for _, impl := range bitops.Implementations() {
		restore, err := cpu.Set(impl)
		if err != nil {
			b.Fatal(err)
		}
		for _, c := range cases {
			b.Run("impl="+impl+"/api=multiplex/"+c.name, func(b *testing.B) {
				benchMultiplex(b, c, c.store.serveOurs, ourStart(matcherSectionSize, c.filters, 0, matcherEnd))
			})
		}
		for _, c := range cases {
			b.Run("impl="+impl+"/api=scan/"+c.name, func(b *testing.B) { benchOurScan(b, c) })
		}
		restore()
	}
}

func reportMatcherSections(b *testing.B, matches int) {
	b.Helper()
	b.ReportMetric(float64(matcherSections)*float64(b.N)/b.Elapsed().Seconds(), "sections/s")
	b.ReportMetric(float64(matches), "matches")
}

// benchMultiplex times queries of sessions that start starts over all the
// sections, served by e2e.ServiceThreads servers that serve starts.
func benchMultiplex[R any, S e2e.Session[R]](b *testing.B, c matcherCase, serve func(int, chan chan *R, chan struct{}, *sync.WaitGroup), start func(chan uint64) (S, error)) {
	mux := make(chan chan *R)
	quit := make(chan struct{})
	var wg sync.WaitGroup
	serve(e2e.ServiceThreads, mux, quit, &wg)
	defer func() { close(quit); wg.Wait() }()
	served := c.store.requests.Load()
	b.ReportAllocs()
	var matches []uint64
	for b.Loop() {
		var err error
		if matches, err = e2e.MultiplexQuery(start, mux, matches[:0]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(c.store.requests.Load()-served)/float64(b.N), "retrievals/op")
	reportMatcherSections(b, len(matches))
}

func benchOurScan(b *testing.B, c matcherCase) {
	b.ReportAllocs()
	matches := 0
	for b.Loop() {
		m := matcher.NewMatcher(matcherSectionSize, c.filters)
		matches = 0
		err := m.Scan(context.Background(), 0, matcherEnd, c.store, func(uint64) bool {
			matches++
			return true
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	reportMatcherSections(b, matches)
}
