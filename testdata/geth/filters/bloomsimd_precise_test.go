// bloomsimd's precise log index inside go-ethereum's eth/filters, added by
// scripts/gethcopy.sh with filter-precise.patch (apply_precise): the chain of
// the end-to-end test (reorged across a section boundary, bloom bits by
// go-ethereum's own BloomIndexer), its history indexed by index.Backfill from
// the receipts, queried through eth/filters with the precise index where it
// covers the sections and the bloom bits elsewhere, against go-ethereum as
// shipped.

package filters

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/bloomsimd/bloomsimd/index"
	bloombits "github.com/bloomsimd/bloomsimd/matcher"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/rawdb"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethdb"
)

// preciseBackend is the Scan backend serving the precise index too; it counts
// the precise index's reads, to show that the patched filter uses it.
type preciseBackend struct {
	*scanBackend
	precise *index.PreciseReader
	reads   atomic.Int64
}

func (b *preciseBackend) PreciseSource() (bloombits.Source, bloombits.Coverage, func([]uint, []byte) []uint) {
	return countingSource{b.precise, &b.reads}, b.precise, b.precise.Geometry().AppendPositions
}

type countingSource struct {
	bloombits.Source
	reads *atomic.Int64
}

func (s countingSource) Bitsets(ctx context.Context, bit uint, first uint64, dst [][]byte) error {
	s.reads.Add(1)
	return s.Source.Bitsets(ctx, bit, first, dst)
}

// rawBlocks is the backfill's view of the chain: canonical receipts by number.
type rawBlocks struct{ db ethdb.Database }

func (r rawBlocks) AppendBlockValues(dst [][]byte, number uint64) ([][]byte, [32]byte, error) {
	hash := rawdb.ReadCanonicalHash(r.db, number)
	if hash == (common.Hash{}) {
		return dst, hash, fmt.Errorf("no canonical block %d", number)
	}
	receipts := rawdb.ReadRawReceipts(r.db, hash, number)
	if receipts == nil {
		if h := rawdb.ReadHeader(r.db, hash, number); h == nil || h.ReceiptHash != types.EmptyReceiptsHash {
			return dst, hash, fmt.Errorf("block %d: %w", number, index.ErrNoReceipts)
		}
	}
	for _, rc := range receipts {
		for _, l := range rc.Logs {
			dst = index.AppendLogValues(dst, l.Address, l.Topics)
		}
	}
	return dst, hash, nil
}

func backfillPrecise(t *testing.T, db ethdb.Database, reader *index.PreciseReader, sections uint64) index.BackfillProgress {
	t.Helper()
	w, err := index.NewPreciseWriter(e2eSectionSize, reader.Geometry())
	if err != nil {
		t.Fatal(err)
	}
	bf, err := index.NewBackfill(reader, w, rawBlocks{db}, func() index.PreciseBatch { return db.NewBatch() })
	if err != nil {
		t.Fatal(err)
	}
	if err := bf.Run(context.Background(), sections); err != nil {
		t.Fatal(err)
	}
	return bf.Progress()
}

func TestBloomSIMDPrecise(t *testing.T) {
	n := newE2ENode(t)
	sections := func() uint64 { s, _, _ := n.indexer.Sections(); return s }
	if err := index.WritePreciseMeta(n.db, index.DefaultGeometry([16]byte{'g', 'e', 't', 'h'})); err != nil {
		t.Fatal(err)
	}
	precise, err := index.NewPreciseReader(n.db, e2eSectionSize)
	if err != nil {
		t.Fatal(err)
	}
	reader, err := index.NewReader(n.db, e2eSectionSize)
	if err != nil {
		t.Fatal(err)
	}
	if p := backfillPrecise(t, n.db, precise, sections()); p.Indexed != sections() || !p.Done {
		t.Fatalf("backfill: %+v", p)
	}
	configs := newConfigs(t, n.db, sections, reader)
	scan := configs[2]
	pb := &preciseBackend{scanBackend: &scanBackend{dropinBackend: &dropinBackend{e2eBackend: scan.backend}, src: reader}, precise: precise}
	configs = append(configs[:1], e2eConfig{"precise", func(ctx context.Context, begin, end int64, addrs []common.Address, topics [][]common.Hash) ([]*types.Log, error) {
		return NewFilterSystem(pb, Config{}).NewRangeFilter(begin, end, addrs, topics).Logs(ctx)
	}, scan.backend, true})
	t.Run("Queries", func(t *testing.T) { testQueries(t, n, configs) })
	if pb.reads.Load() == 0 {
		t.Fatal("the filter never read the precise index")
	}

	// Section 2 indexed under a head that is not canonical (as a reorg leaves
	// it before the backfill redoes it), with vectors that would lose every
	// match: the query must take section 2 from the bloom bits.
	stale := common.Hash{0xde, 0xad}
	w, err := index.NewPreciseWriter(e2eSectionSize, precise.Geometry())
	if err != nil {
		t.Fatal(err)
	}
	w.Reset(2)
	for j := range uint(e2eSectionSize) {
		if err := w.AddBlock(j, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Commit(n.db, stale); err != nil {
		t.Fatal(err)
	}
	covered := make([]bool, sections())
	if err := precise.Covered(context.Background(), 0, covered); err != nil || covered[2] || !covered[1] || !covered[3] {
		t.Fatalf("covered %v, %v", covered, err)
	}
	t.Run("QueriesWithStaleSection", func(t *testing.T) { testQueries(t, n, configs) })
	// The backfill resumes: only section 2 is indexed again.
	if p := backfillPrecise(t, n.db, precise, sections()); p.Indexed != 1 || p.Covered != sections()-1 {
		t.Fatalf("resumed backfill: %+v", p)
	}
	t.Run("QueriesAfterResume", func(t *testing.T) { testQueries(t, n, configs) })
}
