package bench

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/bitutil"
	"github.com/ethereum/go-ethereum/core/rawdb"
	"github.com/ethereum/go-ethereum/ethdb"
	"github.com/ethereum/go-ethereum/ethdb/leveldb"
	"github.com/ethereum/go-ethereum/ethdb/memorydb"

	"github.com/bloomsimd/bloomsimd/bench/internal/e2e"
	"github.com/bloomsimd/bloomsimd/index"
	"github.com/bloomsimd/bloomsimd/internal/blooms"
)

// storeBenchSections is the length of the index BenchmarkReaderStore reads.
const storeBenchSections = 16

// BenchmarkReaderStore reads one bloom bit over a run of sections (ns/op per
// run) from go-ethereum's databases, as a node's bloom servers read it:
//   - impl=geth: go-ethereum's loop (eth/bloombits.go): per section
//     rawdb.ReadCanonicalHash, rawdb.ReadBloomBits and bitutil.DecompressBytes;
//   - impl=reader: index.Reader.Bitsets over the same database, one Reader for
//     all the runs of a row, as a node keeps one: what it spends measuring the
//     store (costs.go) falls in the first runs. On memorydb that is one
//     iterator over the whole database (40-200 ms at 400k keys), and another
//     only after point reads have cost 32 times as much.
//
// The databases: go-ethereum's memorydb holding the index and 0, 100k or 400k
// unrelated keys (its NewIterator copies and sorts the whole database), and
// Pebble and LevelDB on disk, compacted, through go-ethereum's own wrappers.
// Compare with: go tool benchstat -col /impl.
func BenchmarkReaderStore(b *testing.B) {
	all, err := blooms.Load()
	if err != nil {
		b.Fatal(err)
	}
	type store struct {
		name string
		open func(b *testing.B) (ethdb.Database, error)
	}
	memory := func(keys int) store {
		return store{fmt.Sprintf("db=memorydb/keys=%dk", keys/1000), func(*testing.B) (ethdb.Database, error) {
			db := rawdb.NewDatabase(memorydb.New()) // rawdb.NewMemoryDatabase
			return db, putUnrelated(db, keys)
		}}
	}
	stores := []store{
		memory(0), memory(100_000), memory(400_000),
		{"db=pebble/keys=0k", func(b *testing.B) (ethdb.Database, error) {
			return e2e.OpenDB(b.TempDir())
		}},
		{"db=leveldb/keys=0k", func(b *testing.B) (ethdb.Database, error) {
			kv, err := leveldb.New(b.TempDir(), 64, 64, "bloomsimd/bench/", false)
			if err != nil {
				return nil, err
			}
			return rawdb.NewDatabase(kv), nil
		}},
	}
	for _, st := range stores {
		b.Run(st.name, func(b *testing.B) {
			db, err := st.open(b)
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			if err := writeStoreIndex(db, all); err != nil {
				b.Fatal(err)
			}
			for _, n := range []int{3, storeBenchSections} {
				first := uint64(storeBenchSections - n)
				b.Run(fmt.Sprintf("sections=%d/impl=geth", n), func(b *testing.B) {
					b.ReportAllocs()
					for i := range b.N {
						if err := gethReadRun(db, uint(i%index.BloomBits), first, n); err != nil {
							b.Fatal(err)
						}
					}
				})
				r, err := index.NewReader(db, e2e.SectionSize) // one for all the runs, as a node's
				if err != nil {
					b.Fatal(err)
				}
				b.Run(fmt.Sprintf("sections=%d/impl=reader", n), func(b *testing.B) {
					dst := make([][]byte, n)
					for i := range dst {
						dst[i] = make([]byte, e2e.SectionSize/8)
					}
					ctx := context.Background()
					b.ReportAllocs()
					for i := range b.N {
						if err := r.Bitsets(ctx, uint(i%index.BloomBits), first, dst); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}

// gethReadRun reads bit's vectors of sections first..first+n-1 as go-ethereum's
// bloom servers do (eth/bloombits.go startBloomHandlers).
func gethReadRun(db ethdb.Reader, bit uint, first uint64, n int) error {
	for s := first; s < first+uint64(n); s++ {
		head := rawdb.ReadCanonicalHash(db, (s+1)*e2e.SectionSize-1)
		comp, err := rawdb.ReadBloomBits(db, bit, s, head)
		if err != nil {
			return err
		}
		if _, err := bitutil.DecompressBytes(comp, e2e.SectionSize/8); err != nil {
			return err
		}
	}
	return nil
}

// writeStoreIndex writes the index of storeBenchSections sections of real
// blooms, with their canonical hashes and the stored section heads and count,
// as a node's BloomIndexer leaves them, and compacts the database.
func writeStoreIndex(db ethdb.KeyValueStore, all [][256]byte) error {
	w, err := index.NewWriter(e2e.SectionSize)
	if err != nil {
		return err
	}
	batch := db.NewBatch()
	for s := range uint64(storeBenchSections) {
		w.Reset(s)
		for j := range uint64(e2e.SectionSize) {
			if err := w.AddBloom(uint(j), all[(s*e2e.SectionSize+j)%uint64(len(all))]); err != nil {
				return err
			}
		}
		head := common.Hash{0xbe, byte(s), byte(s >> 8)}
		if err := w.Commit(batch, head); err != nil {
			return err
		}
		rawdb.WriteCanonicalHash(batch, head, (s+1)*e2e.SectionSize-1)
		if err := batch.Put(index.SectionHeadKey(s), head[:]); err != nil {
			return err
		}
		if err := batch.Write(); err != nil {
			return err
		}
		batch.Reset()
	}
	if err := db.Put(index.SectionCountKey(), binary.BigEndian.AppendUint64(nil, storeBenchSections)); err != nil {
		return err
	}
	return db.Compact(nil, nil)
}

// putUnrelated puts n keys that are not the index's: random 32-byte hashes under
// a prefix of their own, with 32-byte values, as a chain's other data.
func putUnrelated(db ethdb.KeyValueWriter, n int) error {
	rng := rand.New(rand.NewPCG(1, 2))
	key := make([]byte, 33)
	key[0] = 'x'
	val := make([]byte, 32)
	for range n {
		for i := 1; i < len(key); i += 8 {
			binary.LittleEndian.PutUint64(key[i:], rng.Uint64())
		}
		if err := db.Put(key, val); err != nil {
			return err
		}
	}
	return nil
}
