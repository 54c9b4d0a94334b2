//go:build !purego && !noasm

package kernels

// The entries of the NEON kernels (see the package comment): each is its kernel.

func AndNEON(dst, a, b *byte, n int)         { andNEON(dst, a, b, n) }
func OrNEON(dst, a, b *byte, n int)          { orNEON(dst, a, b, n) }
func XorNEON(dst, a, b *byte, n int)         { xorNEON(dst, a, b, n) }
func And3NEON(dst, a, b, c *byte, n int)     { and3NEON(dst, a, b, c, n) }
func OrAnd3NEON(dst, a, b, c *byte, n int)   { orAnd3NEON(dst, a, b, c, n) }
func OrIntoNEON(dst, src *byte, n int)       { orIntoNEON(dst, src, n) }
func AndIntoNEON(dst, src *byte, n int) bool { return andIntoNEON(dst, src, n) }
func TestNEON(p *byte, n int) bool           { return testNEON(p, n) }
func PopcountNEON(p *byte, n int) int        { return popcountNEON(p, n) }
