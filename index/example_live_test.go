package index

import (
	"context"
	"fmt"

	"github.com/bloomsimd/bloomsimd/matcher"
)

// The live head index holds the sections not yet on disk, fed one canonical header
// at a time; a reorg rewinds it to the fork point. Compose joins it to the disk
// index, so that one Source covers every block up to the head.
func ExampleLive() {
	const sectionSize = 16
	live, err := NewLive(sectionSize)
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

	src := Compose(nil, nil, live) // nothing on disk yet
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
