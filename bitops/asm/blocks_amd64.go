//go:build !purego && !noasm

package asm

import (
	"unsafe"

	"github.com/bloomsimd/bloomsimd/bitops/internal/kernels"
)

// The block functions check their lengths (blocks.go) and run the kernel under
// the first open gate (requires_amd64_test.go checks the gates): AVX-512, then
// AVX2. On the generic level they panic with errLevel.

// And sets dst = a & b. The three lengths are equal and a positive multiple of 64.
func And(dst, a, b []byte) {
	n := blocks3(dst, a, b)
	switch {
	case avx512.open():
		kernels.AndAVX512(unsafe.SliceData(dst), unsafe.SliceData(a), unsafe.SliceData(b), n)
		return
	case avx2.open():
		kernels.AndAVX2(unsafe.SliceData(dst), unsafe.SliceData(a), unsafe.SliceData(b), n)
		return
	}
	panic(errLevel)
}

// Or sets dst = a | b. The three lengths are equal and a positive multiple of 64.
func Or(dst, a, b []byte) {
	n := blocks3(dst, a, b)
	switch {
	case avx512.open():
		kernels.OrAVX512(unsafe.SliceData(dst), unsafe.SliceData(a), unsafe.SliceData(b), n)
		return
	case avx2.open():
		kernels.OrAVX2(unsafe.SliceData(dst), unsafe.SliceData(a), unsafe.SliceData(b), n)
		return
	}
	panic(errLevel)
}

// Xor sets dst = a ^ b. The three lengths are equal and a positive multiple of 64.
func Xor(dst, a, b []byte) {
	n := blocks3(dst, a, b)
	switch {
	case avx512.open():
		kernels.XorAVX512(unsafe.SliceData(dst), unsafe.SliceData(a), unsafe.SliceData(b), n)
		return
	case avx2.open():
		kernels.XorAVX2(unsafe.SliceData(dst), unsafe.SliceData(a), unsafe.SliceData(b), n)
		return
	}
	panic(errLevel)
}

// Test reports whether any byte of p is non-zero. len(p) is a positive multiple of 64.
func Test(p []byte) bool {
	n := blocks1(p)
	switch {
	case avx512.open():
		return kernels.TestAVX512(unsafe.SliceData(p), n)
	case avx2.open():
		return kernels.TestAVX2(unsafe.SliceData(p), n)
	}
	panic(errLevel)
}

// Popcount returns the number of set bits of p. len(p) is a positive multiple of 64.
func Popcount(p []byte) int {
	n := blocks1(p)
	switch {
	case (avx512 | vpopcntdq).open():
		return kernels.PopcountAVX512(unsafe.SliceData(p), n)
	case avx2.open():
		return kernels.PopcountAVX2(unsafe.SliceData(p), n)
	}
	panic(errLevel)
}

// And3 sets dst = a & b & c. The four lengths are equal and a positive multiple of 64.
func And3(dst, a, b, c []byte) {
	n := blocks4(dst, a, b, c)
	switch {
	case avx512.open():
		kernels.And3AVX512(unsafe.SliceData(dst), unsafe.SliceData(a), unsafe.SliceData(b), unsafe.SliceData(c), n)
		return
	case avx2.open():
		kernels.And3AVX2(unsafe.SliceData(dst), unsafe.SliceData(a), unsafe.SliceData(b), unsafe.SliceData(c), n)
		return
	}
	panic(errLevel)
}

// OrAnd3 sets dst |= a & b & c. The four lengths are equal and a positive multiple of 64.
func OrAnd3(dst, a, b, c []byte) {
	n := blocks4(dst, a, b, c)
	switch {
	case avx512.open():
		kernels.OrAnd3AVX512(unsafe.SliceData(dst), unsafe.SliceData(a), unsafe.SliceData(b), unsafe.SliceData(c), n)
		return
	case avx2.open():
		kernels.OrAnd3AVX2(unsafe.SliceData(dst), unsafe.SliceData(a), unsafe.SliceData(b), unsafe.SliceData(c), n)
		return
	}
	panic(errLevel)
}

// OrInto sets dst |= src. The two lengths are equal and a positive multiple of 64.
func OrInto(dst, src []byte) {
	n := blocks2(dst, src)
	switch {
	case avx512.open():
		kernels.OrIntoAVX512(unsafe.SliceData(dst), unsafe.SliceData(src), n)
		return
	case avx2.open():
		kernels.OrIntoAVX2(unsafe.SliceData(dst), unsafe.SliceData(src), n)
		return
	}
	panic(errLevel)
}

// AndInto sets dst &= src and reports whether any bit of dst is left set. The two
// lengths are equal and a positive multiple of 64.
func AndInto(dst, src []byte) bool {
	n := blocks2(dst, src)
	switch {
	case avx512.open():
		return kernels.AndIntoAVX512(unsafe.SliceData(dst), unsafe.SliceData(src), n)
	case avx2.open():
		return kernels.AndIntoAVX2(unsafe.SliceData(dst), unsafe.SliceData(src), n)
	}
	panic(errLevel)
}
