//go:build !purego && !noasm

package bitops

import (
	"github.com/bloomsimd/bloomsimd/bitops/internal/kernels"
	"github.com/bloomsimd/bloomsimd/internal/cpu"
)

// hasKernels: this build has vector kernels.
const hasKernels = true

// The operations run their m bytes of whole blocks (what blockBytes returned: a
// positive multiple of 64, so the level is AVX2 or AVX-512) in the *Wide kernels
// when wide() reports the AVX-512 level, else in the *Blocks kernels (AVX2). Each
// function here is one call of a trusted entry of package kernels and inlines into
// the operation, whose call of the assembly is then direct: no function value, no
// ABI wrapper. The kernels need no more than their level's features
// (requires_amd64_test.go), except the AVX-512 popcount (VPOPCNTDQ).

func wide() bool         { return cpu.Active == cpu.AVX512 }
func widePopcount() bool { return cpu.Active == cpu.AVX512 && cpu.Has.VPOPCNTDQ }

func andWide(dst, a, b *byte, m int)         { kernels.AndAVX512(dst, a, b, m) }
func orWide(dst, a, b *byte, m int)          { kernels.OrAVX512(dst, a, b, m) }
func xorWide(dst, a, b *byte, m int)         { kernels.XorAVX512(dst, a, b, m) }
func testWide(p *byte, m int) bool           { return kernels.TestAVX512(p, m) }
func popcountWide(p *byte, m int) int        { return kernels.PopcountAVX512(p, m) }
func and3Wide(dst, a, b, c *byte, m int)     { kernels.And3AVX512(dst, a, b, c, m) }
func orAnd3Wide(dst, a, b, c *byte, m int)   { kernels.OrAnd3AVX512(dst, a, b, c, m) }
func orIntoWide(dst, src *byte, m int)       { kernels.OrIntoAVX512(dst, src, m) }
func andIntoWide(dst, src *byte, m int) bool { return kernels.AndIntoAVX512(dst, src, m) }

func andBlocks(dst, a, b *byte, m int)         { kernels.AndAVX2(dst, a, b, m) }
func orBlocks(dst, a, b *byte, m int)          { kernels.OrAVX2(dst, a, b, m) }
func xorBlocks(dst, a, b *byte, m int)         { kernels.XorAVX2(dst, a, b, m) }
func testBlocks(p *byte, m int) bool           { return kernels.TestAVX2(p, m) }
func popcountBlocks(p *byte, m int) int        { return kernels.PopcountAVX2(p, m) }
func and3Blocks(dst, a, b, c *byte, m int)     { kernels.And3AVX2(dst, a, b, c, m) }
func orAnd3Blocks(dst, a, b, c *byte, m int)   { kernels.OrAnd3AVX2(dst, a, b, c, m) }
func orIntoBlocks(dst, src *byte, m int)       { kernels.OrIntoAVX2(dst, src, m) }
func andIntoBlocks(dst, src *byte, m int) bool { return kernels.AndIntoAVX2(dst, src, m) }
