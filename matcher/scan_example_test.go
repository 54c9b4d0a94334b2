package matcher_test

import (
	"context"
	"fmt"

	"golang.org/x/crypto/sha3"

	"github.com/bloomsimd/bloomsimd/matcher"
	"github.com/bloomsimd/bloomsimd/rotate"
)

// memorySource serves the vectors of sections rotated in memory.
type memorySource [][][]byte // [section][bit] vector

func (s memorySource) Bitsets(ctx context.Context, bit uint, first uint64, dst [][]byte) error {
	for i := range dst {
		copy(dst[i], s[first+uint64(i)][bit])
	}
	return nil
}

// addToBloom sets the three bloom bits of a clause (an address or a topic), as
// go-ethereum's types.Bloom.Add does.
func addToBloom(bloom *[256]byte, clause []byte) {
	h := sha3.NewLegacyKeccak256()
	h.Write(clause)
	sum := h.Sum(nil)
	for k := 0; k < 6; k += 2 {
		bit := (uint(sum[k])<<8 | uint(sum[k+1])) & 2047
		bloom[255-bit/8] |= 1 << (bit % 8)
	}
}

// Scan runs a filter over a Source directly, with no retrieval protocol: here two
// sections indexed in memory, where the address logs in blocks 5 and 4100.
func ExampleMatcher_Scan() {
	address := []byte("an address of 20 b..")
	var src memorySource
	for section := 0; section < 2; section++ {
		gen, _ := rotate.NewGenerator(4096)
		for i := uint(0); i < 4096; i++ {
			var bloom [256]byte
			if block := uint(section)*4096 + i; block == 5 || block == 4100 {
				addToBloom(&bloom, address)
			}
			gen.AddBloom(i, bloom)
		}
		vectors := make([][]byte, 2048)
		for bit := range vectors {
			vectors[bit], _ = gen.Bitset(uint(bit))
		}
		src = append(src, vectors)
	}
	m := matcher.NewMatcher(4096, [][][]byte{{address}})
	err := m.Scan(context.Background(), 0, 8191, src, func(block uint64) bool {
		fmt.Println("block", block)
		return true
	})
	fmt.Println(err)
	// Output:
	// block 5
	// block 4100
	// <nil>
}
