//go:build !purego && !noasm

package asm

// transpose8NEON rotates 8 blooms into 2048 bytes: dst[i] holds bit i of the blooms,
// bloom k in mask 0x80>>k (bit i of a bloom is bit i%8 of its byte 255-i/8).
//
//go:noescape
func transpose8NEON(dst *[2048]byte, src *[8][256]byte)

// scatterNEON writes words 8-byte words to each of 2048 vectors stride bytes apart:
// byte g of vector i at dst is rows[g][i], for g < 8*words. words is 1 to 8.
//
//go:noescape
func scatterNEON(dst *byte, stride int, rows *[64][2048]byte, words int)
