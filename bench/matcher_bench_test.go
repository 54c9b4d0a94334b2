package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/ethereum/go-ethereum/core/bloombits"
)

const (
	benchSectionSize = 4096
	benchSections    = 512
	serverThreads    = 16 // eth/bloombits.go bloomServiceThreads
	filterThreads    = 3  // bloomFilterThreads
	retrievalBatch   = 16 // bloomRetrievalBatch
)

type benchCase struct {
	name    string
	filters [][][]byte
	store   *vectorStore
}

var (
	benchOnce  sync.Once
	benchCases []benchCase
)

func matcherBenchCases() []benchCase {
	benchOnce.Do(func() {
		rng := rand.New(rand.NewPCG(1, 2))
		for _, f := range []struct {
			name           string
			addrs, topics int
		}{{"1addr1topic", 1, 1}, {"10addr2topic", 10, 2}} {
			filters := randomFilters(rng, f.addrs, f.topics)
			for _, d := range []struct {
				name    string
				density float64
			}{{"sparse", 0.05}, {"dense", 0.45}} {
				store := newRandomStore(rng.Uint64(), benchSectionSize, benchSections, filterBits(filters), d.density)
				benchCases = append(benchCases, benchCase{fmt.Sprintf("filter=%s/density=%s", f.name, d.name), filters, store})
			}
		}
	})
	return benchCases
}

func BenchmarkMatcher(b *testing.B) {
	for _, c := range matcherBenchCases() {
		b.Run("impl=geth/api=multiplex/"+c.name, func(b *testing.B) { benchGethMultiplex(b, c) })
	}
}

func reportSections(b *testing.B, sections uint64) {
	b.ReportMetric(float64(sections)*float64(b.N)/b.Elapsed().Seconds(), "sections/s")
}

func benchGethMultiplex(b *testing.B, c benchCase) {
	mux := make(chan chan *bloombits.Retrieval)
	quit := make(chan struct{})
	var wg sync.WaitGroup
	c.store.serveGeth(serverThreads, mux, quit, &wg)
	defer func() { close(quit); wg.Wait() }()
	end := uint64(benchSections*benchSectionSize - 1)
	b.ReportAllocs()
	matches := 0
	for b.Loop() {
		m := bloombits.NewMatcher(benchSectionSize, c.filters)
		results := make(chan uint64, 64)
		session, err := m.Start(context.Background(), 0, end, results)
		if err != nil {
			b.Fatal(err)
		}
		for range filterThreads {
			go session.Multiplex(retrievalBatch, 0, mux)
		}
		matches = 0
		for range results {
			matches++
		}
		session.Close()
	}
	reportSections(b, benchSections)
	b.ReportMetric(float64(matches), "matches")
}
