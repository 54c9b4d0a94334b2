// bloomsimd's precise log index inside go-ethereum's eth/filters, as
// bloomsimd-adopt -precise wires it (eth/filters/bloomsimd_precise.go, called
// first in rangeLogsAsync): the chain of the end-to-end test (reorged across a
// section boundary, bloom bits by go-ethereum's own BloomIndexer), its history
// indexed by index.Backfill from the receipts, its newest blocks by an
// index.PreciseLive fed from the receipts as the node's feeder does, queried
// through eth/filters against go-ethereum as shipped; then a reorg inside the
// live part, across a section boundary.

package filters

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/bloomsimd/bloomsimd/index"
	bloombits "github.com/bloomsimd/bloomsimd/matcher"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core"
	"github.com/ethereum/go-ethereum/core/rawdb"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/eth"
	"github.com/ethereum/go-ethereum/ethdb"
)

// preciseIndex is the precise index as the adopted node keeps it
// (eth/bloomsimd_precise.go): the sections on disk and a live part fed from the
// chain's receipts.
type preciseIndex struct {
	db     ethdb.Database
	reader *index.PreciseReader
	live   *index.PreciseLive
	values [][]byte
}

func newPreciseIndex(tb testing.TB, db ethdb.Database, key [16]byte) *preciseIndex {
	tb.Helper()
	if v, _ := db.Get(index.PreciseMetaKey()); len(v) == 0 {
		if err := index.WritePreciseMeta(db, index.DefaultGeometry(key)); err != nil {
			tb.Fatal(err)
		}
	}
	reader, err := index.NewPreciseReader(db, e2eSectionSize)
	if err != nil {
		tb.Fatal(err)
	}
	live, err := index.NewPreciseLive(e2eSectionSize, reader.Geometry())
	if err != nil {
		tb.Fatal(err)
	}
	return &preciseIndex{db: db, reader: reader, live: live}
}

// follow brings the live part to canonical block number as the node's feeder
// does with a new head (from: the first block it must hold).
func (p *preciseIndex) follow(number, from uint64) error {
	hash := rawdb.ReadCanonicalHash(p.db, number)
	h := rawdb.ReadHeader(p.db, hash, number)
	if h == nil {
		return fmt.Errorf("no canonical header %d", number)
	}
	var err error
	if p.values, err = appendStoredValues(p.values[:0], p.db, hash, number, h.ReceiptHash); err != nil {
		return err
	}
	return p.live.Follow(number, hash, h.ParentHash, p.values, from, func(hash [32]byte, number uint64) ([32]byte, [][]byte, bool) {
		h := rawdb.ReadHeader(p.db, hash, number)
		if h == nil {
			return [32]byte{}, nil, false
		}
		values, err := appendStoredValues(nil, p.db, hash, number, h.ReceiptHash)
		return h.ParentHash, values, err == nil
	})
}

// view is the node's PreciseSource: the live part only if its tip is
// canonical.
func (p *preciseIndex) view() (*index.PreciseView, error) {
	live := p.live.Snapshot()
	if number, hash, ok := live.Head(); ok && rawdb.ReadCanonicalHash(p.db, number) != common.Hash(hash) {
		live = index.PreciseLiveSnapshot{}
	}
	return index.NewPreciseView(p.reader, live)
}

// appendStoredValues is the node's receipt decoder (eth/bloomsimd_precise.go).
var appendStoredValues = eth.AppendBlockValues

// preciseBackend is the Scan backend serving the precise index too, as the
// adopted node's EthAPIBackend does; it counts the reads of the disk and of
// the live sections, to show that the filter uses them.
type preciseBackend struct {
	*scanBackend
	precise               *preciseIndex
	diskReads, liveReads  atomic.Int64
	liveFirst, liveBlocks atomic.Uint64 // the live part's first section, and the blocks it served
}

func (b *preciseBackend) PreciseSource() bloombits.PreciseSource {
	v, err := b.precise.view()
	if err != nil {
		panic(err) // the test's own geometry: cannot differ
	}
	return countingView{v, b}
}

type countingView struct {
	*index.PreciseView
	b *preciseBackend
}

func (v countingView) Bitsets(ctx context.Context, position uint, first uint64, dst [][]byte) error {
	if first+uint64(len(dst)) > v.b.liveFirst.Load() {
		v.b.liveReads.Add(1)
	} else {
		v.b.diskReads.Add(1)
	}
	return v.PreciseView.Bitsets(ctx, position, first, dst)
}

func backfillPrecise(tb testing.TB, db ethdb.Database, reader *index.PreciseReader, sections uint64) index.BackfillProgress {
	tb.Helper()
	w, err := index.NewPreciseWriter(e2eSectionSize, reader.Geometry())
	if err != nil {
		tb.Fatal(err)
	}
	bf, err := index.NewBackfill(reader, w, eth.PreciseBlocks(db), func() index.PreciseBatch { return db.NewBatch() })
	if err != nil {
		tb.Fatal(err)
	}
	if err := bf.Run(context.Background(), sections); err != nil {
		tb.Fatal(err)
	}
	return bf.Progress()
}

