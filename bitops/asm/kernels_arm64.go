//go:build !purego && !noasm

package asm

import "github.com/bloomsimd/bloomsimd/internal/cpu"

// The exported functions of the package on arm64 other than the block functions
// (blocks.go): each checks its arguments (see check.go) and then runs the NEON
// kernel, which every arm64 CPU has, unless the generic level is active.

func neon() bool { return cpu.Active == cpu.NEON }

// Bitmap writes the bitmap of the whole 64-byte blocks of src to dst (bit 7-t of
// dst[j] set when src[8j+t] is non-zero) and returns the bytes of src done and
// the non-zero bytes among them (none on the generic level). dst holds at least
// ceil(len(src)/8) bytes.
func Bitmap(dst, src []byte) (done, count int) {
	atLeast(dst, bitmapBytes(len(src)))
	n := len(src) &^ 63
	if n == 0 || !neon() {
		return 0, 0
	}
	return n, bitmapNEON(&dst[0], &src[0], n)
}

// Pack writes the non-zero bytes of the whole 64-byte blocks of src to dst, in
// order, given bm, the bitmap of src (at least ceil(len(src)/8) bytes), and
// returns the bytes of src done and of dst written. It writes only inside dst,
// stopping before a 64-byte block whose bytes might not fit, whatever bm holds (a
// bm that does not match src gives wrong bytes, never a write past dst). It does
// nothing on the generic level.
func Pack(dst, src, bm []byte) (done, written int) {
	atLeast(bm, bitmapBytes(len(src)))
	n := len(src) &^ 63
	if n == 0 || len(dst) == 0 || !neon() {
		return 0, 0
	}
	return packNEON(&dst[0], &src[0], &bm[0], n, len(dst), &neonTables[0])
}

// Expand decodes the whole 64-byte blocks of dst from its bitmap bm (at least
// ceil(len(dst)/8) bytes) and the non-zero bytes in src, and returns the bytes of
// dst done and of src read. It stops before a block that needs more bytes than
// src holds or would take a zero byte, and leaves that block unwritten. Each
// block's bitmap is read before the block is written, so bm may lie inside dst
// past the block. It does nothing on the generic level.
func Expand(dst, bm, src []byte) (done, read int) {
	atLeast(bm, bitmapBytes(len(dst)))
	n := len(dst) &^ 63
	if n == 0 || len(src) == 0 || !neon() {
		return 0, 0
	}
	return expandNEON(&dst[0], &bm[0], &src[0], n, len(src), &neonTables[0])
}

// Transpose8 rotates 8 blooms into 2048 bytes: dst[i] holds bit i of the blooms,
// bloom k in mask 0x80>>k (bit i of a bloom is bit i%8 of its byte 255-i/8). Neither
// pointer is nil. It reports false, writing nothing, on the generic level.
func Transpose8(dst *[2048]byte, src *[8][256]byte) bool {
	if dst == nil || src == nil {
		panic(errArgs)
	}
	if !neon() {
		return false
	}
	transpose8NEON(dst, src)
	return true
}

// Scatter writes words 8-byte words (1 to 8) to each of 2048 vectors stride bytes
// apart in dst: byte g of vector i is rows[g][i], for g < 8*words. stride is at
// least 8*words, dst reaches the end of the last vector's words, and rows is not
// nil. It reports false, writing nothing, on the generic level.
func Scatter(dst []byte, stride int, rows *[64][2048]byte, words int) bool {
	scatterFits(dst, stride, words)
	if rows == nil {
		panic(errArgs)
	}
	if !neon() {
		return false
	}
	scatterNEON(&dst[0], stride, rows, words)
	return true
}
