package bench

// The precise log index end to end on Pebble: the node bench chains' logs
// (internal/logchain) written as a node stores them (headers, canonical hashes,
// receipts), the bloom-bit index and the precise index (DefaultGeometry) beside
// it. TestPreciseEndToEnd checks that both indexes give the exact answers and
// counts their false-positive candidates; BenchmarkPreciseQuery times a query
// to its logs (index, then a receipt read per candidate); BenchmarkPreciseIndex
// times indexing one section, receipt or header reads included, against
// go-ethereum's BloomIndexer. BLOOMSIMD_PRECISE_SECTIONS sets the chains'
// length (4 by default: the dense chain's receipts are about 13 KB a block).

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/big"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/rawdb"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethdb"

	"github.com/bloomsimd/bloomsimd/bench/internal/e2e"
	"github.com/bloomsimd/bloomsimd/bench/internal/logchain"
	"github.com/bloomsimd/bloomsimd/index"
	"github.com/bloomsimd/bloomsimd/matcher"
)

func preciseSections() uint64 {
	if s, err := strconv.ParseUint(os.Getenv("BLOOMSIMD_PRECISE_SECTIONS"), 10, 64); err == nil && s > 0 {
		return s
	}
	return 4
}

// logChainDB is a log chain in Pebble with both indexes.
type logChainDB struct {
	db       ethdb.Database
	sections uint64
	hashes   []common.Hash // by block number
	sparse   []bool        // the sparse filter truly matches
	busy     []bool
	// precise index build time per section, receipt reads included
	preciseBuild time.Duration
}

// preciseKey is the benchmarks' precise index key.
var preciseKey = [16]byte{'b', 'e', 'n', 'c', 'h'}

func buildLogChainDB(tb testing.TB, c logchain.Chain, sections uint64) *logChainDB {
	return buildLogChain(tb, c, sections, true)
}

