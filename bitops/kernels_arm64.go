//go:build !purego && !noasm

package bitops

import (
	"github.com/bloomsimd/bloomsimd/bitops/asm"
	"github.com/bloomsimd/bloomsimd/internal/cpu"
)

// blockBytes returns how many leading bytes of an n-byte operation the NEON kernels
// take: whole 64-byte blocks, or none when the generic level is forced.
func blockBytes(n int) int {
	if cpu.Active == cpu.Generic {
		return 0
	}
	return n &^ 63
}

func andBlocks(dst, a, b *byte, n int)         { asm.AndNEON(dst, a, b, n) }
func orBlocks(dst, a, b *byte, n int)          { asm.OrNEON(dst, a, b, n) }
func xorBlocks(dst, a, b *byte, n int)         { asm.XorNEON(dst, a, b, n) }
func testBlocks(p *byte, n int) bool           { return asm.TestNEON(p, n) }
func popcountBlocks(p *byte, n int) int        { return asm.PopcountNEON(p, n) }
func and3Blocks(dst, a, b, c *byte, n int)     { asm.And3NEON(dst, a, b, c, n) }
func orAnd3Blocks(dst, a, b, c *byte, n int)   { asm.OrAnd3NEON(dst, a, b, c, n) }
func orIntoBlocks(dst, src *byte, n int)       { asm.OrIntoNEON(dst, src, n) }
func andIntoBlocks(dst, src *byte, n int) bool { return asm.AndIntoNEON(dst, src, n) }
