//go:build !purego && !noasm

package asm

// The exported functions of the package on amd64 other than the block functions
// (blocks.go): each checks its arguments (see check.go) and then runs the kernel
// whose gate (gate_amd64.go) is open. They take kilobytes per call, so the few
// loads of the gates do not matter here.

// Bitmap writes the bitmap of a leading part of src to dst (bit 7-t of dst[j] set
// when src[8j+t] is non-zero) and returns the bytes of src done and the non-zero
// bytes among them: all of src with the AVX-512 compression kernels, its whole
// 64-byte blocks with AVX2, none on the generic level. dst holds at least
// ceil(len(src)/8) bytes.
func Bitmap(dst, src []byte) (done, count int) {
	atLeast(dst, bitmapBytes(len(src)))
	n := len(src)
	switch {
	case n == 0:
	case compress512.open():
		return n, bitmapAVX512(&dst[0], &src[0], n)
	case avx2.open():
		if n &^= 63; n > 0 {
			return n, bitmapAVX2(&dst[0], &src[0], n)
		}
	}
	return 0, 0
}

// Pack writes the non-zero bytes of a leading part of src to dst, in order, given
// bm, the bitmap of src (at least ceil(len(src)/8) bytes), and returns the bytes
// of src done and of dst written. It writes only inside dst, stopping before a
// 64-byte block whose bytes might not fit, whatever bm holds (a bm that does not
// match src gives wrong bytes, never a write past dst). It does nothing on the
// generic level.
func Pack(dst, src, bm []byte) (done, written int) {
	atLeast(bm, bitmapBytes(len(src)))
	n := len(src)
	switch {
	case n == 0 || len(dst) == 0:
	case compress512.open():
		return packAVX512(&dst[0], &src[0], n, len(dst))
	case avx2.open():
		if n &^= 63; n > 0 {
			return packAVX2(&dst[0], &src[0], &bm[0], n, len(dst))
		}
	}
	return 0, 0
}

// Expand decodes a leading part of dst from its bitmap bm (at least
// ceil(len(dst)/8) bytes) and the non-zero bytes in src, and returns the bytes of
// dst done and of src read. It stops before a 64-byte block that needs more bytes
// than src holds, would take a zero byte or (the last, shorter block) marks bytes
// past dst, and leaves that block unwritten. Each block's bitmap is read before
// the block is written, so bm may lie inside dst past the block. It does nothing
// on the generic level.
func Expand(dst, bm, src []byte) (done, read int) {
	atLeast(bm, bitmapBytes(len(dst)))
	n := len(dst)
	if n == 0 {
		return 0, 0
	}
	// With src empty the kernels load nothing (avail is 0), but they take a valid
	// address: bm's.
	in := &bm[0]
	if len(src) > 0 {
		in = &src[0]
	}
	switch {
	case compress512.open():
		return expandAVX512(&dst[0], &bm[0], in, n, len(src))
	case avx2.open():
		if n &^= 63; n > 0 {
			return expandAVX2(&dst[0], &bm[0], in, n, len(src))
		}
	}
	return 0, 0
}

// Transpose8 rotates 8 blooms into 2048 bytes: dst[i] holds bit i of the blooms,
// bloom k in mask 0x80>>k (bit i of a bloom is bit i%8 of its byte 255-i/8). Neither
// pointer is nil. It reports false, writing nothing, on the generic level.
func Transpose8(dst *[2048]byte, src *[8][256]byte) bool {
	if dst == nil || src == nil {
		panic(errArgs)
	}
	switch {
	case (avx512 | vbmi | gfni).open():
		transpose8AVX512(dst, src)
	case (avx2 | gfni).open():
		transpose8AVX2GFNI(dst, src)
	case avx2.open():
		transpose8AVX2(dst, src)
	default:
		return false
	}
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
	switch {
	case (avx512 | vbmi).open():
		scatterAVX512(&dst[0], stride, rows, words)
	case avx2.open():
		scatterAVX2(&dst[0], stride, rows, words)
	default:
		return false
	}
	return true
}
