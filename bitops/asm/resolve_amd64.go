//go:build !purego && !noasm

package asm

import "github.com/bloomsimd/bloomsimd/bitops/internal/kernels"

// resolve points each block operation at the kernel under the first open gate
// (requires_amd64_test.go checks the gates): AVX-512, then AVX2, else the generic
// level's panic.
func resolve() {
	switch {
	case avx512.open():
		kernels.And, kernels.Or, kernels.Xor = andAVX512, orAVX512, xorAVX512
		kernels.And3, kernels.OrAnd3 = and3AVX512, orAnd3AVX512
		kernels.OrInto, kernels.AndInto = orIntoAVX512, andIntoAVX512
		kernels.Test = testAVX512
	case avx2.open():
		kernels.And, kernels.Or, kernels.Xor = andAVX2, orAVX2, xorAVX2
		kernels.And3, kernels.OrAnd3 = and3AVX2, orAnd3AVX2
		kernels.OrInto, kernels.AndInto = orIntoAVX2, andIntoAVX2
		kernels.Test = testAVX2
	default:
		resolveGeneric()
		return
	}
	switch {
	case (avx512 | vpopcntdq).open():
		kernels.Popcount = popcountAVX512
	case avx2.open():
		kernels.Popcount = popcountAVX2
	}
}
