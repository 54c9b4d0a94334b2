// bloomsimd's full eth_getLogs benchmark with the live head index, added to
// go-ethereum's eth/filters by bloomsimd's scripts/gethcopy.sh (run:
// scripts/gethcopy.sh bench).
//
// On the chains of BenchmarkBloomSIMDGetLogs (benchSections sections on disk
// plus a tail of benchTail blocks), go-ethereum as shipped reads the tail
// header by header. Our node feeds an index.Live from the chain head (Follow,
// as its chain head event handler would), composes it with the Reader, and
// reports the composed sections in BloomStatus, so that eth/filters serves the
// whole range from the bloom-bit index:
//   - impl=geth:   go-ethereum v1.14.13 (eth/filtersgeth, its servers);
//   - impl=dropin: the swapped eth/filters on matcher.ServeRetrievals over the
//     composed Source (no change to eth/filters);
//   - impl=scan:   the swapped eth/filters with filter-scan.patch, Scan over
//     composed.Snapshot() (one pin per query).
//
// Metrics as in BenchmarkBloomSIMDGetLogs; tail-ms is zero for our node (no
// block is read header by header).

package filters

import (
	"context"
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"github.com/bloomsimd/bloomsimd/index"
	bloombits "github.com/bloomsimd/bloomsimd/matcher"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/rawdb"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethdb"
)

// BenchmarkBloomSIMDGetLogsLive: full eth_getLogs up to the head, go-ethereum
// against our node with the live head index serving the tail.
func BenchmarkBloomSIMDGetLogsLive(b *testing.B) {
	sections := benchSections()
	filters := benchFilters
	for _, spec := range benchChains {
		b.Run("chain="+spec.name, func(b *testing.B) {
			db, head, reader := openBenchIndex(b, spec, sections)
			onDisk := func() uint64 { return sections }
			live, err := index.NewLive(e2eSectionSize)
			if err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			if err := followHead(live, db, rawdb.ReadHeadHeader(db), sections); err != nil {
				b.Fatal(err)
			}
			b.Logf("live index: followed %d tail blocks in %v", head+1-sections*e2eSectionSize, time.Since(start))
			composed := index.Compose(reader, onDisk, live)
			configs := newLiveConfigs(b, db, onDisk, reader, composed)
			ranges := benchRanges(head)
			for _, f := range filters {
				for _, r := range ranges {
					if f.name == "busy" && r.name == "full" {
						continue // receipt reads of 10k+ matches: BenchmarkBloomSIMDGetLogs has it
					}
					want := -1 // logs of the first configuration
					for _, c := range configs {
						b.Run(fmt.Sprintf("filter=%s/range=%s/impl=%s", f.name, r.name, c.name), func(b *testing.B) {
							clock := new(queryClock)
							c.backend.clock = clock
							defer func() { c.backend.clock = nil }()
							timeQuery(b, clock, c.indexedEnd(head), &want, func() ([]*types.Log, error) {
								return c.logs(context.Background(), r.begin, r.end, f.addrs, f.topics)
							})
						})
					}
				}
			}
		})
	}
}

// storeIndexerProgress writes what go-ethereum's ChainIndexer stores beside
// the vectors of a bench chain built with index.Writer: the section count and
// each section's head (the "iB" table), unless they are there. A node's
// database has them; without them the Reader reads a canonical hash per section
// on every call instead of confirming a run of stored heads with one.
func storeIndexerProgress(b *testing.B, db ethdb.Database, sections uint64) {
	if v, _ := db.Get(index.SectionCountKey()); len(v) == 8 && binary.BigEndian.Uint64(v) == sections {
		return
	}
	batch := db.NewBatch()
	for s := range sections {
		head := rawdb.ReadCanonicalHash(db, (s+1)*e2eSectionSize-1)
		if err := batch.Put(index.SectionHeadKey(s), head[:]); err != nil {
			b.Fatal(err)
		}
	}
	if err := batch.Put(index.SectionCountKey(), binary.BigEndian.AppendUint64(nil, sections)); err != nil {
		b.Fatal(err)
	}
	if err := batch.Write(); err != nil {
		b.Fatal(err)
	}
}

// liveConfig is an e2eConfig with the first block its node does not serve
// from the bloom-bit index, for the time split.
type liveConfig struct {
	e2eConfig
	indexedEnd func(head uint64) uint64
}

// newLiveConfigs returns go-ethereum as shipped (BloomStatus: the disk
// sections; the tail header by header) and our node with the live index:
// BloomStatus reports composed.SectionsAt(head), the drop-in path serves
// retrievals from composed, the Scan path scans composed.Snapshot().
func newLiveConfigs(t testing.TB, db ethdb.Database, onDisk func() uint64, reader bloombits.Source, composed *index.Composed) []liveConfig {
	geth := newConfigs(t, db, onDisk, reader)[0]
	quit := make(chan struct{})
	t.Cleanup(func() { close(quit) })
	status := func() uint64 { return composed.SectionsAt(headNumber(db)) }
	newBase := func() *e2eBackend { return &e2eBackend{testBackend: &testBackend{db: db}, sections: status} }

	dropin := &dropinBackend{e2eBackend: newBase(), requests: make(chan chan *bloombits.Retrieval)}
	bloombits.ServeRetrievals(dropin.requests, quit, e2eServers, e2eSectionSize, composed)
	scan := &pinBackend{dropinBackend: &dropinBackend{e2eBackend: newBase()}, composed: composed}

	diskEnd := func(uint64) uint64 { return onDisk() * e2eSectionSize }
	liveEnd := func(head uint64) uint64 { return head + 1 }
	return []liveConfig{
		{geth, diskEnd},
		{e2eConfig{"dropin", func(ctx context.Context, begin, end int64, addrs []common.Address, topics [][]common.Hash) ([]*types.Log, error) {
			return NewFilterSystem(dropin, Config{}).NewRangeFilter(begin, end, addrs, topics).Logs(ctx)
		}, dropin.e2eBackend, true}, liveEnd},
		{e2eConfig{"scan", func(ctx context.Context, begin, end int64, addrs []common.Address, topics [][]common.Hash) ([]*types.Log, error) {
			return NewFilterSystem(scan, Config{}).NewRangeFilter(begin, end, addrs, topics).Logs(ctx)
		}, scan.e2eBackend, true}, liveEnd},
	}
}
