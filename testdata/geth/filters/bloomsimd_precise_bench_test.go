// bloomsimd's precise log index in the full eth_getLogs benchmark (added to
// go-ethereum's eth/filters by scripts/gethcopy.sh): the node bench chains of
// bloomsimd_bench_test.go, their indexed sections also in the precise index
// (index.Backfill from the receipts, resumed on a cached chain), queried as
// go-ethereum ships, on the Scan path, and on the Scan path with the precise
// index. Run: scripts/gethcopy.sh bench with BENCH=BloomSIMDPreciseGetLogs.

package filters

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/bloomsimd/bloomsimd/index"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethdb"
	"github.com/ethereum/go-ethereum/rpc"
)

// openPreciseIndex backfills the precise index of db's sections (a no-op for
// the sections a previous run indexed) and returns its reader.
func openPreciseIndex(b *testing.B, db ethdb.Database, sections uint64) *index.PreciseReader {
	if v, _ := db.Get(index.PreciseMetaKey()); len(v) == 0 {
		if err := index.WritePreciseMeta(db, index.DefaultGeometry([16]byte{'b', 'e', 'n', 'c', 'h'})); err != nil {
			b.Fatal(err)
		}
	}
	precise, err := index.NewPreciseReader(db, e2eSectionSize)
	if err != nil {
		b.Fatal(err)
	}
	w, err := index.NewPreciseWriter(e2eSectionSize, precise.Geometry())
	if err != nil {
		b.Fatal(err)
	}
	bf, err := index.NewBackfill(precise, w, rawBlocks{db}, func() index.PreciseBatch { return db.NewBatch() })
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if err := bf.Run(context.Background(), sections); err != nil {
		b.Fatal(err)
	}
	if p := bf.Progress(); p.Indexed > 0 {
		b.Logf("precise index: %d sections backfilled in %v (%d already covered)", p.Indexed, time.Since(start), p.Covered)
	}
	return precise
}

func BenchmarkBloomSIMDPreciseGetLogs(b *testing.B) {
	sections := benchSections()
	filters := benchFilters
	for _, spec := range benchChains {
		b.Run("chain="+spec.name, func(b *testing.B) {
			db, head := openBenchChain(b, spec, sections)
			reader, err := index.NewReader(db, e2eSectionSize)
			if err != nil {
				b.Fatal(err)
			}
			precise := openPreciseIndex(b, db, sections)
			configs := newConfigs(b, db, func() uint64 { return sections }, reader)
			scan := configs[2]
			pb := &preciseBackend{scanBackend: &scanBackend{dropinBackend: &dropinBackend{e2eBackend: scan.backend}, src: reader}, precise: precise}
			configs = append([]e2eConfig{configs[0], scan}, e2eConfig{"precise", func(ctx context.Context, begin, end int64, addrs []common.Address, topics [][]common.Hash) ([]*types.Log, error) {
				return NewFilterSystem(pb, Config{}).NewRangeFilter(begin, end, addrs, topics).Logs(ctx)
			}, scan.backend, true})
			ranges := []struct {
				name       string
				begin, end int64
			}{
				{"full", 0, rpc.LatestBlockNumber.Int64()},
				{"last10k", int64(head) - 9999, rpc.LatestBlockNumber.Int64()},
			}
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
