//go:build !purego && !noasm && (amd64 || arm64)

package rotate

import "github.com/bloomsimd/bloomsimd/bitops/asm"

// Package asm checks the arguments and picks the kernel of the active level.

func transpose8(dst *[BloomBitLength]byte, src *[8][BloomByteLength]byte) {
	raceTranspose8(dst, src)
	if !asm.Transpose8(dst, src) {
		transpose8Generic(dst, src)
	}
}

// scatterWords writes words 8-byte words of rows into each vector, or reports
// false when the generic level is active.
func scatterWords(dst []byte, stride int, r *rows, words int) bool {
	raceScatter(dst, stride, r, words)
	return asm.Scatter(dst, stride, r, words)
}
