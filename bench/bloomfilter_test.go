package bench

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/rawdb"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethdb"

	"github.com/bloomsimd/bloomsimd/internal/blooms"
	"github.com/bloomsimd/bloomsimd/matcher"
)

// gethBloomFilter is go-ethereum v1.14.13's eth/filters bloomFilter (unexported
// there), restated line for line: it hashes every address and topic again for
// every bloom it checks.
func gethBloomFilter(bloom types.Bloom, addresses []common.Address, topics [][]common.Hash) bool {
	if len(addresses) > 0 {
		var included bool
		for _, addr := range addresses {
			if types.BloomLookup(bloom, addr) {
				included = true
				break
			}
		}
		if !included {
			return false
		}
	}
	for _, sub := range topics {
		included := len(sub) == 0 // empty rule set == wildcard
		for _, topic := range sub {
			if types.BloomLookup(bloom, topic) {
				included = true
				break
			}
		}
		if !included {
			return false
		}
	}
	return true
}

// TestBloomFilterMatchesGeth compares matcher.BloomFilter with go-ethereum's
// bloomFilter on real and random blooms, with filters whose addresses and
// topics are partly in the bloom, empty topic positions and no addresses.
func TestBloomFilterMatchesGeth(t *testing.T) {
	real, err := blooms.Load()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	var matched, total int
	for i := range 5000 {
		var addrs []common.Address
		for range rng.IntN(4) {
			addrs = append(addrs, common.BytesToAddress([]byte{byte(rng.IntN(8)), 0xad}))
		}
		topics := make([][]common.Hash, rng.IntN(5))
		for p := range topics {
			for range rng.IntN(3) {
				topics[p] = append(topics[p], common.BytesToHash([]byte{byte(rng.IntN(8)), byte(p), 0x70}))
			}
		}
		var bloom types.Bloom
		switch i % 4 {
		case 0:
			bloom = types.Bloom(real[rng.IntN(len(real))])
		case 1:
			for j := range bloom {
				//lint:ignore SA4000 two independent random draws
				bloom[j] = byte(rng.Uint32()) | byte(rng.Uint32()) // about 75% set
			}
		default:
			for _, a := range addrs {
				if rng.IntN(2) == 0 {
					bloom.Add(a.Bytes())
				}
			}
			for _, sub := range topics {
				for _, h := range sub {
					if rng.IntN(3) > 0 {
						bloom.Add(h.Bytes())
					}
				}
			}
		}
		want := gethBloomFilter(bloom, addrs, topics)
		f := matcher.NewBloomFilter(addrs, topics) // go-ethereum's types, unconverted
		if got := f.Test(bloom); got != want {
			t.Fatalf("Test = %v, go-ethereum %v (addresses %v, topics %v)", got, want, addrs, topics)
		}
		total++
		if want {
			matched++
		}
	}
	if matched < total/10 || matched > total*9/10 {
		t.Fatalf("%d of %d matched: the cases do not exercise both answers", matched, total)
	}
}

// bloomFilterCases are the filters of the header-by-header benchmarks:
// go-ethereum's BenchmarkFilters filter (4 addresses), and a sparse one (one
// address AND one topic).
func bloomFilterCases() []struct {
	name      string
	addresses []common.Address
	topics    [][]common.Hash
} {
	return []struct {
		name      string
		addresses []common.Address
		topics    [][]common.Hash
	}{
		{"filter=4addr", []common.Address{
			common.BytesToAddress([]byte("addr1")), common.BytesToAddress([]byte("jeff")),
			common.BytesToAddress([]byte("ethereum")), common.BytesToAddress([]byte("random addresses please")),
		}, nil},
		{"filter=addr+topic", []common.Address{common.BytesToAddress([]byte("jeff"))},
			[][]common.Hash{{common.BytesToHash([]byte("Transfer"))}}},
	}
}