// buildLogChain builds the chain, with the precise index if precise is set.
func buildLogChain(tb testing.TB, c logchain.Chain, sections uint64, precise bool) *logChainDB {
	tb.Helper()
	db, err := e2e.OpenDB(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	lc := &logChainDB{db: db, sections: sections}
	w, err := index.NewWriter(logchain.SectionSize)
	if err != nil {
		tb.Fatal(err)
	}
	gen := logchain.NewGenerator(c, sections)
	batch := db.NewBatch()
	var parent common.Hash
	for number := range sections * logchain.SectionSize {
		_, logs := gen.Next()
		receipts := types.Receipts{{Status: types.ReceiptStatusSuccessful, CumulativeGasUsed: 21000, Logs: logs}}
		header := &types.Header{ParentHash: parent, Number: new(big.Int).SetUint64(number), Difficulty: new(big.Int),
			GasLimit: 30_000_000, GasUsed: 21000, Time: number, Bloom: types.CreateBloom(receipts)}
		hash := header.Hash()
		rawdb.WriteHeader(batch, header)
		rawdb.WriteCanonicalHash(batch, hash, number)
		rawdb.WriteReceipts(batch, hash, number, receipts)
		lc.hashes = append(lc.hashes, hash)
		lc.sparse = append(lc.sparse, hasLog(logs, logchain.AddrSparse, logchain.TopicSparse))
		lc.busy = append(lc.busy, hasLog(logs, logchain.AddrBusy, logchain.TopicBusy))
		s, j := number/logchain.SectionSize, uint(number%logchain.SectionSize)
		if j == 0 {
			w.Reset(s)
		}
		if err := w.AddBloom(j, header.Bloom); err != nil {
			tb.Fatal(err)
		}
		if j == logchain.SectionSize-1 {
			if err := w.Commit(batch, hash); err != nil {
				tb.Fatal(err)
			}
			batch.Put(index.SectionHeadKey(s), hash[:])
			batch.Put(index.SectionCountKey(), binary.BigEndian.AppendUint64(nil, s+1))
		}
		if batch.ValueSize() > 32<<20 {
			writeBatch(tb, batch)
		}
		parent = hash
	}
	writeBatch(tb, batch)
	if !precise {
		return lc
	}
	// The precise index, as a backfill builds it: receipts read back.
	g := index.DefaultGeometry(preciseKey)
	if err := index.WritePreciseMeta(db, g); err != nil {
		tb.Fatal(err)
	}
	pw, err := index.NewPreciseWriter(logchain.SectionSize, g)
	if err != nil {
		tb.Fatal(err)
	}
	start := time.Now()
	for s := range sections {
		lc.indexPrecise(tb, pw, s)
	}
	lc.preciseBuild = time.Since(start) / time.Duration(sections)
	if err := db.Compact(nil, nil); err != nil {
		tb.Fatal(err)
	}
	return lc
}

func writeBatch(tb testing.TB, batch ethdb.Batch) {
	if err := batch.Write(); err != nil {
		tb.Fatal(err)
	}
	batch.Reset()
}

// indexPrecise indexes section s from the receipts in the database.
func (lc *logChainDB) indexPrecise(tb testing.TB, pw *index.PreciseWriter, s uint64) {
	pw.Reset(s)
	var values [][]byte
	var head common.Hash
	for j := range uint64(logchain.SectionSize) {
		number := s*logchain.SectionSize + j
		head = rawdb.ReadCanonicalHash(lc.db, number)
		var err error
		if values, err = e2e.AppendReceiptValues(values[:0], lc.db, head, number); err != nil {
			tb.Fatal(err)
		}
		if number%997 == 1 { // check the decoder against go-ethereum's
			var want [][]byte
			for _, r := range rawdb.ReadRawReceipts(lc.db, head, number) {
				for _, l := range r.Logs {
					want = index.AppendLogValues(want, l.Address, l.Topics)
				}
			}
			if fmt.Sprint(values) != fmt.Sprint(want) {
				tb.Fatalf("block %d: receipt values differ from go-ethereum's decoding", number)
			}
		}
		if err := pw.AddBlock(uint(j), values); err != nil {
			tb.Fatal(err)
		}
	}
	batch := lc.db.NewBatch()
	if err := pw.Commit(batch, head); err != nil {
		tb.Fatal(err)
	}
	writeBatch(tb, batch)
}

// prefixBytes sums the keys and values under prefix whose keys have keyLen bytes.
func prefixBytes(tb testing.TB, db ethdb.Database, prefix string, keyLen int) int {
	it := db.NewIterator([]byte(prefix), nil)
	defer it.Release()
	n := 0
	for it.Next() {
		if len(it.Key()) == keyLen {
			n += len(it.Key()) + len(it.Value())
		}
	}
	if err := it.Error(); err != nil {
		tb.Fatal(err)
	}
	return n
}

type preciseQuery struct {
	name    string
	addr    common.Address
	topic   common.Hash
	truth   func(lc *logChainDB) []bool
	filters [][][]byte
}

func preciseQueries() []preciseQuery {
	q := func(name string, a common.Address, t common.Hash, truth func(*logChainDB) []bool) preciseQuery {
		return preciseQuery{name: name, addr: a, topic: t, truth: truth, filters: [][][]byte{{a[:]}, {t[:]}}}
	}
	return []preciseQuery{
		q("sparse", logchain.AddrSparse, logchain.TopicSparse, func(lc *logChainDB) []bool { return lc.sparse }),
		q("busy", logchain.AddrBusy, logchain.TopicBusy, func(lc *logChainDB) []bool { return lc.busy }),
	}
}

// getLogs runs q over the whole chain with the bloom-bit index, or the precise
// index with the bloom bits as fallback, reads each candidate's receipts and
// returns the blocks with matching logs and the number of candidates.
func (lc *logChainDB) getLogs(tb testing.TB, q preciseQuery, precise bool) (matches []uint64, candidates int) {
	bloomReader, err := index.NewReader(lc.db, logchain.SectionSize)
	if err != nil {
		tb.Fatal(err)
	}
	fallback := matcher.NewMatcher(logchain.SectionSize, q.filters)
	emit := func(block uint64) bool {
		candidates++
		for _, r := range rawdb.ReadRawReceipts(lc.db, lc.hashes[block], block) {
			for _, l := range r.Logs {
				if l.Address == q.addr && len(l.Topics) > 0 && l.Topics[0] == q.topic {
					matches = append(matches, block)
					return true
				}
			}
		}
		return true
	}
	end := lc.sections*logchain.SectionSize - 1
	ctx := context.Background()
	if !precise {
		err = fallback.Scan(ctx, 0, end, bloomReader, emit)
	} else {
		pr, perr := index.NewPreciseReader(lc.db, logchain.SectionSize)
		if perr != nil {
			tb.Fatal(perr)
		}
		pm, perr := matcher.NewPositionMatcher(logchain.SectionSize, q.filters, pr.Geometry().AppendPositions)
		if perr != nil {
			tb.Fatal(perr)
		}
		err = matcher.ScanCovered(ctx, 0, end, pm, pr, pr, fallback, bloomReader, emit)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return matches, candidates
}

func TestPreciseEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Pebble chains with receipts")
	}
	sections := preciseSections()
	for _, c := range logchain.Chains {
		lc := buildLogChainDB(t, c, sections)
		bloomBytes := prefixBytes(t, lc.db, "B", index.BloomBitsKeyLen)
		preciseBytes := prefixBytes(t, lc.db, "P", index.PreciseKeyLen)
		t.Logf("%s: %d sections; bloom-bit index %d bytes/section, precise %d bytes/section (%.2fx); precise build %v/section with receipt reads",
			c.Name, sections, bloomBytes/int(sections), preciseBytes/int(sections), float64(preciseBytes)/float64(bloomBytes), lc.preciseBuild)
		for _, q := range preciseQueries() {
			var want []uint64
			for b, ok := range q.truth(lc) {
				if ok {
					want = append(want, uint64(b))
				}
			}
			bm, bc := lc.getLogs(t, q, false)
			pm, pc := lc.getLogs(t, q, true)
			if fmt.Sprint(bm) != fmt.Sprint(want) || fmt.Sprint(pm) != fmt.Sprint(want) {
				t.Fatalf("%s %s: bloom-bit answers %v, precise %v, want %v", c.Name, q.name, bm, pm, want)
			}
			bfp, pfp := bc-len(want), pc-len(want)
			t.Logf("%s %s: %d matches; false-positive candidates: bloom bits %d, precise %d", c.Name, q.name, len(want), bfp, pfp)
			if pfp > max(1, bfp/100) {
				t.Errorf("%s %s: precise false positives %d, more than 1%% of the bloom bits' %d", c.Name, q.name, pfp, bfp)
			}
		}
		// Uncover a middle section (a reorg the backfill has not redone): the
		// answers stay exact through the fallback.
		if sections >= 3 {
			lc.db.Delete(index.PreciseSectionHeadKey(1))
			q := preciseQueries()[1]
			bm, _ := lc.getLogs(t, q, false)
			pm, _ := lc.getLogs(t, q, true)
			if fmt.Sprint(bm) != fmt.Sprint(pm) {
				t.Fatalf("%s: with section 1 uncovered the answers differ", c.Name)
			}
		}
	}
}

