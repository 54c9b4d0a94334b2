//go:build !purego && !noasm

package bitops

import (
	"testing"

	"github.com/bloomsimd/bloomsimd/internal/cpu"
)

// TestKernelChoiceFollowsLevel: under every level and feature mask this CPU runs,
// the operations take the AVX-512 kernels exactly on the AVX-512 level (the AVX-512
// popcount also needs VPOPCNTDQ), and vector kernels at all only from the AVX2
// level up. The AVX-512 and AVX2 kernels need no more than their level's features
// (bitops/asm's requires_amd64_test.go checks their Requires lines against the
// same gates), so this is what keeps each kernel on a CPU that runs it.
func TestKernelChoiceFollowsLevel(t *testing.T) {
	for _, v := range cpu.Variants() {
		restore, err := cpu.Select(v)
		if err != nil {
			t.Fatal(err)
		}
		avx512 := cpu.Active == cpu.AVX512
		if wide() != avx512 {
			t.Errorf("%s: wide() = %v on level %s", v.Name, wide(), cpu.Active)
		}
		if widePopcount() != (avx512 && cpu.Has.VPOPCNTDQ) {
			t.Errorf("%s: widePopcount() = %v with VPOPCNTDQ %v", v.Name, widePopcount(), cpu.Has.VPOPCNTDQ)
		}
		if blockBytes(64) > 0 != (cpu.Active >= cpu.AVX2) {
			t.Errorf("%s: blockBytes(64) = %d on level %s", v.Name, blockBytes(64), cpu.Active)
		}
		restore()
	}
}
