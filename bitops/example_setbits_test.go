//go:build go1.23

// Ranging over a function needs Go 1.23: the module's go directive is 1.22
// (forks build it with their own Go), so this example asks for 1.23.

package bitops_test

import (
	"fmt"

	bitutil "github.com/bloomsimd/bloomsimd/bitops"
)

// SetBits walks the set bits of a vector, MSB first: the blocks of a section that
// match.
func ExampleSetBits() {
	vector := []byte{0x81, 0x00, 0x40}
	for bit := range bitutil.SetBits(vector) {
		fmt.Print(bit, " ")
	}
	fmt.Println()
	// Output: 0 7 17
}
