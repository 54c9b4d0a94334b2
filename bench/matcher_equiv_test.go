package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/ethereum/go-ethereum/core/bloombits"

	"github.com/bloomsimd/bloomsimd/bench/internal/e2e"
	"github.com/bloomsimd/bloomsimd/internal/blooms"
	"github.com/bloomsimd/bloomsimd/internal/impltest"
	"github.com/bloomsimd/bloomsimd/matcher"
)

// gethMatches runs go-ethereum's Matcher over begin..end, served from store
// the way a node does.
func gethMatches(t *testing.T, store *vectorStore, filters [][][]byte, begin, end uint64) []uint64 {
	t.Helper()
	got, err := multiplexMatches(store.serveGeth, gethStart(store.sectionSize, filters, begin, end))
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// ourMatches is gethMatches for our Matcher.
func ourMatches(t *testing.T, store *vectorStore, filters [][][]byte, begin, end uint64) []uint64 {
	t.Helper()
	got, err := multiplexMatches(store.serveOurs, ourStart(store.sectionSize, filters, begin, end))
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// equivCase is one store with the filters to try on it.
type equivCase struct {
	name    string
	store   *vectorStore
	filters [][][][]byte
}

// equivCases builds stores of random vectors (sparse, dense, saturated) and of
// real blooms rotated into vectors, with random filters (some with wildcards and
// repeated clauses) whose bits they all cover.
func equivCases(t *testing.T, rounds int) []equivCase {
	rng := rand.New(rand.NewPCG(5, 6))
	var filterSets [][][][]byte
	for range rounds {
		var filters [][][]byte
		switch rng.IntN(4) {
		case 0:
			filters = randomFilters(rng, 1+rng.IntN(3), rng.IntN(3))
		case 1:
			filters = randomFilters(rng, 10, 2)
		case 2: // wildcards, an empty group and a repeated clause
			filters = randomFilters(rng, 2, 2)
			filters = append(filters, nil, [][]byte{}, [][]byte{randBytes(rng, 32), nil})
			filters[1] = append(filters[1], filters[1][0])
		default: // one address only
			filters = randomFilters(rng, 1, 0)
		}
		filterSets = append(filterSets, filters)
	}
	var bits []uint
	seen := map[uint]bool{}
	for _, f := range filterSets {
		for _, b := range filterBits(f) {
			if !seen[b] {
				seen[b] = true
				bits = append(bits, b)
			}
		}
	}
	section, sections := uint64(512), uint64(24)
	real, err := blooms.Load()
	if err != nil {
		t.Fatal(err)
	}
	return []equivCase{
		{"random-sparse", newRandomStore(1, section, sections, bits, 0.05), filterSets},
		{"random-dense", newRandomStore(2, section, sections, bits, 0.45), filterSets},
		{"random-saturated", newRandomStore(3, section, sections, bits, 1), filterSets},
		{"random-4096", newRandomStore(4, 4096, 4, bits, 0.3), filterSets},
		{"real-blooms", newBloomStore(section, sections, bits, real), filterSets},
	}
}

// Our Matcher (through Multiplex and Scan, with every kernel implementation)
// finds exactly go-ethereum's matches.
func TestMatcherEquivalence(t *testing.T) {
	rounds := 12
	if testing.Short() {
		rounds = 4
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for _, c := range equivCases(t, rounds) {
		t.Run(c.name, func(t *testing.T) {
			last := c.store.sections*c.store.sectionSize - 1
			total := 0
			for i, filters := range c.filters {
				begin := rng.Uint64N(last / 2)
				end := begin + rng.Uint64N(last-begin+1)
				if i == 0 {
					begin, end = 0, last
				}
				want := gethMatches(t, c.store, filters, begin, end)
				if ref := c.store.expected(filters, begin, end); !slices.Equal(want, ref) {
					t.Fatalf("filter %d: go-ethereum finds %d matches, the reference %d", i, len(want), len(ref))
				}
				total += len(want)
				impltest.Run(t, func(t *testing.T) {
					if got := ourMatches(t, c.store, filters, begin, end); !slices.Equal(got, want) {
						t.Fatalf("filter %d, %d..%d: Multiplex found %d matches, go-ethereum %d", i, begin, end, len(got), len(want))
					}
					var got []uint64
					m := matcher.NewMatcher(c.store.sectionSize, filters)
					err := m.Scan(context.Background(), begin, end, c.store, func(b uint64) bool {
						got = append(got, b)
						return true
					})
					if err != nil || !slices.Equal(got, want) {
						t.Fatalf("filter %d, %d..%d: Scan found %d matches (err %v), go-ethereum %d", i, begin, end, len(got), err, len(want))
					}
				})
			}
			t.Logf("%d filters agree on %d matches", len(c.filters), total)
		})
	}
}

// Both matchers report a retrieval error the same way: results closed, Error
// returning it.
func TestMatcherRetrievalErrorLikeGeth(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	filters := randomFilters(rng, 1, 1)
	boom := fmt.Errorf("boom")

	gethServe := func(n int, mux chan chan *bloombits.Retrieval, quit chan struct{}, wg *sync.WaitGroup) {
		e2e.Serve(n, mux, quit, wg, func(task *bloombits.Retrieval) { task.Error = boom })
	}
	ourServe := func(n int, mux chan chan *matcher.Retrieval, quit chan struct{}, wg *sync.WaitGroup) {
		e2e.Serve(n, mux, quit, wg, func(task *matcher.Retrieval) { task.Error = boom })
	}
	_, gerr := multiplexMatches(gethServe, gethStart(512, filters, 0, 8*512-1))
	_, oerr := multiplexMatches(ourServe, ourStart(512, filters, 0, 8*512-1))
	if gerr != boom || oerr != boom {
		t.Fatalf("errors: go-ethereum %v, ours %v", gerr, oerr)
	}
}
