// Package load drives many concurrent log queries' bloom stage at once, as the
// clients of an RPC node do: a deterministic Zipf mix over about a thousand
// filters whose clauses occur in the chain, over recent and full ranges. The
// benchmark in bench/load_bench_test.go runs it against go-ethereum and
// bloomsimd's query paths on the e2e Pebble chain.
package load

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/bloomsimd/bloomsimd/bench/internal/e2e"
)

// The mix.
const (
	// NumFilters is the number of distinct filters the queries draw from.
	NumFilters = 1000
	// ZipfS is the Zipf exponent of the filters' popularity: the most popular
	// filter takes about 18% of the queries, the ten most popular about half.
	ZipfS = 1.1
	// Seed makes every run draw the same filters and queries.
	Seed = 15
)

// Range is a block range a query asks for, relative to the chain's head.
type Range struct {
	Name   string
	Blocks uint64  // the last Blocks blocks; 0 for the full range
	Share  float64 // fraction of the queries asking for it
}

// Ranges are the query ranges and their shares. Most eth_getLogs calls ask for
// recent blocks (providers cap the range); every tenth reads the whole history,
// which is what puts a shared cache under scan pressure.
var Ranges = []Range{
	{"last1k", 1_000, 0.6},
	{"last10k", 10_000, 0.3},
	{"full", 0, 0.1},
}

// Query is one eth_getLogs bloom stage: filter Filter over blocks Begin..End.
type Query struct {
	Filter     int // index into Workload.Filters, which is also its popularity rank
	Range      int // index into Ranges
	Begin, End uint64
}

// Workload is the filters and the chain length the queries are drawn over.
type Workload struct {
	Filters []e2e.Filter // by popularity, most popular first
	Head    uint64       // the chain's last block
}

// New returns the workload over a chain of sections sections built from the
// blooms all (e2e.Build's chain).
//
// The blooms do not say which contracts they hold, so addresses, event
// signatures and indexed arguments are deterministic candidates, each kept only
// if its three bits are in at least one of the blooms: it occurs in the chain.
// Addresses are ranked by how many blooms hold them, and the most popular
// filters get the most frequent addresses, as the busiest contracts are the
// ones queried most. Event signatures include the real Transfer and Approval.
//
// Filter shapes, as eth_getLogs callers use them: an address (35%); an address
// and an event (30%); an address, an event and an indexed argument (10%); 2 to
// 10 addresses and an event (10%); an event and an indexed argument of any
// contract (15%). Each filter has an address or an argument no other filter
// has as its first, so the filters are distinct.
func New(all [][256]byte, sections uint64) (*Workload, error) {
	if sections == 0 {
		return nil, fmt.Errorf("load: a chain of no sections")
	}
	addrs := occurring(all, "address", 20, 4*NumFilters)
	events := append([][]byte{e2e.TransferTopic, e2e.ApprovalTopic}, occurring(all, "event", 32, 30)...)
	args := occurring(all, "argument", 32, NumFilters)
	if len(addrs) < NumFilters+10 || len(args) < NumFilters {
		return nil, fmt.Errorf("load: only %d addresses and %d arguments of the candidates occur in the blooms", len(addrs), len(args))
	}
	rng := rand.New(rand.NewPCG(Seed, 1))
	event := func() []byte {
		switch x := rng.Float64(); {
		case x < 0.5:
			return events[0] // Transfer
		case x < 0.7:
			return events[1] // Approval
		default:
			return events[2+rng.IntN(len(events)-2)]
		}
	}
	w := &Workload{Filters: make([]e2e.Filter, NumFilters), Head: sections*e2e.SectionSize - 1}
	for rank := range w.Filters {
		addr := addrs[rank]
		var clauses [][][]byte
		switch x := rng.Float64(); {
		case x < 0.35:
			clauses = [][][]byte{{addr}}
		case x < 0.65:
			clauses = [][][]byte{{addr}, {event()}}
		case x < 0.75:
			clauses = [][][]byte{{addr}, {event()}, {args[rank]}}
		case x < 0.85:
			group := [][]byte{addr}
			for range 1 + rng.IntN(9) {
				group = append(group, addrs[NumFilters+rng.IntN(len(addrs)-NumFilters)])
			}
			clauses = [][][]byte{group, {event()}}
		default:
			clauses = [][][]byte{{event()}, {args[rank]}}
		}
		w.Filters[rank] = e2e.Filter{Name: fmt.Sprintf("load%d", rank), Clauses: clauses}
	}
	return w, nil
}

// occurring returns up to k deterministic size-byte candidates named what that
// occur in at least one of the blooms, the most frequent first.
func occurring(all [][256]byte, what string, size, k int) [][]byte {
	type cand struct {
		clause []byte
		count  int
	}
	var cands []cand
	for i := range 4 * k {
		c := crypto.Keccak256([]byte(fmt.Sprintf("bloomsimd load %s %d", what, i)))[:size]
		if n := e2e.Occurrences(all, c); n > 0 {
			cands = append(cands, cand{c, n})
		}
	}
	slices.SortStableFunc(cands, func(a, b cand) int { return cmp.Compare(b.count, a.count) })
	out := make([][]byte, 0, k)
	for _, c := range cands[:min(k, len(cands))] {
		out = append(out, c.clause)
	}
	return out
}

// Queries returns n queries drawn from the mix with the given seed: the filter
// by Zipf rank, the range by share.
func (w *Workload) Queries(seed uint64, n int) []Query {
	rng := rand.New(rand.NewPCG(Seed, seed))
	zipf := rand.NewZipf(rng, ZipfS, 1, uint64(len(w.Filters)-1))
	out := make([]Query, n)
	for i := range out {
		q := Query{Filter: int(zipf.Uint64())}
		x := rng.Float64()
		for q.Range = 0; q.Range < len(Ranges)-1 && x >= Ranges[q.Range].Share; q.Range++ {
			x -= Ranges[q.Range].Share
		}
		q.Begin, q.End = w.bounds(Ranges[q.Range])
		out[i] = q
	}
	return out
}

// bounds returns the first and last block of r.
func (w *Workload) bounds(r Range) (begin, end uint64) {
	if r.Blocks == 0 || r.Blocks > w.Head {
		return 0, w.Head
	}
	return w.Head - r.Blocks + 1, w.Head
}
