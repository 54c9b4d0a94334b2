package index_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strings"

	"golang.org/x/crypto/sha3"

	"github.com/bloomsimd/bloomsimd/index"
	"github.com/bloomsimd/bloomsimd/matcher"
	"github.com/bloomsimd/bloomsimd/rotate"
)

// bloomOf returns the bloom of one log address or topic, as go-ethereum's
// types.Bloom.Add: 3 bits from the Keccak-256 hash.
func bloomOf(data []byte) (bloom [256]byte) {
	h := sha3.NewLegacyKeccak256()
	h.Write(data)
	sum := h.Sum(nil)
	for i := 0; i < 6; i += 2 {
		bit := (uint(sum[i])<<8 | uint(sum[i+1])) % rotate.BloomBitLength
		bloom[rotate.BloomByteLength-1-bit/8] |= 1 << (bit % 8)
	}
	return bloom
}

// exampleDB is the examples' key-value store: a map with the methods of
// go-ethereum's ethdb that the index uses (Put, Get, NewIterator). A node
// passes its ethdb.Database (or an ethdb.Batch to Writer.Commit) instead.
type exampleDB map[string][]byte

func (db exampleDB) Put(key, value []byte) error {
	db[string(key)] = bytes.Clone(value)
	return nil
}

func (db exampleDB) Get(key []byte) ([]byte, error) {
	if v, ok := db[string(key)]; ok {
		return v, nil
	}
	return nil, errors.New("not found")
}

func (db exampleDB) NewIterator(prefix, start []byte) *exampleIterator {
	it := &exampleIterator{db: db, pos: -1}
	from := string(prefix) + string(start)
	for k := range db {
		if strings.HasPrefix(k, string(prefix)) && k >= from {
			it.keys = append(it.keys, k)
		}
	}
	sort.Strings(it.keys)
	return it
}

type exampleIterator struct {
	db   exampleDB
	keys []string
	pos  int
}

func (it *exampleIterator) Next() bool    { it.pos++; return it.pos < len(it.keys) }
func (it *exampleIterator) Error() error  { return nil }
func (it *exampleIterator) Key() []byte   { return []byte(it.keys[it.pos]) }
func (it *exampleIterator) Value() []byte { return it.db[it.keys[it.pos]] }
func (it *exampleIterator) Release()      {}

// A node indexes its sections with Writer, as its BloomIndexer does, and a log
// query scans them with a Snapshot of a Reader. Here the database is exampleDB;
// a node passes its ethdb.Database.
func Example() {
	const sectionSize = 16
	db := exampleDB{}
	contract := []byte("a contract address of 20 bytes.")

	// Index two sections; the contract logs in blocks 3, 17 and 30.
	w, err := index.NewWriter(sectionSize)
	if err != nil {
		panic(err)
	}
	for section := range uint64(2) {
		w.Reset(section)
		for i := range uint64(sectionSize) {
			var bloom [256]byte
			if n := section*sectionSize + i; n == 3 || n == 17 || n == 30 {
				bloom = bloomOf(contract)
			}
			if err := w.AddBloom(uint(i), bloom); err != nil {
				panic(err)
			}
		}
		// The hash of the section's last block, which the chain stores as
		// canonical (here made up).
		head := [32]byte{byte(section + 1)}
		db.Put(index.CanonicalHashKey((section+1)*sectionSize-1), head[:])
		if err := w.Commit(db, head); err != nil {
			panic(err)
		}
	}

	r, err := index.NewReader(db, sectionSize)
	if err != nil {
		panic(err)
	}
	m := matcher.NewMatcher(sectionSize, [][][]byte{{contract}})
	err = m.Scan(context.Background(), 0, 2*sectionSize-1, r.Snapshot(), func(block uint64) bool {
		fmt.Println("block", block)
		return true
	})
	fmt.Println("error:", err)
	// Output:
	// block 3
	// block 17
	// block 30
	// error: <nil>
}

// Writer writes what go-ethereum's BloomIndexer writes for a section: one key
// per bloom bit, "B" | bit | section | head, whose value is the bit's vector
// over the section's blocks, compressed (empty when no block has the bit).
func ExampleWriter() {
	const sectionSize = 16
	w, err := index.NewWriter(sectionSize)
	if err != nil {
		panic(err)
	}
	w.Reset(7) // section 7: blocks 112..127
	for i := range uint(sectionSize) {
		var bloom [256]byte
		if i == 3 || i == 9 { // bloom bit 100 set in blocks 115 and 121
			bloom[255-100/8] |= 1 << (100 % 8)
		}
		if err := w.AddBloom(i, bloom); err != nil {
			panic(err)
		}
	}
	batch := exampleDB{}   // a node's ethdb.Batch
	head := [32]byte{0xaa} // the hash of block 127
	if err := w.Commit(batch, head); err != nil {
		panic(err)
	}
	fmt.Println(len(batch), "keys")
	key := index.BloomBitsKey(100, 7, head)
	fmt.Printf("key %x…\nvalue %x\n", key[:11], batch[string(key)])
	fmt.Printf("bit 101: %d bytes\n", len(batch[string(index.BloomBitsKey(101, 7, head))]))
	// Output:
	// 2048 keys
	// key 4200640000000000000007…
	// value 1040
	// bit 101: 0 bytes
}

