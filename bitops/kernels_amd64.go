//go:build !purego && !noasm

package bitops

import (
	"github.com/bloomsimd/bloomsimd/bitops/asm"
	"github.com/bloomsimd/bloomsimd/internal/cpu"
)

// vector holds the block kernels of each level; the generic level has none.
var vector = [cpu.AVX512 + 1]blockKernels{
	cpu.AVX2: {
		and: asm.AndAVX2, or: asm.OrAVX2, xor: asm.XorAVX2, test: asm.TestAVX2,
		popcount: asm.PopcountAVX2, and3: asm.And3AVX2, orAnd3: asm.OrAnd3AVX2,
		orInto: asm.OrIntoAVX2, andInto: asm.AndIntoAVX2,
	},
	cpu.AVX512: {
		and: asm.AndAVX512, or: asm.OrAVX512, xor: asm.XorAVX512, test: asm.TestAVX512,
		popcount: asm.PopcountAVX512, and3: asm.And3AVX512, orAnd3: asm.OrAnd3AVX512,
		orInto: asm.OrIntoAVX512, andInto: asm.AndIntoAVX512,
	},
}

func init() {
	// VPOPCNTQ is an extension of its own (Ice Lake, Zen 4 on); without it the AVX2
	// nibble lookup counts.
	if !cpu.Has.VPOPCNTDQ {
		vector[cpu.AVX512].popcount = asm.PopcountAVX2
	}
}
