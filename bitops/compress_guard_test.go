package bitops

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/bloomsimd/bloomsimd/internal/guardpage"
	"github.com/bloomsimd/bloomsimd/internal/impltest"
)

// TestCompressGuardPages runs the kernels on inputs and outputs that end right
// before an inaccessible page, and on ones that start right after one: a load or
// store past either end faults.
func TestCompressGuardPages(t *testing.T) {
	m := guardpage.ForTest(t, 2, 2048)
	impltest.Run(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(12, 12))
		for _, d := range densities {
			for n := 0; n <= 1100; n++ {
				if n > 140 && n%64 > 2 && n%64 < 62 {
					continue
				}
				data := randomBits(r, n, d)
				want := refCompress(data)
				name := fmt.Sprintf("density=%g n=%d", d, n)
				for _, inFirst := range []bool{false, true} {
					in, out := m.At(inFirst, 0, n), m.At(!inFirst, 1, len(want))
					copy(in, data)
					if got := AppendCompressed(out[:0], in); !bytes.Equal(got, want) {
						t.Fatalf("%s: compress at the guards = %x, want %x", name, got, want)
					}
					enc, dec := m.At(!inFirst, 0, len(want)), m.At(inFirst, 1, n)
					copy(enc, want)
					if err := DecompressInto(dec, enc); err != nil || !bytes.Equal(dec, data) {
						t.Fatalf("%s: decompress at the guards = %x, %v; want %x", name, dec, err, data)
					}
				}
			}
		}
	})
}
