package rotate_test

import (
	"fmt"

	bloombits "github.com/bloomsimd/bloomsimd/rotate"
)

// The Generator turns a section's blooms into one vector per bloom bit, with a bit
// per block, exactly as go-ethereum's core/bloombits.Generator.
func ExampleGenerator() {
	gen, err := bloombits.NewGenerator(4096)
	if err != nil {
		panic(err)
	}
	for block := uint(0); block < 4096; block++ {
		var bloom [256]byte // a go-ethereum types.Bloom passes as it is
		if block == 10 {
			bloom[255] = 0x01 // bloom bit 0 is bit 0 of the last byte
		}
		if err := gen.AddBloom(block, bloom); err != nil {
			panic(err)
		}
	}
	vector, err := gen.Bitset(0)
	fmt.Println(len(vector), vector[1] == 0x80>>2, err) // block 10: byte 1, mask 0x80>>2
	// Output: 512 true <nil>
}