// BenchmarkBloomFilter checks the blooms of 2000 headers (the unindexed tail of
// a query) against a filter: go-ethereum's bloomFilter per header, against our
// BloomFilter made once for the query. Blooms: real ones (about 20% set), random
// ones 46% set, and empty ones (as most blocks of go-ethereum's BenchmarkFilters).
func BenchmarkBloomFilter(b *testing.B) {
	const headers = 2000
	sets := map[string][]types.Bloom{}
	real, err := blooms.Section(headers)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(46, 1))
	dense, empty := make([]types.Bloom, headers), make([]types.Bloom, headers)
	realB := make([]types.Bloom, headers)
	for i := range dense {
		realB[i] = real[i]
		for bit := range 2048 {
			if rng.IntN(100) < 46 {
				dense[i][255-bit/8] |= 1 << (bit % 8)
			}
		}
	}
	sets["blooms=real20"], sets["blooms=dense46"], sets["blooms=empty"] = realB, dense, empty
	for _, c := range bloomFilterCases() {
		for _, setName := range []string{"blooms=empty", "blooms=real20", "blooms=dense46"} {
			set := sets[setName]
			b.Run("impl=geth/"+c.name+"/"+setName, func(b *testing.B) {
				b.ReportAllocs()
				n := 0
				for b.Loop() {
					for _, bloom := range set {
						if gethBloomFilter(bloom, c.addresses, c.topics) {
							n++
						}
					}
				}
				b.ReportMetric(float64(n)/float64(b.N), "matches")
			})
			b.Run("impl=ours/"+c.name+"/"+setName, func(b *testing.B) {
				b.ReportAllocs()
				n := 0
				for b.Loop() {
					f := matcher.NewBloomFilter(c.addresses, c.topics) // once per query
					for _, bloom := range set {
						if f.Test(bloom) {
							n++
						}
					}
				}
				b.ReportMetric(float64(n)/float64(b.N), "matches")
			})
		}
	}
}

// BenchmarkUnindexedHeaders is the header-by-header part of go-ethereum's
// unindexedLogs, as its BenchmarkFilters (and go-ethereum#34779) measure it: for
// each block, the canonical hash, the header read and RLP decode from the
// database, then the bloom check; over 20,010 blocks (BenchmarkFilters has
// 100,010; the work per block is the same) whose blooms are empty but for four,
// with BenchmarkFilters' 4-address filter. Receipt reads of the four matches are
// left out: they cost the same on both sides.
func BenchmarkUnindexedHeaders(b *testing.B) {
	const blocks = 20010
	c := bloomFilterCases()[0]
	db := rawdb.NewMemoryDatabase()
	defer db.Close()
	writeHeaders(b, db, blocks, map[int]common.Address{
		2403: c.addresses[0], 1034: c.addresses[1], 34: c.addresses[2], 19999: c.addresses[3],
	})
	scan := func(b *testing.B, match func(*types.Header) bool) {
		b.ReportAllocs()
		for b.Loop() {
			found := 0
			for n := uint64(0); n < blocks; n++ {
				h := rawdb.ReadHeader(db, rawdb.ReadCanonicalHash(db, n), n)
				if h == nil {
					b.Fatalf("header %d missing", n)
				}
				if match(h) {
					found++
				}
			}
			if found != 4 {
				b.Fatalf("%d matches, want 4", found)
			}
		}
	}
	b.Run("impl=geth/"+c.name, func(b *testing.B) {
		scan(b, func(h *types.Header) bool { return gethBloomFilter(h.Bloom, c.addresses, c.topics) })
	})
	b.Run("impl=ours/"+c.name, func(b *testing.B) {
		f := matcher.NewBloomFilter(c.addresses, c.topics)
		scan(b, func(h *types.Header) bool { return f.Test(h.Bloom) })
	})
}

// writeHeaders stores a canonical chain of headers whose blooms are empty except
// for the blocks given, which hold a log of their address.
func writeHeaders(tb testing.TB, db ethdb.Database, blocks int, logs map[int]common.Address) {
	batch := db.NewBatch()
	parent := common.Hash{}
	for i := range blocks {
		h := &types.Header{ParentHash: parent, Number: big.NewInt(int64(i)), Difficulty: big.NewInt(1), GasLimit: 30_000_000, Extra: []byte(fmt.Sprint(i))}
		if a, ok := logs[i]; ok {
			h.Bloom.Add(a.Bytes())
		}
		rawdb.WriteHeader(batch, h)
		rawdb.WriteCanonicalHash(batch, h.Hash(), uint64(i))
		parent = h.Hash()
		if batch.ValueSize() > 1<<20 {
			if err := batch.Write(); err != nil {
				tb.Fatal(err)
			}
			batch.Reset()
		}
	}
	if err := batch.Write(); err != nil {
		tb.Fatal(err)
	}
}
