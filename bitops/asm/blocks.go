//go:build !purego && !noasm && (amd64 || arm64)

package asm

import (
	"unsafe"

	"github.com/bloomsimd/bloomsimd/bitops/internal/kernels"
	"github.com/bloomsimd/bloomsimd/internal/cpu"
)

// The block functions check their lengths and make one indirect call to the
// kernel that resolve (resolve_<arch>.go) chose for the active level, with no
// CPU feature loads per call. resolve publishes its choice in package
// bitops/internal/kernels, where package bitops calls the kernels after checks
// of its own.

func init() {
	resolve()
	cpu.OnChange(resolve)
}

// resolveGeneric points every block operation at a function that panics with
// errLevel: the generic level has no block kernels.
func resolveGeneric() {
	kernels.And, kernels.Or, kernels.Xor = noBinary, noBinary, noBinary
	kernels.And3, kernels.OrAnd3 = noTernary, noTernary
	kernels.OrInto, kernels.AndInto = noInto, noAndInto
	kernels.Test, kernels.Popcount = noTest, noCount
}

func noBinary(_, _, _ *byte, _ int)     { panic(errLevel) }
func noTernary(_, _, _, _ *byte, _ int) { panic(errLevel) }
func noInto(_, _ *byte, _ int)          { panic(errLevel) }
func noAndInto(_, _ *byte, _ int) bool  { panic(errLevel) }
func noTest(_ *byte, _ int) bool        { panic(errLevel) }
func noCount(_ *byte, _ int) int        { panic(errLevel) }

// whole reports whether n is a positive multiple of 64, the unit of the block kernels.
func whole(n int) bool { return n > 0 && n&63 == 0 }

// And sets dst = a & b. The three lengths are equal and a positive multiple of 64.
func And(dst, a, b []byte) {
	n := len(dst)
	if !whole(n) || len(a) != n || len(b) != n {
		panic(errBlocks)
	}
	kernels.And(unsafe.SliceData(dst), unsafe.SliceData(a), unsafe.SliceData(b), n)
}

// Or sets dst = a | b. The three lengths are equal and a positive multiple of 64.
func Or(dst, a, b []byte) {
	n := len(dst)
	if !whole(n) || len(a) != n || len(b) != n {
		panic(errBlocks)
	}
	kernels.Or(unsafe.SliceData(dst), unsafe.SliceData(a), unsafe.SliceData(b), n)
}

// Xor sets dst = a ^ b. The three lengths are equal and a positive multiple of 64.
func Xor(dst, a, b []byte) {
	n := len(dst)
	if !whole(n) || len(a) != n || len(b) != n {
		panic(errBlocks)
	}
	kernels.Xor(unsafe.SliceData(dst), unsafe.SliceData(a), unsafe.SliceData(b), n)
}

// Test reports whether any byte of p is non-zero. len(p) is a positive multiple of 64.
func Test(p []byte) bool {
	if !whole(len(p)) {
		panic(errBlocks)
	}
	return kernels.Test(unsafe.SliceData(p), len(p))
}

// Popcount returns the number of set bits of p. len(p) is a positive multiple of 64.
func Popcount(p []byte) int {
	if !whole(len(p)) {
		panic(errBlocks)
	}
	return kernels.Popcount(unsafe.SliceData(p), len(p))
}

// And3 sets dst = a & b & c. The four lengths are equal and a positive multiple of 64.
func And3(dst, a, b, c []byte) {
	n := len(dst)
	if !whole(n) || len(a) != n || len(b) != n || len(c) != n {
		panic(errBlocks)
	}
	kernels.And3(unsafe.SliceData(dst), unsafe.SliceData(a), unsafe.SliceData(b), unsafe.SliceData(c), n)
}

// OrAnd3 sets dst |= a & b & c. The four lengths are equal and a positive multiple of 64.
func OrAnd3(dst, a, b, c []byte) {
	n := len(dst)
	if !whole(n) || len(a) != n || len(b) != n || len(c) != n {
		panic(errBlocks)
	}
	kernels.OrAnd3(unsafe.SliceData(dst), unsafe.SliceData(a), unsafe.SliceData(b), unsafe.SliceData(c), n)
}

// OrInto sets dst |= src. The two lengths are equal and a positive multiple of 64.
func OrInto(dst, src []byte) {
	n := len(dst)
	if !whole(n) || len(src) != n {
		panic(errBlocks)
	}
	kernels.OrInto(unsafe.SliceData(dst), unsafe.SliceData(src), n)
}

// AndInto sets dst &= src and reports whether any bit of dst is left set. The two
// lengths are equal and a positive multiple of 64.
func AndInto(dst, src []byte) bool {
	n := len(dst)
	if !whole(n) || len(src) != n {
		panic(errBlocks)
	}
	return kernels.AndInto(unsafe.SliceData(dst), unsafe.SliceData(src), n)
}
