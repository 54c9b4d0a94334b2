//go:build !purego && !noasm

package asm

import "github.com/bloomsimd/bloomsimd/bitops/internal/kernels"

// resolve points each block operation at its NEON kernel, or at the generic
// level's panic.
func resolve() {
	if !neon() {
		resolveGeneric()
		return
	}
	kernels.And, kernels.Or, kernels.Xor = andNEON, orNEON, xorNEON
	kernels.And3, kernels.OrAnd3 = and3NEON, orAnd3NEON
	kernels.OrInto, kernels.AndInto = orIntoNEON, andIntoNEON
	kernels.Test, kernels.Popcount = testNEON, popcountNEON
}
