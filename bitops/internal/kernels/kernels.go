// Package kernels holds the block kernels of the active level as function values,
// so that package bitops can run them after its own checks with one indirect call
// and no CPU feature loads.
//
// The kernels trust their arguments: every pointer addresses n bytes, n is a
// positive multiple of 64, and a destination is either one of the sources
// exactly or apart from them. Package bitops/asm, which owns them, sets the values
// at start-up and again whenever cpu.Set or cpu.MaskForTest changes the level;
// on the generic level they panic. Its exported functions are the checked way in
// for everyone else. In a build without kernels the values stay nil.
package kernels

var (
	And, Or, Xor func(dst, a, b *byte, n int)     // dst = a op b
	And3         func(dst, a, b, c *byte, n int)  // dst = a & b & c
	OrAnd3       func(dst, a, b, c *byte, n int)  // dst |= a & b & c
	OrInto       func(dst, src *byte, n int)      // dst |= src
	AndInto      func(dst, src *byte, n int) bool // dst &= src; whether any bit is left
	Test         func(p *byte, n int) bool        // whether any bit is set
	Popcount     func(p *byte, n int) int         // the number of set bits
)