// Compose serves a query up to the chain head: the sections the node's
// BloomIndexer has written from disk (a Reader), the newer blocks from a Live
// fed header by header. A query scans one Snapshot of it, which sees one tip.
func ExampleCompose() {
	const sectionSize = 16
	db := exampleDB{}
	contract := []byte("a contract address of 20 bytes.")
	bloomAt := func(n uint64) (bloom [256]byte) {
		if n == 3 || n == 17 || n == 35 { // the contract logs in these blocks
			bloom = bloomOf(contract)
		}
		return bloom
	}
	hash := func(n uint64) [32]byte { return [32]byte{0xbb, byte(n)} }

	// On disk: sections 0 and 1 (blocks 0..31), as the BloomIndexer stores them.
	w, err := index.NewWriter(sectionSize)
	if err != nil {
		panic(err)
	}
	for section := range uint64(2) {
		w.Reset(section)
		for i := range uint64(sectionSize) {
			if err := w.AddBloom(uint(i), bloomAt(section*sectionSize+i)); err != nil {
				panic(err)
			}
		}
		last := (section+1)*sectionSize - 1
		head := hash(last)
		db.Put(index.CanonicalHashKey(last), head[:])
		if err := w.Commit(db, head); err != nil {
			panic(err)
		}
	}
	db.Put(index.SectionCountKey(), binary.BigEndian.AppendUint64(nil, 2))
	reader, err := index.NewReader(db, sectionSize)
	if err != nil {
		panic(err)
	}

	// In memory: blocks 32..40, from the first block not on disk.
	live, err := index.NewLive(sectionSize)
	if err != nil {
		panic(err)
	}
	for n := uint64(32); n <= 40; n++ {
		if err := live.Add(n, hash(n), hash(n-1), bloomAt(n)); err != nil {
			panic(err)
		}
	}

	onDisk := func() uint64 {
		n, _ := reader.Sections()
		return n
	}
	composed := index.Compose(reader, onDisk, live)
	m := matcher.NewMatcher(sectionSize, [][][]byte{{contract}})
	err = m.Scan(context.Background(), 0, 40, composed.Snapshot(), func(block uint64) bool {
		fmt.Println("block", block)
		return true
	})
	fmt.Println("error:", err, "sections:", composed.Sections())
	// Output:
	// block 3
	// block 17
	// block 35
	// error: <nil> sections: 3
}

// The live head index holds the sections not yet on disk, fed one canonical header
// at a time; a reorg rewinds it to the fork point. Compose joins it to the disk
// index, so that one Source covers every block up to the head.
func ExampleLive() {
	const sectionSize = 16
	live, err := index.NewLive(sectionSize)
	if err != nil {
		panic(err)
	}
	contract := []byte("a contract address of 20 bytes.")
	hash := func(n uint64, fork byte) [32]byte { return [32]byte{byte(n), fork} }

	// Blocks 0..20; the contract logs in block 5.
	for n := uint64(0); n <= 20; n++ {
		var bloom [256]byte
		if n == 5 {
			bloom = bloomOf(contract)
		}
		if err := live.Add(n, hash(n, 0), hash(n-1, 0), bloom); err != nil {
			panic(err)
		}
	}
	// A reorg replaces blocks 19 and 20 with a block 19 in which the contract logs.
	if err := live.Add(19, hash(19, 1), hash(18, 0), bloomOf(contract)); err != nil {
		panic(err)
	}
	// A block whose parent is unknown, or one that leaves a gap, is an error and
	// changes nothing.
	fmt.Println(live.Add(20, hash(20, 2), hash(19, 2), [256]byte{}))
	fmt.Println(live.Add(22, hash(22, 1), hash(21, 1), [256]byte{}))

	src := index.Compose(nil, nil, live) // nothing on disk yet
	m := matcher.NewMatcher(sectionSize, [][][]byte{{contract}})
	err = m.Scan(context.Background(), 0, 19, src.Snapshot(), func(block uint64) bool {
		fmt.Println("block", block)
		return true
	})
	fmt.Println("error:", err, "sections:", src.Sections())
	// Output:
	// index: live header's parent is not held: parent 1302000000000000000000000000000000000000000000000000000000000000 of block 20
	// index: live header does not follow the tip: block 22 after tip 19
	// block 5
	// block 19
	// error: <nil> sections: 2
}
