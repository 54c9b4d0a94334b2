package index

import (
	"context"
	"fmt"

	"golang.org/x/crypto/sha3"

	"github.com/bloomsimd/bloomsimd/matcher"
)

// bloomOf returns the bloom of one log address or topic, as go-ethereum's
// types.Bloom.Add: 3 bits from the Keccak-256 hash.
func bloomOf(data []byte) (bloom [256]byte) {
	h := sha3.NewLegacyKeccak256()
	h.Write(data)
	sum := h.Sum(nil)
	for i := 0; i < 6; i += 2 {
		bit := (uint(sum[i])<<8 | uint(sum[i+1])) & 2047
		bloom[255-bit/8] |= 1 << (bit % 8)
	}
	return bloom
}

// A node indexes its sections with Writer, as its BloomIndexer does, and a log
// query scans them with a Snapshot of a Reader. Here the database is a small
// in-memory store (memdb_test.go); a node passes its ethdb.Database.
func Example() {
	const sectionSize = 16
	db := newMemDB()
	contract := []byte("a contract address of 20 bytes.")

	// Index two sections; the contract logs in blocks 3, 17 and 30.
	w, err := NewWriter(sectionSize)
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
		db.Put(CanonicalHashKey((section+1)*sectionSize-1), head[:])
		if err := w.Commit(db, head); err != nil {
			panic(err)
		}
	}

	r, err := NewReader(db, sectionSize)
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
