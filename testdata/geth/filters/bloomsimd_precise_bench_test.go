// bloomsimd's precise log index in the full eth_getLogs benchmark (added to
// go-ethereum's eth/filters by scripts/gethcopy.sh): the node bench chains of
// bloomsimd_bench_test.go, their indexed sections also in the precise index
// (index.Backfill from the receipts, resumed on a cached chain) and their
// unindexed tail in its live part (fed from the receipts), queried as
// go-ethereum ships, on the Scan path, and with the precise index
// (bloomsimd-adopt -precise). Run: scripts/gethcopy.sh bench with
// BENCH=BloomSIMDPreciseGetLogs; BENCH=BloomSIMDPreciseFollow for the live
// part's cost per new head.

package filters

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethdb"
)

// openPreciseIndex backfills the precise index of db's sections (a no-op for
// the sections a previous run indexed) and feeds its live part with the
// unindexed tail up to head, as the adopted node does.
func openPreciseIndex(b *testing.B, db ethdb.Database, sections, head uint64) *preciseIndex {
	p := newPreciseIndex(b, db, [16]byte{'b', 'e', 'n', 'c', 'h'})
	start := time.Now()
	if pr := backfillPrecise(b, db, p.reader, sections); pr.Indexed > 0 {
		b.Logf("precise index: %d sections backfilled in %v (%d already covered)", pr.Indexed, time.Since(start), pr.Covered)
	}
	start = time.Now()
	if err := p.follow(head, sections*e2eSectionSize); err != nil {
		b.Fatal(err)
	}
	b.Logf("precise live part: %d blocks followed in %v", head+1-sections*e2eSectionSize, time.Since(start))
	return p
}

func BenchmarkBloomSIMDPreciseGetLogs(b *testing.B) {
	sections := benchSections()
	filters := benchFilters
	for _, spec := range benchChains {
		b.Run("chain="+spec.name, func(b *testing.B) {
			db, head, reader := openBenchIndex(b, spec, sections)
			precise := openPreciseIndex(b, db, sections, head)
			configs := newConfigs(b, db, func() uint64 { return sections }, reader)
			scan := configs[2]
			pb := &preciseBackend{scanBackend: &scanBackend{dropinBackend: &dropinBackend{e2eBackend: scan.backend}, src: reader}, precise: precise}
			configs = append([]e2eConfig{configs[0], scan}, e2eConfig{"precise", func(ctx context.Context, begin, end int64, addrs []common.Address, topics [][]common.Hash) ([]*types.Log, error) {
				return NewFilterSystem(pb, Config{}).NewRangeFilter(begin, end, addrs, topics).Logs(ctx)
			}, scan.backend, true})
			ranges := benchRanges(head)
			for _, f := range filters {
				for _, r := range ranges {
					if spec.name == "dense" && f.name == "busy" && r.name == "full" {
						continue // as BenchmarkBloomSIMDGetLogs: minutes per run for go-ethereum
					}
					want := -1
					for _, c := range configs {
						b.Run(fmt.Sprintf("filter=%s/range=%s/impl=%s", f.name, r.name, c.name), func(b *testing.B) {
							clock := new(queryClock)
							c.backend.clock = clock
							defer func() { c.backend.clock = nil }()
							timeQuery(b, clock, sections*e2eSectionSize, &want, func() ([]*types.Log, error) {
								return c.logs(context.Background(), r.begin, r.end, f.addrs, f.topics)
							})
						})
					}
				}
			}
		})
	}
}

// BenchmarkBloomSIMDPreciseFollow is the adopted node's cost per new head for
// the precise live part: the head's receipts read and decoded, its log values
// hashed to positions, and index.PreciseLive.Follow (one block on the tip).
// It feeds the bench chains' tail, block after block, into a new live part.
func BenchmarkBloomSIMDPreciseFollow(b *testing.B) {
	sections := benchSections()
	for _, spec := range benchChains {
		b.Run("chain="+spec.name, func(b *testing.B) {
			db, head := openBenchChain(b, spec, sections)
			p := newPreciseIndex(b, db, [16]byte{'b', 'e', 'n', 'c', 'h'})
			from := sections * e2eSectionSize
			values := 0
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				number := from + uint64(i)%(head+1-from)
				if number == from { // start over at the tail's first block
					b.StopTimer()
					p = newPreciseIndex(b, db, [16]byte{'b', 'e', 'n', 'c', 'h'})
					b.StartTimer()
				}
				if err := p.follow(number, from); err != nil {
					b.Fatal(err)
				}
				values += len(p.values)
			}
			b.ReportMetric(float64(values)/float64(b.N), "values/block")
		})
	}
}
