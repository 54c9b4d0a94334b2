package bench

import (
	"bytes"
	"context"
	"errors"
	"math/big"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/bitutil"
	"github.com/ethereum/go-ethereum/core"
	"github.com/ethereum/go-ethereum/core/rawdb"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethdb"
	"github.com/ethereum/go-ethereum/ethdb/memorydb"

	"github.com/bloomsimd/bloomsimd/bench/internal/e2e"
	"github.com/bloomsimd/bloomsimd/index"
	"github.com/bloomsimd/bloomsimd/internal/blooms"
)

// TestIndexSchema checks index's keys against the ones go-ethereum writes:
// rawdb's bloom-bits and canonical-hash keys, and the section count and heads
// its BloomIndexer's ChainIndexer stores.
func TestIndexSchema(t *testing.T) {
	db := memorydb.New()
	head := common.HexToHash("0x0102030405060708091011121314151617181920212223242526272829303132")
	rawdb.WriteBloomBits(db, 0x0123, 0x0405060708090a0b, head, []byte{1})
	rawdb.WriteCanonicalHash(db, head, 0x1122334455667788)
	want := [][]byte{index.BloomBitsKey(0x0123, 0x0405060708090a0b, head), index.CanonicalHashKey(0x1122334455667788)}
	it := db.NewIterator(nil, nil)
	defer it.Release()
	var got [][]byte
	for it.Next() {
		got = append(got, bytes.Clone(it.Key()))
	}
	if len(got) != 2 || !bytes.Equal(got[0], want[0]) || !bytes.Equal(got[1], want[1]) {
		t.Errorf("rawdb wrote keys %x, index has %x", got, want)
	}

	chain, err := e2e.Build(e2e.Options{Sections: 2, Headers: true, Indexer: e2e.GethChainIndexer})
	if err != nil {
		t.Fatal(err)
	}
	defer chain.Close()
	r, err := index.NewReader(chain.DB, e2e.SectionSize)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := r.Sections(); n != 2 || err != nil {
		t.Errorf("Sections() = %d, %v after go-ethereum's ChainIndexer stored 2", n, err)
	}
	for s, h := range chain.Heads {
		if v, err := chain.DB.Get(index.SectionHeadKey(uint64(s))); err != nil || !bytes.Equal(v, h[:]) {
			t.Errorf("section %d: stored head %x (%v), want %x", s, v, err, h)
		}
	}
}

// recordingDB is an ethdb.Database whose batches record every Put in order
// (keeping nil values nil) before passing it on.
type recordingDB struct {
	ethdb.Database
	puts *[][2][]byte
}

type recordingBatch struct {
	ethdb.Batch
	puts *[][2][]byte
}

func (db recordingDB) NewBatchWithSize(size int) ethdb.Batch {
	return recordingBatch{db.Database.NewBatchWithSize(size), db.puts}
}

func (db recordingDB) NewBatch() ethdb.Batch { return recordingBatch{db.Database.NewBatch(), db.puts} }

func (b recordingBatch) Put(key, value []byte) error {
	var v []byte
	if value != nil {
		v = bytes.Clone(value)
	}
	*b.puts = append(*b.puts, [2][]byte{bytes.Clone(key), v})
	return b.Batch.Put(key, value)
}

// indexHeaders returns a section's headers over the given blooms, chained from
// parent.
func indexHeaders(section uint64, bl [][256]byte, parent common.Hash) []*types.Header {
	headers := make([]*types.Header, len(bl))
	for i := range headers {
		headers[i] = &types.Header{ParentHash: parent, Number: new(big.Int).SetUint64(section*e2e.SectionSize + uint64(i)),
			Bloom: bl[i], Difficulty: common.Big0, Time: uint64(i)}
		parent = headers[i].Hash()
	}
	return headers
}

// indexSections returns sections of blooms of every kind the index meets:
// all zero (early mainnet), sparse, real (tiled), dense (random).
func indexSections(t *testing.T) map[string][][256]byte {
	real, err := blooms.Section(e2e.SectionSize)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	sparse := make([][256]byte, e2e.SectionSize)
	dense := make([][256]byte, e2e.SectionSize)
	for j := range sparse {
		if rng.IntN(50) == 0 {
			for range 6 {
				b := rng.IntN(2048)
				sparse[j][b/8] |= 1 << (b % 8)
			}
		}
		for k := range dense[j] {
			dense[j][k] = byte(rng.Uint32())
		}
	}
	return map[string][][256]byte{"empty": make([][256]byte, e2e.SectionSize), "sparse": sparse, "real": real, "dense": dense}
}

