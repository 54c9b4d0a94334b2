//go:build !purego && !noasm

package rotate

import (
	"github.com/bloomsimd/bloomsimd/bitops/asm"
	"github.com/bloomsimd/bloomsimd/internal/cpu"
)

// The AVX-512 kernels need VBMI (VPERMI2B) besides F+BW+VL, and Transpose8's
// GFNI; without them the AVX2 kernels run.
func avx512() bool { return cpu.Active == cpu.AVX512 && cpu.Has.GFNI && cpu.Has.VBMI }

func transpose8(dst *[BloomBitLength]byte, src *[8][BloomByteLength]byte) {
	raceTranspose8(dst, src)
	switch {
	case avx512():
		asm.Transpose8AVX512(dst, src)
	case cpu.Active >= cpu.AVX2 && cpu.Has.GFNI:
		asm.Transpose8AVX2GFNI(dst, src)
	case cpu.Active >= cpu.AVX2:
		asm.Transpose8AVX2(dst, src)
	default:
		transpose8Generic(dst, src)
	}
}

// scatterWords writes words 8-byte words of rows into each vector, or reports
// false when the generic level is active.
func scatterWords(dst *byte, stride int, r *rows, words int) bool {
	raceScatter(dst, stride, r, words)
	switch {
	case cpu.Active == cpu.AVX512 && cpu.Has.VBMI:
		asm.ScatterAVX512(dst, stride, r, words)
	case cpu.Active >= cpu.AVX2:
		asm.ScatterAVX2(dst, stride, r, words)
	default:
		return false
	}
	return true
}

// Implementation names the kernels that run: "avx512-gfni" (AVX-512 with VBMI
// and GFNI), "avx2-gfni", "avx2" (VPMOVMSKB) or "generic" on amd64; "neon" or
// "generic" on arm64.
func Implementation() string {
	switch {
	case avx512():
		return "avx512-gfni"
	case cpu.Active >= cpu.AVX2 && cpu.Has.GFNI:
		return "avx2-gfni"
	case cpu.Active >= cpu.AVX2:
		return "avx2"
	}
	return "generic"
}