// reportCPU reports the process CPU time per op since cpu0 (this shared VM
// steals wall time from busy benchmarks; CPU time shows the work).
func reportCPU(b *testing.B, cpu0 int64, ok bool) {
	if cpu1, ok1 := processCPU(); ok && ok1 {
		b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkPreciseQuery: a full-range query to its matching blocks, each
// candidate costing a receipt read, with either index.
func BenchmarkPreciseQuery(b *testing.B) {
	sections := preciseSections()
	for _, c := range logchain.Chains {
		lc := buildLogChainDB(b, c, sections)
		for _, q := range preciseQueries() {
			for _, idx := range []string{"bloombits", "precise"} {
				b.Run(fmt.Sprintf("chain=%s/filter=%s/index=%s", c.Name, q.name, idx), func(b *testing.B) {
					var candidates, matches int
					cpu0, ok := processCPU()
					for b.Loop() {
						m, n := lc.getLogs(b, q, idx == "precise")
						candidates, matches = n, len(m)
					}
					reportCPU(b, cpu0, ok)
					b.ReportMetric(float64(candidates-matches), "fp-candidates")
					b.ReportMetric(float64(matches), "matches")
				})
			}
		}
	}
}

// BenchmarkPreciseIndex: indexing one section of the chain as a node does:
// go-ethereum's BloomIndexer (canonical hash and header read per block, then
// Process, Commit), against the precise writer (canonical hash and receipts
// read per block, then Commit).
func BenchmarkPreciseIndex(b *testing.B) {
	for _, c := range logchain.Chains {
		lc := buildLogChainDB(b, c, 1)
		b.Run(fmt.Sprintf("chain=%s/indexer=geth-bloom", c.Name), func(b *testing.B) {
			backend, err := e2e.NewGethIndexer(lc.db)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			cpu0, ok := processCPU()
			for b.Loop() {
				if err := backend.Reset(ctx, 0, common.Hash{}); err != nil {
					b.Fatal(err)
				}
				for n := range uint64(logchain.SectionSize) {
					h := rawdb.ReadHeader(lc.db, rawdb.ReadCanonicalHash(lc.db, n), n)
					if err := backend.Process(ctx, h); err != nil {
						b.Fatal(err)
					}
				}
				if err := backend.Commit(); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, cpu0, ok)
		})
		b.Run(fmt.Sprintf("chain=%s/indexer=precise", c.Name), func(b *testing.B) {
			pw, err := index.NewPreciseWriter(logchain.SectionSize, index.DefaultGeometry(preciseKey))
			if err != nil {
				b.Fatal(err)
			}
			cpu0, ok := processCPU()
			for b.Loop() {
				lc.indexPrecise(b, pw, 0)
			}
			reportCPU(b, cpu0, ok)
		})
	}
}

// TestPreciseChainIndexer runs the precise backend under go-ethereum's own
// ChainIndexer, as a node would, and checks the index it leaves answers
// exactly with no false positives where the bloom bits have some.
func TestPreciseChainIndexer(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Pebble chain with receipts")
	}
	const sections = 2
	lc := buildLogChain(t, logchain.Chains[1], sections, false)
	ci, err := e2e.NewPreciseChainIndexer(lc.db, logchain.SectionSize, 0, index.DefaultGeometry(preciseKey))
	if err != nil {
		t.Fatal(err)
	}
	defer ci.Close()
	last := uint64(sections*logchain.SectionSize - 1)
	ci.Start(e2e.NewHeadChain(rawdb.ReadHeader(lc.db, lc.hashes[last], last)))
	deadline := time.Now().Add(5 * time.Minute)
	for {
		if stored, _, _ := ci.Sections(); stored >= sections {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the ChainIndexer did not index the sections in time")
		}
		time.Sleep(20 * time.Millisecond)
	}
	pr, err := index.NewPreciseReader(lc.db, logchain.SectionSize)
	if err != nil {
		t.Fatal(err)
	}
	covered := make([]bool, sections)
	if err := pr.Covered(context.Background(), 0, covered); err != nil || !covered[0] || !covered[1] {
		t.Fatalf("covered %v, %v", covered, err)
	}
	for _, q := range preciseQueries() {
		bm, bc := lc.getLogs(t, q, false)
		pm, pc := lc.getLogs(t, q, true)
		if fmt.Sprint(bm) != fmt.Sprint(pm) || pc != len(pm) {
			t.Fatalf("%s: bloom bits %v (%d candidates), precise %v (%d candidates)", q.name, bm, bc, pm, pc)
		}
		t.Logf("%s: %d matches, candidates: bloom bits %d, precise %d", q.name, len(pm), bc, pc)
	}
}