// TestIndexWriter checks that index.Writer, and our BloomIndexer adapter around
// it, make exactly the Puts go-ethereum's BloomIndexer makes (same keys, same
// values, nil for an all-zero vector, same order) for every kind of section.
func TestIndexWriter(t *testing.T) {
	ctx := context.Background()
	w, err := index.NewWriter(e2e.SectionSize)
	if err != nil {
		t.Fatal(err)
	}
	for name, bl := range indexSections(t) {
		t.Run(name, func(t *testing.T) {
			const section = 5
			headers := indexHeaders(section, bl, common.Hash{0xaa})
			var want, adapter [][2][]byte
			geth, err := e2e.NewGethIndexer(recordingDB{rawdb.NewMemoryDatabase(), &want})
			if err != nil {
				t.Fatal(err)
			}
			if err := e2e.IndexSection(ctx, geth, section, headers); err != nil {
				t.Fatal(err)
			}
			ours := e2e.NewOurIndexer(recordingDB{rawdb.NewMemoryDatabase(), &adapter})
			if err := e2e.IndexSection(ctx, ours, section, headers); err != nil {
				t.Fatal(err)
			}
			var got [][2][]byte
			w.Reset(section)
			for i, h := range headers {
				if err := w.AddBloom(uint(i), h.Bloom); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Commit(putFunc(func(k, v []byte) error {
				got = append(got, [2][]byte{k, v})
				return nil
			}), headers[len(headers)-1].Hash()); err != nil {
				t.Fatal(err)
			}
			samePuts(t, "index.Writer", got, want)
			samePuts(t, "BloomIndexer adapter", adapter, want)
		})
	}
}

type putFunc func(key, value []byte) error

func (f putFunc) Put(key, value []byte) error { return f(key, value) }

func samePuts(t *testing.T, who string, got, want [][2][]byte) {
	t.Helper()
	if len(got) != len(want) || len(want) != 2048 {
		t.Fatalf("%s: %d puts, go-ethereum %d", who, len(got), len(want))
	}
	for i := range want {
		k, v := got[i][0], got[i][1]
		if !bytes.Equal(k, want[i][0]) || !bytes.Equal(v, want[i][1]) || (v == nil) != (want[i][1] == nil) {
			t.Fatalf("%s: put %d: %x = %x (nil %v), go-ethereum %x = %x (nil %v)",
				who, i, k, e2eShort(v), v == nil, want[i][0], e2eShort(want[i][1]), want[i][1] == nil)
		}
	}
}

// forkIterator and forkDB stand for a fork's own ethdb (libevm, XDPoSChain, …):
// the same methods, but NewIterator returns the fork's own named iterator type.
// (The freezer is found by the Ancient method: a fork's database whose Ancient
// had another signature would have its frozen sections refused, not misread.)
type forkIterator interface {
	Next() bool
	Error() error
	Key() []byte
	Value() []byte
	Release()
}

type forkDB struct{ db ethdb.Database }

func (f *forkDB) Ancient(kind string, number uint64) ([]byte, error) {
	return f.db.Ancient(kind, number)
}

func (f *forkDB) Get(key []byte) ([]byte, error) { return f.db.Get(key) }
func (f *forkDB) Has(key []byte) (bool, error)   { return f.db.Has(key) }
func (f *forkDB) NewIterator(prefix, start []byte) forkIterator {
	return f.db.NewIterator(prefix, start)
}

// readerOver is what an embedder writes: index.NewReader(db, sectionSize), with
// the iterator type inferred from db's NewIterator.
func readersOver(t *testing.T, db ethdb.Database) map[string]*index.Reader {
	t.Helper()
	plain, err := index.NewReader(db, e2e.SectionSize) // I = ethdb.Iterator
	if err != nil {
		t.Fatal(err)
	}
	fork, err := index.NewReader(&forkDB{db}, e2e.SectionSize) // I = forkIterator
	if err != nil {
		t.Fatal(err)
	}
	return map[string]*index.Reader{"ethdb": plain, "fork": fork}
}

// gethVectors reads bit's vectors of sections as go-ethereum's bloom servers
// do (eth/bloombits.go).
func gethVectors(t *testing.T, db ethdb.Database, bit uint, sections uint64) [][]byte {
	t.Helper()
	out := make([][]byte, sections)
	for s := range sections {
		head := rawdb.ReadCanonicalHash(db, (s+1)*e2e.SectionSize-1)
		comp, err := rawdb.ReadBloomBits(db, bit, s, head)
		if err != nil {
			t.Fatalf("go-ethereum: bit %d, section %d: %v", bit, s, err)
		}
		if out[s], err = bitutil.DecompressBytes(comp, e2e.SectionSize/8); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// checkReader reads every bit of the first sections of db with r, in one run
// and section by section, and compares with go-ethereum's reads.
func checkReader(t *testing.T, who string, r *index.Reader, db ethdb.Database, sections uint64, step uint) {
	t.Helper()
	ctx := context.Background()
	dst := make([][]byte, sections)
	for i := range dst {
		dst[i] = make([]byte, e2e.SectionSize/8)
	}
	for bit := uint(0); bit < 2048; bit += step {
		want := gethVectors(t, db, bit, sections)
		if err := r.Bitsets(ctx, bit, 0, dst); err != nil {
			t.Fatalf("%s: bit %d: %v", who, bit, err)
		}
		for s := range dst {
			if !bytes.Equal(dst[s], want[s]) {
				t.Fatalf("%s: bit %d, section %d differs from go-ethereum's", who, bit, s)
			}
			if err := r.Bitsets(ctx, bit, uint64(s), dst[s:s+1]); err != nil || !bytes.Equal(dst[s], want[s]) {
				t.Fatalf("%s: bit %d, section %d alone: %v", who, bit, s, err)
			}
		}
	}
}

// TestIndexReaderEthdb reads a go-ethereum-written index with index.Reader over
// go-ethereum's own databases, passed as they are: rawdb's memory database and
// Pebble, and a fork's ethdb with its own iterator type.
func TestIndexReaderEthdb(t *testing.T) {
	const sections = 3
	all := indexSections(t)
	mem := rawdb.NewMemoryDatabase()
	geth, err := e2e.NewGethIndexer(mem)
	if err != nil {
		t.Fatal(err)
	}
	var parent common.Hash
	for s, name := range []string{"real", "empty", "dense"} {
		headers := indexHeaders(uint64(s), all[name], parent)
		parent = headers[len(headers)-1].Hash()
		rawdb.WriteCanonicalHash(mem, parent, headers[len(headers)-1].Number.Uint64())
		if err := e2e.IndexSection(context.Background(), geth, uint64(s), headers); err != nil {
			t.Fatal(err)
		}
	}
	for name, r := range readersOver(t, mem) {
		checkReader(t, "memorydb/"+name, r, mem, sections, 5)
	}

	chain, err := e2e.Build(e2e.Options{Sections: 2, EmptySections: 1, Indexer: e2e.GethSteps})
	if err != nil {
		t.Fatal(err)
	}
	defer chain.Close()
	for name, r := range readersOver(t, chain.DB) {
		checkReader(t, "pebble/"+name, r, chain.DB, 2, 7)
	}
}

// keyValueOnly hides a database's freezer: only Get and NewIterator are left.
type keyValueOnly struct{ db ethdb.Database }

func (k keyValueOnly) Get(key []byte) ([]byte, error) { return k.db.Get(key) }
func (k keyValueOnly) NewIterator(prefix, start []byte) ethdb.Iterator {
	return k.db.NewIterator(prefix, start)
}

// TestIndexReaderFreezer: on a node, the canonical hashes of frozen blocks are
// in the freezer only (the chain freezer deletes them from the key-value
// store). index.Reader reads them there through the database's Ancient method,
// as rawdb.ReadCanonicalHash does; without it, every frozen section would be
// "no canonical head".
func TestIndexReaderFreezer(t *testing.T) {
	const sections = 2
	db, err := rawdb.NewDatabaseWithFreezer(memorydb.New(), t.TempDir(), "", false)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	real := indexSections(t)["real"]
	w, err := index.NewWriter(e2e.SectionSize)
	if err != nil {
		t.Fatal(err)
	}
	var parent common.Hash
	batch := db.NewBatch()
	for s := range uint64(sections) {
		headers := indexHeaders(s, real, parent)
		parent = headers[len(headers)-1].Hash()
		blocks := make([]*types.Block, len(headers))
		receipts := make([]types.Receipts, len(headers))
		for i, h := range headers {
			blocks[i] = types.NewBlockWithHeader(h)
		}
		if _, err := rawdb.WriteAncientBlocks(db, blocks, receipts, big.NewInt(0)); err != nil {
			t.Fatal(err)
		}
		w.Reset(s)
		for i, h := range headers {
			if err := w.AddBloom(uint(i), h.Bloom); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Commit(batch, parent); err != nil {
			t.Fatal(err)
		}
	}
	if err := batch.Write(); err != nil {
		t.Fatal(err)
	}
	if v, err := db.Get(index.CanonicalHashKey(e2e.SectionSize - 1)); err == nil {
		t.Fatalf("the key-value store holds a frozen canonical hash (%x): the test proves nothing", v)
	}
	for name, r := range readersOver(t, db) {
		checkReader(t, "freezer/"+name, r, db, sections, 13)
	}
	r, err := index.NewReader(keyValueOnly{db}, e2e.SectionSize)
	if err != nil {
		t.Fatal(err)
	}
	dst := [][]byte{make([]byte, e2e.SectionSize/8)}
	if err := r.Bitsets(context.Background(), 1, 0, dst); !errors.Is(err, index.ErrNoSection) {
		t.Errorf("key-value store only: %v, want %v", err, index.ErrNoSection)
	}
}

var _ core.ChainIndexerBackend = (*e2e.BloomIndexer)(nil)

// TestIndexReaderReorg reorgs a Pebble chain indexed by go-ethereum's
// ChainIndexer and BloomIndexer across section boundaries: while the indexer
// lags, index.Reader (and a Snapshot) refuse the sections of the old chain;
// once go-ethereum's ChainIndexer has rolled back and re-indexed them, they
// read what go-ethereum's bloom servers read.
func TestIndexReaderReorg(t *testing.T) {
	chain, err := e2e.Build(e2e.Options{Sections: 3, Headers: true, Indexer: e2e.GethChainIndexer})
	if err != nil {
		t.Fatal(err)
	}
	defer chain.Close()
	r, err := index.NewReader(chain.DB, e2e.SectionSize)
	if err != nil {
		t.Fatal(err)
	}
	const bits = 97 // every 97th bit
	checkReader(t, "chain A", r, chain.DB, 3, bits)
	oldVector := gethVectors(t, chain.DB, 0, 3)[1]

	// Chain B forks at the start of section 1 and is one section longer.
	dense := indexSections(t)["dense"]
	parent := chain.Heads[0]
	var head *types.Header
	batch := chain.DB.NewBatch()
	for s := uint64(1); s <= 3; s++ {
		headers := indexHeaders(s, dense, parent)
		for _, h := range headers {
			h.Extra = []byte("chain B")
		}
		for i := range headers { // relink after changing Extra
			if i > 0 {
				headers[i].ParentHash = headers[i-1].Hash()
			} else {
				headers[i].ParentHash = parent
			}
			rawdb.WriteHeader(batch, headers[i])
			rawdb.WriteCanonicalHash(batch, headers[i].Hash(), headers[i].Number.Uint64())
		}
		head = headers[len(headers)-1]
		parent = head.Hash()
	}
	if err := batch.Write(); err != nil {
		t.Fatal(err)
	}

	// The indexer has not seen the reorg: its stored heads are chain A's.
	ctx := context.Background()
	dst := make([][]byte, 3)
	for i := range dst {
		dst[i] = make([]byte, e2e.SectionSize/8)
	}
	for name, src := range map[string]interface {
		Bitsets(context.Context, uint, uint64, [][]byte) error
	}{"reader": r, "snapshot": r.Snapshot()} {
		var e *index.Error
		if err := src.Bitsets(ctx, 0, 0, dst); !errors.Is(err, index.ErrNoVector) || !errors.As(err, &e) || e.Section != 1 {
			t.Errorf("%s during the reorg: %v, want no vector for section 1", name, err)
		}
		if err := src.Bitsets(ctx, 0, 0, dst[:1]); err != nil {
			t.Errorf("%s: section 0, before the fork: %v", name, err)
		}
	}

	// go-ethereum's ChainIndexer, started on chain B, rolls back and re-indexes.
	ci := core.NewBloomIndexer(chain.DB, e2e.SectionSize, 0)
	defer ci.Close()
	ci.Start(e2e.NewHeadChain(head))
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(10 * time.Millisecond) {
		if stored, _, h := ci.Sections(); stored == 4 && h == head.Hash() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("go-ethereum's ChainIndexer did not index chain B in time")
		}
	}
	if n, err := r.Sections(); n != 4 || err != nil {
		t.Errorf("Sections() = %d, %v; want 4", n, err)
	}
	checkReader(t, "chain B", r, chain.DB, 4, bits)
	if newVector := gethVectors(t, chain.DB, 0, 4)[1]; bytes.Equal(newVector, oldVector) {
		t.Fatal("chain B's vector of bit 0, section 1 equals chain A's: the test proves nothing")
	}
}
