//go:build !purego && !noasm

package bitops

import (
	"github.com/bloomsimd/bloomsimd/bitops/asm"
	"github.com/bloomsimd/bloomsimd/internal/cpu"
)

// vector holds the block kernels of each level; the generic level has none.
var vector = [cpu.NEON + 1]blockKernels{
	cpu.NEON: {
		and: asm.AndNEON, or: asm.OrNEON, xor: asm.XorNEON, test: asm.TestNEON,
		popcount: asm.PopcountNEON, and3: asm.And3NEON, orAnd3: asm.OrAnd3NEON,
		orInto: asm.OrIntoNEON, andInto: asm.AndIntoNEON,
	},
}
