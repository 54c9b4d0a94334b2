//go:build !purego && !noasm

package kernels

// Hand-written NEON kernels (blocks_arm64.s). NEON is baseline on arm64, so they need
// no feature check. Pointers may be unaligned, and dst may be the same pointer as any
// source: every 64-byte block is loaded in full before it is stored. The loops test
// the count at the bottom: n = 0 would run on until a fault, so only their entries
// (entries_arm64.go) call them, for callers that checked n.

// andNEON sets dst = a & b over n bytes, n a positive multiple of 64.
//
//go:noescape
func andNEON(dst, a, b *byte, n int)

// orNEON sets dst = a | b over n bytes, n a positive multiple of 64.
//
//go:noescape
func orNEON(dst, a, b *byte, n int)

// xorNEON sets dst = a ^ b over n bytes, n a positive multiple of 64.
//
//go:noescape
func xorNEON(dst, a, b *byte, n int)

// testNEON reports whether any of n bytes at p is non-zero, n a positive multiple of 64.
// It returns at the first 64-byte block that has a bit set.
//
//go:noescape
func testNEON(p *byte, n int) bool

// popcountNEON returns the number of set bits in n bytes at p, n a positive multiple of 64.
//
//go:noescape
func popcountNEON(p *byte, n int) int

// and3NEON sets dst = a & b & c over n bytes, n a positive multiple of 64.
//
//go:noescape
func and3NEON(dst, a, b, c *byte, n int)

// orAnd3NEON sets dst |= a & b & c over n bytes, n a positive multiple of 64.
//
//go:noescape
func orAnd3NEON(dst, a, b, c *byte, n int)

// orIntoNEON sets dst |= src over n bytes, n a positive multiple of 64.
//
//go:noescape
func orIntoNEON(dst, src *byte, n int)

// andIntoNEON sets dst &= src over n bytes, n a positive multiple of 64,
// and reports whether any bit of dst is left set.
//
//go:noescape
func andIntoNEON(dst, src *byte, n int) bool