func TestBloomSIMDPrecise(t *testing.T) {
	n := newE2ENode(t)
	sections := func() uint64 { s, _, _ := n.indexer.Sections(); return s }
	p := newPreciseIndex(t, n.db, [16]byte{'g', 'e', 't', 'h'})
	reader, err := index.NewReader(n.db, e2eSectionSize)
	if err != nil {
		t.Fatal(err)
	}
	if pr := backfillPrecise(t, n.db, p.reader, sections()); pr.Indexed != sections() || !pr.Done {
		t.Fatalf("backfill: %+v", pr)
	}
	// The live part from section 4 (as a node keeps a section whose precise
	// backfill has not run yet): it serves section 4 in place of the disk and
	// the tail of section 5, across their boundary.
	const liveFrom = 4 * e2eSectionSize
	if err := p.follow(n.head(), liveFrom); err != nil {
		t.Fatal(err)
	}
	configs := newConfigs(t, n.db, sections, reader)
	scan := configs[2]
	pb := &preciseBackend{scanBackend: &scanBackend{dropinBackend: &dropinBackend{e2eBackend: scan.backend}, src: reader}, precise: p}
	pb.liveFirst.Store(4)
	configs = append(configs[:1], e2eConfig{"precise", func(ctx context.Context, begin, end int64, addrs []common.Address, topics [][]common.Hash) ([]*types.Log, error) {
		return NewFilterSystem(pb, Config{}).NewRangeFilter(begin, end, addrs, topics).Logs(ctx)
	}, scan.backend, true})
	reads := func(t *testing.T, wantDisk, wantLive bool) {
		t.Helper()
		disk, live := pb.diskReads.Swap(0), pb.liveReads.Swap(0)
		if (disk > 0) != wantDisk || (live > 0) != wantLive {
			t.Fatalf("the filter read %d disk and %d live precise vectors; want disk %v, live %v", disk, live, wantDisk, wantLive)
		}
	}
	t.Run("Queries", func(t *testing.T) { testQueries(t, n, configs) })
	reads(t, true, true)

	// Section 2 indexed under a head that is not canonical (as a reorg leaves
	// it before the backfill redoes it), with vectors that would lose every
	// match: the query must take section 2 from the bloom bits.
	stale := common.Hash{0xde, 0xad}
	w, err := index.NewPreciseWriter(e2eSectionSize, p.reader.Geometry())
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
	if err := p.reader.Covered(context.Background(), 0, covered); err != nil || covered[2] || !covered[1] || !covered[3] {
		t.Fatalf("covered %v, %v", covered, err)
	}
	t.Run("QueriesWithStaleSection", func(t *testing.T) { testQueries(t, n, configs) })
	// The backfill resumes: only section 2 is indexed again.
	if pr := backfillPrecise(t, n.db, p.reader, sections()); pr.Indexed != 1 || pr.Covered != sections()-1 {
		t.Fatalf("resumed backfill: %+v", pr)
	}
	t.Run("QueriesAfterResume", func(t *testing.T) { testQueries(t, n, configs) })
	reads(t, true, true)

	// A reorg inside the live part, across the boundary of sections 4 and 5:
	// chain C forks 30 blocks before section 5 and grows past B's head, with
	// other logs (rare ones on both sides of the boundary and near its head).
	fork := uint64(5*e2eSectionSize - 30)
	lenC := n.head() + 200
	rareC := map[uint64]bool{fork + 5: true, 5*e2eSectionSize - 1: true, 5 * e2eSectionSize: true, lenC - 3: true}
	c := n.chain.generate(t, n.genDb, n.gspec, n.chain.blocks[fork-1], int(lenC-fork), 3, rareC)
	writeCanonical(t, n.db, c, n.receiptsOf)
	n.feed.feed.Send(core.ChainHeadEvent{Header: c[len(c)-1].Header()})
	n.waitIndexed(t, 5) // the bloom indexer rewrites section 4 for chain C
	// Before the live part follows: its tip is not canonical, so the view
	// leaves it out; section 4 on disk is B's (not covered): the bloom bits and
	// the headers answer.
	t.Run("QueriesReorgNotFollowed", func(t *testing.T) { testQueries(t, n, configs) })
	reads(t, true, false)
	if err := p.follow(n.head(), liveFrom); err != nil {
		t.Fatal(err)
	}
	t.Run("QueriesReorgFollowed", func(t *testing.T) { testQueries(t, n, configs) })
	reads(t, true, true)
	if number, hash, _ := p.live.Snapshot().Head(); number != lenC || common.Hash(hash) != c[len(c)-1].Hash() {
		t.Fatalf("live tip %d, want chain C's head %d", number, lenC)
	}
}
