package rotate

import "encoding/binary"

// The pure-Go kernels: the generic implementation, and the reference for the
// others. Both steps are 8×8 transposes of 64-bit words, by three swap-and-move
// steps each (Hacker's Delight, 7-3), so there is no loop over bits.

var le = binary.LittleEndian

// swapBytes transposes the 8×8 byte matrix held in eight words (byte c of word r
// is element r,c): afterwards byte c of word r is the former byte r of word c.
// Eight variables rather than an array, so that they stay in registers.
func swapBytes(a0, a1, a2, a3, a4, a5, a6, a7 uint64) (_, _, _, _, _, _, _, _ uint64) {
	a0, a4 = swapMove(a0, a4, 32, 0x00000000ffffffff)
	a1, a5 = swapMove(a1, a5, 32, 0x00000000ffffffff)
	a2, a6 = swapMove(a2, a6, 32, 0x00000000ffffffff)
	a3, a7 = swapMove(a3, a7, 32, 0x00000000ffffffff)
	a0, a2 = swapMove(a0, a2, 16, 0x0000ffff0000ffff)
	a1, a3 = swapMove(a1, a3, 16, 0x0000ffff0000ffff)
	a4, a6 = swapMove(a4, a6, 16, 0x0000ffff0000ffff)
	a5, a7 = swapMove(a5, a7, 16, 0x0000ffff0000ffff)
	a0, a1 = swapMove(a0, a1, 8, 0x00ff00ff00ff00ff)
	a2, a3 = swapMove(a2, a3, 8, 0x00ff00ff00ff00ff)
	a4, a5 = swapMove(a4, a5, 8, 0x00ff00ff00ff00ff)
	a6, a7 = swapMove(a6, a7, 8, 0x00ff00ff00ff00ff)
	return a0, a1, a2, a3, a4, a5, a6, a7
}

// swapMove exchanges the bits of a selected by mask<<s with the bits of b selected by mask.
func swapMove(a, b uint64, s uint, mask uint64) (uint64, uint64) {
	t := (a>>s ^ b) & mask
	return a ^ t<<s, b ^ t
}

// swapBits transposes the 8×8 bit matrix of x (bit c of byte r is element r,c):
// afterwards bit c of byte r is the former bit r of byte c.
func swapBits(x uint64) uint64 {
	t := (x ^ x>>28) & 0x00000000f0f0f0f0
	x ^= t ^ t<<28
	t = (x ^ x>>14) & 0x0000cccc0000cccc
	x ^= t ^ t<<14
	t = (x ^ x>>7) & 0x00aa00aa00aa00aa
	return x ^ t ^ t<<7
}

func transpose8Generic(dst *[BloomBitLength]byte, src *[8][BloomByteLength]byte) {
	for p := 0; p < BloomByteLength; p += 8 {
		// Word 7-k holds bytes p..p+7 of bloom k; after swapBytes, word r holds byte
		// p+r of the 8 blooms with bloom k in byte 7-k, and swapBits turns that
		// into byte m = bit m of the 8 blooms, bloom k in bit 7-k. Byte p+r of a
		// bloom holds bits 8*(255-p-r) .. +7.
		a0, a1, a2, a3, a4, a5, a6, a7 := swapBytes(
			le.Uint64(src[7][p:]), le.Uint64(src[6][p:]), le.Uint64(src[5][p:]), le.Uint64(src[4][p:]),
			le.Uint64(src[3][p:]), le.Uint64(src[2][p:]), le.Uint64(src[1][p:]), le.Uint64(src[0][p:]))
		out := (*[64]byte)(dst[8*(BloomByteLength-8-p):])
		le.PutUint64(out[56:], swapBits(a0))
		le.PutUint64(out[48:], swapBits(a1))
		le.PutUint64(out[40:], swapBits(a2))
		le.PutUint64(out[32:], swapBits(a3))
		le.PutUint64(out[24:], swapBits(a4))
		le.PutUint64(out[16:], swapBits(a5))
		le.PutUint64(out[8:], swapBits(a6))
		le.PutUint64(out[0:], swapBits(a7))
	}
}

// scatterGeneric writes rows from..n-1: dst[i*stride+g] = r[g][i].
func scatterGeneric(dst []byte, stride int, r *rows, from, n int) {
	for v := 0; v < BloomBitLength; v += 8 {
		for g := from; g < n; g += 8 {
			// Word c gets the bytes of vector v+c.
			a0, a1, a2, a3, a4, a5, a6, a7 := swapBytes(
				le.Uint64(r[g][v:]), le.Uint64(r[g+1][v:]), le.Uint64(r[g+2][v:]), le.Uint64(r[g+3][v:]),
				le.Uint64(r[g+4][v:]), le.Uint64(r[g+5][v:]), le.Uint64(r[g+6][v:]), le.Uint64(r[g+7][v:]))
			off := v*stride + g
			if n-g >= 8 {
				le.PutUint64(dst[off:], a0)
				le.PutUint64(dst[off+stride:], a1)
				le.PutUint64(dst[off+2*stride:], a2)
				le.PutUint64(dst[off+3*stride:], a3)
				le.PutUint64(dst[off+4*stride:], a4)
				le.PutUint64(dst[off+5*stride:], a5)
				le.PutUint64(dst[off+6*stride:], a6)
				le.PutUint64(dst[off+7*stride:], a7)
				continue
			}
			for c, w := range [8]uint64{a0, a1, a2, a3, a4, a5, a6, a7} {
				for b := 0; b < n-g; b++ {
					dst[off+c*stride+b] = byte(w >> (8 * b))
				}
			}
		}
	}
}
