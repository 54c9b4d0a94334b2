//go:build !purego && !noasm

package asm

// Hand-written NEON kernels (bitops_arm64.s). NEON is baseline on arm64, so they need
// no feature check. Pointers may be unaligned, and dst may be the same pointer as any
// source: every 64-byte block is loaded in full before it is stored.

// AndNEON sets dst = a & b over n bytes, n a positive multiple of 64.
//
//go:noescape
func AndNEON(dst, a, b *byte, n int)

// OrNEON sets dst = a | b over n bytes, n a positive multiple of 64.
//
//go:noescape
func OrNEON(dst, a, b *byte, n int)

// XorNEON sets dst = a ^ b over n bytes, n a positive multiple of 64.
//
//go:noescape
func XorNEON(dst, a, b *byte, n int)

// TestNEON reports whether any of n bytes at p is non-zero, n a positive multiple of 64.
// It returns at the first 64-byte block that has a bit set.
//
//go:noescape
func TestNEON(p *byte, n int) bool

// PopcountNEON returns the number of set bits in n bytes at p, n a positive multiple of 64.
//
//go:noescape
func PopcountNEON(p *byte, n int) int

// And3NEON sets dst = a & b & c over n bytes, n a positive multiple of 64.
//
//go:noescape
func And3NEON(dst, a, b, c *byte, n int)

// OrAnd3NEON sets dst |= a & b & c over n bytes, n a positive multiple of 64.
//
//go:noescape
func OrAnd3NEON(dst, a, b, c *byte, n int)

// OrIntoNEON sets dst |= src over n bytes, n a positive multiple of 64.
//
//go:noescape
func OrIntoNEON(dst, src *byte, n int)

// AndIntoNEON sets dst &= src over n bytes, n a positive multiple of 64,
// and reports whether any bit of dst is left set.
//
//go:noescape
func AndIntoNEON(dst, src *byte, n int) bool
