//go:build !purego && !noasm

package asm

import (
	"unsafe"

	"github.com/bloomsimd/bloomsimd/bitops/internal/kernels"
)

// The block functions check their lengths (blocks.go) and run the NEON kernel,
// which every arm64 CPU has; on the generic level they panic with errLevel.

// And sets dst = a & b. The three lengths are equal and a positive multiple of 64.
func And(dst, a, b []byte) {
	n := blocks3(dst, a, b)
	switch {
	case neon():
		kernels.AndNEON(unsafe.SliceData(dst), unsafe.SliceData(a), unsafe.SliceData(b), n)
		return
	}
	panic(errLevel)
}

// Or sets dst = a | b. The three lengths are equal and a positive multiple of 64.
func Or(dst, a, b []byte) {
	n := blocks3(dst, a, b)
	switch {
	case neon():
		kernels.OrNEON(unsafe.SliceData(dst), unsafe.SliceData(a), unsafe.SliceData(b), n)
		return
	}
	panic(errLevel)
}

// Xor sets dst = a ^ b. The three lengths are equal and a positive multiple of 64.
func Xor(dst, a, b []byte) {
	n := blocks3(dst, a, b)
	switch {
	case neon():
		kernels.XorNEON(unsafe.SliceData(dst), unsafe.SliceData(a), unsafe.SliceData(b), n)
		return
	}
	panic(errLevel)
}

// Test reports whether any byte of p is non-zero. len(p) is a positive multiple of 64.
func Test(p []byte) bool {
	n := blocks1(p)
	switch {
	case neon():
		return kernels.TestNEON(unsafe.SliceData(p), n)
	}
	panic(errLevel)
}

// Popcount returns the number of set bits of p. len(p) is a positive multiple of 64.
func Popcount(p []byte) int {
	n := blocks1(p)
	switch {
	case neon():
		return kernels.PopcountNEON(unsafe.SliceData(p), n)
	}
	panic(errLevel)
}

// And3 sets dst = a & b & c. The four lengths are equal and a positive multiple of 64.
func And3(dst, a, b, c []byte) {
	n := blocks4(dst, a, b, c)
	switch {
	case neon():
		kernels.And3NEON(unsafe.SliceData(dst), unsafe.SliceData(a), unsafe.SliceData(b), unsafe.SliceData(c), n)
		return
	}
	panic(errLevel)
}

// OrAnd3 sets dst |= a & b & c. The four lengths are equal and a positive multiple of 64.
func OrAnd3(dst, a, b, c []byte) {
	n := blocks4(dst, a, b, c)
	switch {
	case neon():
		kernels.OrAnd3NEON(unsafe.SliceData(dst), unsafe.SliceData(a), unsafe.SliceData(b), unsafe.SliceData(c), n)
		return
	}
	panic(errLevel)
}

// OrInto sets dst |= src. The two lengths are equal and a positive multiple of 64.
func OrInto(dst, src []byte) {
	n := blocks2(dst, src)
	switch {
	case neon():
		kernels.OrIntoNEON(unsafe.SliceData(dst), unsafe.SliceData(src), n)
		return
	}
	panic(errLevel)
}

// AndInto sets dst &= src and reports whether any bit of dst is left set. The two
// lengths are equal and a positive multiple of 64.
func AndInto(dst, src []byte) bool {
	n := blocks2(dst, src)
	switch {
	case neon():
		return kernels.AndIntoNEON(unsafe.SliceData(dst), unsafe.SliceData(src), n)
	}
	panic(errLevel)
}
