//go:build !purego && !noasm

package rotate

import "github.com/bloomsimd/bloomsimd/internal/cpu"

// Implementation names the kernels that run: "avx512-gfni" (AVX-512 with VBMI
// and GFNI), "avx2-gfni", "avx2" (VPMOVMSKB) or "generic" on amd64; "neon" or
// "generic" on arm64. The conditions are those of asm.Transpose8.
func Implementation() string {
	switch {
	case cpu.Active == cpu.AVX512 && cpu.Has.GFNI && cpu.Has.VBMI:
		return "avx512-gfni"
	case cpu.Active >= cpu.AVX2 && cpu.Has.GFNI:
		return "avx2-gfni"
	case cpu.Active >= cpu.AVX2:
		return "avx2"
	}
	return "generic"
}
