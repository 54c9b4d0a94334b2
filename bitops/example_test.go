package bitops_test

import (
	"fmt"

	bitutil "github.com/bloomsimd/bloomsimd/bitops"
)

// bitops replaces go-ethereum's common/bitutil with a change of import path.
func ExampleANDBytes() {
	a := []byte{0b1100, 0xff, 0x0f}
	b := []byte{0b1010, 0x0f}
	dst := make([]byte, 3)
	n := bitutil.ANDBytes(dst, a, b) // works on min(len(a), len(b)) bytes
	fmt.Println(n, dst, bitutil.TestBytes(dst[:n]))
	// Output: 2 [8 15 0] true
}

// A bloom-bit vector is stored compressed; an all-zero one compresses to nothing.
func ExampleCompressBytes() {
	vector := make([]byte, 512) // one section of 4096 blocks
	vector[3] = 0x80            // block 24 matches
	packed := bitutil.CompressBytes(vector)
	back, err := bitutil.DecompressBytes(packed, len(vector))
	fmt.Println(len(packed), err, back[3] == 0x80, bitutil.CompressBytes(make([]byte, 512)) == nil)
	// Output: 4 <nil> true true
}
