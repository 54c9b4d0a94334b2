//go:build !purego && !noasm

package rotate

import (
	"github.com/bloomsimd/bloomsimd/bitops/asm"
	"github.com/bloomsimd/bloomsimd/internal/cpu"
)

func transpose8(dst *[BloomBitLength]byte, src *[8][BloomByteLength]byte) {
	raceTranspose8(dst, src)
	if cpu.Active == cpu.Generic {
		transpose8Generic(dst, src)
		return
	}
	asm.Transpose8NEON(dst, src)
}

// scatterWords writes words 8-byte words of rows into each vector, or reports
// false when the generic level is active.
func scatterWords(dst *byte, stride int, r *rows, words int) bool {
	raceScatter(dst, stride, r, words)
	if cpu.Active == cpu.Generic {
		return false
	}
	asm.ScatterNEON(dst, stride, r, words)
	return true
}

// Implementation names the kernels that run: "neon" or "generic".
func Implementation() string { return cpu.Active.String() }
