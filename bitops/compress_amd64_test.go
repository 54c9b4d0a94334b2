//go:build !purego && !noasm

package bitops

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/bloomsimd/bloomsimd/internal/cpu"
)

// TestCompressWithoutVBMI2: AVX-512 CPUs without VBMI2 or GFNI (Skylake-X) run the
// AVX2 kernels on the AVX-512 level.
func TestCompressWithoutVBMI2(t *testing.T) {
	if cpu.Best != cpu.AVX512 {
		t.Skip("no AVX-512")
	}
	defer cpu.MaskForTest(cpu.Features{VBMI2: true, GFNI: true})()
	restore, err := cpu.Set("avx512")
	if err != nil {
		t.Fatal(err)
	}
	defer restore()
	r := rand.New(rand.NewPCG(11, 11))
	for _, d := range densities {
		for _, n := range []int{0, 1, 63, 64, 65, 512, 1000} {
			checkRoundTrip(t, fmt.Sprintf("density=%g n=%d", d, n), randomBits(r, n, d))
		}
	}
	if maskedTails() {
		t.Fatal("AVX-512 compression kernels selected without VBMI2")
	}
}
