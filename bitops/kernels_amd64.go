//go:build !purego && !noasm

package bitops

import (
	"github.com/bloomsimd/bloomsimd/bitops/asm"
	"github.com/bloomsimd/bloomsimd/internal/cpu"
)

// hasKernels: this build has vector kernels (AVX2 and AVX-512).
const hasKernels = true

// The *Blocks functions run the active level's kernel on n bytes, a positive
// multiple of 64. blockBytes never hands them work on the generic level.

func andBlocks(dst, a, b *byte, n int) {
	if cpu.Active == cpu.AVX512 {
		asm.AndAVX512(dst, a, b, n)
	} else {
		asm.AndAVX2(dst, a, b, n)
	}
}

func orBlocks(dst, a, b *byte, n int) {
	if cpu.Active == cpu.AVX512 {
		asm.OrAVX512(dst, a, b, n)
	} else {
		asm.OrAVX2(dst, a, b, n)
	}
}

func xorBlocks(dst, a, b *byte, n int) {
	if cpu.Active == cpu.AVX512 {
		asm.XorAVX512(dst, a, b, n)
	} else {
		asm.XorAVX2(dst, a, b, n)
	}
}

// TestBytes reports whether any byte of p is non-zero.
//
// On amd64 it calls the kernels itself rather than through a testBlocks: on a
// 512-byte vector that level costs a fifth of the time (5.6 ns against 4.4).
func TestBytes(p []byte) bool {
	m := blockBytes(len(p))
	if m > 0 {
		if raceEnabled {
			raceRead(p[:m])
		}
		var set bool
		if cpu.Active == cpu.AVX512 {
			set = asm.TestAVX512(&p[0], m)
		} else {
			set = asm.TestAVX2(&p[0], m)
		}
		if set {
			return true
		}
	}
	return m < len(p) && anySetGeneric(p[m:])
}

// popcountBlocks uses VPOPCNTQ, an extension of its own (Ice Lake, Zen 4 on);
// without it the AVX2 nibble lookup counts.
func popcountBlocks(p *byte, n int) int {
	if cpu.Active == cpu.AVX512 && cpu.Has.VPOPCNTDQ {
		return asm.PopcountAVX512(p, n)
	}
	return asm.PopcountAVX2(p, n)
}

func and3Blocks(dst, a, b, c *byte, n int) {
	if cpu.Active == cpu.AVX512 {
		asm.And3AVX512(dst, a, b, c, n)
	} else {
		asm.And3AVX2(dst, a, b, c, n)
	}
}

func orAnd3Blocks(dst, a, b, c *byte, n int) {
	if cpu.Active == cpu.AVX512 {
		asm.OrAnd3AVX512(dst, a, b, c, n)
	} else {
		asm.OrAnd3AVX2(dst, a, b, c, n)
	}
}

func orIntoBlocks(dst, src *byte, n int) {
	if cpu.Active == cpu.AVX512 {
		asm.OrIntoAVX512(dst, src, n)
	} else {
		asm.OrIntoAVX2(dst, src, n)
	}
}

func andIntoBlocks(dst, src *byte, n int) bool {
	if cpu.Active == cpu.AVX512 {
		return asm.AndIntoAVX512(dst, src, n)
	}
	return asm.AndIntoAVX2(dst, src, n)
}
