//go:build !purego && !noasm

package bitops

import (
	"errors"

	"github.com/bloomsimd/bloomsimd/bitops/internal/kernels"
)

// hasKernels: this build has vector kernels.
const hasKernels = true

// arm64 has one vector level, NEON: wide() is false, the *Wide functions are never
// called, and the operations run their whole blocks in the *Blocks kernels, each one
// call of a trusted entry of package kernels, inlined into the operation.

func wide() bool         { return false }
func widePopcount() bool { return false }

var errNoWide = errors.New("bitops: no wide kernels on arm64")

func andWide(dst, a, b *byte, m int)         { panic(errNoWide) }
func orWide(dst, a, b *byte, m int)          { panic(errNoWide) }
func xorWide(dst, a, b *byte, m int)         { panic(errNoWide) }
func testWide(p *byte, m int) bool           { panic(errNoWide) }
func popcountWide(p *byte, m int) int        { panic(errNoWide) }
func and3Wide(dst, a, b, c *byte, m int)     { panic(errNoWide) }
func orAnd3Wide(dst, a, b, c *byte, m int)   { panic(errNoWide) }
func orIntoWide(dst, src *byte, m int)       { panic(errNoWide) }
func andIntoWide(dst, src *byte, m int) bool { panic(errNoWide) }

func andBlocks(dst, a, b *byte, m int)         { kernels.AndNEON(dst, a, b, m) }
func orBlocks(dst, a, b *byte, m int)          { kernels.OrNEON(dst, a, b, m) }
func xorBlocks(dst, a, b *byte, m int)         { kernels.XorNEON(dst, a, b, m) }
func testBlocks(p *byte, m int) bool           { return kernels.TestNEON(p, m) }
func popcountBlocks(p *byte, m int) int        { return kernels.PopcountNEON(p, m) }
func and3Blocks(dst, a, b, c *byte, m int)     { kernels.And3NEON(dst, a, b, c, m) }
func orAnd3Blocks(dst, a, b, c *byte, m int)   { kernels.OrAnd3NEON(dst, a, b, c, m) }
func orIntoBlocks(dst, src *byte, m int)       { kernels.OrIntoNEON(dst, src, m) }
func andIntoBlocks(dst, src *byte, m int) bool { return kernels.AndIntoNEON(dst, src, m) }
