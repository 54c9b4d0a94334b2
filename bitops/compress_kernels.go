package bitops

import (
	"encoding/binary"
	"math/bits"
)

// The pure-Go compression kernels, eight bytes at a time: the generic
// implementation, and the finish of the vector kernels' work.

const (
	lo7   = 0x7f7f7f7f7f7f7f7f
	hi1   = 0x8080808080808080
	ones8 = 0x0101010101010101
	// gather8 moves bit 8t of a word to bit 63-t: multiplied by the per-byte flags
	// (bit 8t set when byte t is non-zero) it leaves a bitmap byte, MSB first, in
	// the top byte; the other partial products land on distinct lower bits.
	gather8 = 0x8040201008040201
)

var be = binary.BigEndian

// nonZeroFlags sets bit 8t+7 of the result when byte t of w is non-zero.
func nonZeroFlags(w uint64) uint64 { return ((w & lo7) + lo7 | w) & hi1 }

// hasZeroByte reports whether any byte of w is zero.
func hasZeroByte(w uint64) bool { return (w-ones8)&^w&hi1 != 0 }

// bitmapWords writes the bitmap of src into dst and returns the number of non-zero
// bytes of src. An all-zero 64-byte block costs one test.
func bitmapWords(dst, src []byte) int {
	c, i := 0, 0
	for ; len(src)-i >= 64; i += 64 {
		s := src[i : i+64]
		var any uint64
		for k := 0; k < 64; k += 8 {
			any |= le.Uint64(s[k:])
		}
		var m uint64
		if any != 0 {
			for k := 0; k < 64; k += 8 {
				f := nonZeroFlags(le.Uint64(s[k:]))
				m = m<<8 | (f>>7)*gather8>>56
				c += bits.OnesCount64(f)
			}
		}
		be.PutUint64(dst[i/8:], m)
	}
	for ; len(src)-i >= 8; i += 8 {
		f := nonZeroFlags(le.Uint64(src[i:]))
		dst[i/8] = byte((f >> 7) * gather8 >> 56)
		c += bits.OnesCount64(f)
	}
	if i < len(src) {
		var b byte
		for t, x := range src[i:] {
			if x != 0 {
				b |= 0x80 >> t
				c++
			}
		}
		dst[i/8] = b
	}
	return c
}

// packWords writes the non-zero bytes of src into dst, given the bitmap bm of src,
// and returns their number. It visits only the marked bytes.
func packWords(dst, src, bm []byte) int {
	p, j := 0, 0
	for ; len(src)-8*j >= 64; j += 8 {
		w := be.Uint64(bm[j:])
		if w == ^uint64(0) {
			p += copy(dst[p:], src[8*j:8*j+64])
			continue
		}
		s := src[8*j : 8*j+64]
		// Bit 63 marks byte 0: reversed, the lowest set bit is the next byte.
		for r := bits.Reverse64(w); r != 0; r &= r - 1 {
			dst[p] = s[bits.TrailingZeros64(r)&63]
			p++
		}
	}
	for ; j < len(bm); j++ {
		for b, t := bm[j], 0; b != 0; b, t = b<<1, t+1 {
			if b&0x80 != 0 {
				dst[p] = src[8*j+t]
				p++
			}
		}
	}
	return p
}

// expandWords decodes the leading whole 64-byte blocks of dst from the bitmap bm
// and the input src, and returns the bytes of dst done and of src read. It stops
// before a block that needs more input than src holds or would take a zero byte
// from it, leaving that block and its bitmap untouched for expandBytes to report.
func expandWords(dst, bm, src []byte) (done, read int) {
	for ; len(dst)-done >= 64; done += 64 {
		w := be.Uint64(bm[done/8:]) // read before the block is written over it
		out := dst[done : done+64]
		if w == 0 {
			clear(out)
			continue
		}
		c := bits.OnesCount64(w)
		if c > len(src)-read || hasZero(src[read:read+c]) {
			break
		}
		in := src[read : read+c]
		clear(out)
		k := 0
		for r := bits.Reverse64(w); r != 0; r &= r - 1 {
			out[bits.TrailingZeros64(r)&63] = in[k]
			k++
		}
		read += c
	}
	return done, read
}

// hasZero reports whether p holds a zero byte.
func hasZero(p []byte) bool {
	i := 0
	for ; len(p)-i >= 8; i += 8 {
		if hasZeroByte(le.Uint64(p[i:])) {
			return true
		}
	}
	for _, x := range p[i:] {
		if x == 0 {
			return true
		}
	}
	return false
}
