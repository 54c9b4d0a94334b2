//go:build !purego && !noasm

package bitops

import "github.com/bloomsimd/bloomsimd/bitops/asm"

// hasKernels: this build has vector kernels (NEON, which every arm64 CPU has).
const hasKernels = true

// The *Blocks functions run the NEON kernel on n bytes, a positive multiple of 64.
// blockBytes never hands them work on the generic level.

func andBlocks(dst, a, b *byte, n int)         { asm.AndNEON(dst, a, b, n) }
func orBlocks(dst, a, b *byte, n int)          { asm.OrNEON(dst, a, b, n) }
func xorBlocks(dst, a, b *byte, n int)         { asm.XorNEON(dst, a, b, n) }
func testBlocks(p *byte, n int) bool           { return asm.TestNEON(p, n) }
func popcountBlocks(p *byte, n int) int        { return asm.PopcountNEON(p, n) }
func and3Blocks(dst, a, b, c *byte, n int)     { asm.And3NEON(dst, a, b, c, n) }
func orAnd3Blocks(dst, a, b, c *byte, n int)   { asm.OrAnd3NEON(dst, a, b, c, n) }
func orIntoBlocks(dst, src *byte, n int)       { asm.OrIntoNEON(dst, src, n) }
func andIntoBlocks(dst, src *byte, n int) bool { return asm.AndIntoNEON(dst, src, n) }
