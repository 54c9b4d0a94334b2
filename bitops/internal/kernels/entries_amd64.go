//go:build !purego && !noasm

package kernels

// The entries of the AVX-512/AVX2 kernels (see the package comment): each is its kernel.

func AndAVX512(dst, a, b *byte, n int)         { andAVX512(dst, a, b, n) }
func OrAVX512(dst, a, b *byte, n int)          { orAVX512(dst, a, b, n) }
func XorAVX512(dst, a, b *byte, n int)         { xorAVX512(dst, a, b, n) }
func And3AVX512(dst, a, b, c *byte, n int)     { and3AVX512(dst, a, b, c, n) }
func OrAnd3AVX512(dst, a, b, c *byte, n int)   { orAnd3AVX512(dst, a, b, c, n) }
func OrIntoAVX512(dst, src *byte, n int)       { orIntoAVX512(dst, src, n) }
func AndIntoAVX512(dst, src *byte, n int) bool { return andIntoAVX512(dst, src, n) }
func TestAVX512(p *byte, n int) bool           { return testAVX512(p, n) }
func PopcountAVX512(p *byte, n int) int        { return popcountAVX512(p, n) }

func AndAVX2(dst, a, b *byte, n int)         { andAVX2(dst, a, b, n) }
func OrAVX2(dst, a, b *byte, n int)          { orAVX2(dst, a, b, n) }
func XorAVX2(dst, a, b *byte, n int)         { xorAVX2(dst, a, b, n) }
func And3AVX2(dst, a, b, c *byte, n int)     { and3AVX2(dst, a, b, c, n) }
func OrAnd3AVX2(dst, a, b, c *byte, n int)   { orAnd3AVX2(dst, a, b, c, n) }
func OrIntoAVX2(dst, src *byte, n int)       { orIntoAVX2(dst, src, n) }
func AndIntoAVX2(dst, src *byte, n int) bool { return andIntoAVX2(dst, src, n) }
func TestAVX2(p *byte, n int) bool           { return testAVX2(p, n) }
func PopcountAVX2(p *byte, n int) int        { return popcountAVX2(p, n) }
