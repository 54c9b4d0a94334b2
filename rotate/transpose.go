package rotate

import (
	"errors"
	"sync"
)

// The errors of Transpose, which checks its arguments before it writes anything.
var (
	// ErrTransposeBloomCount: the number of blooms is not a multiple of 8.
	ErrTransposeBloomCount = errors.New("rotate: bloom count not multiple of 8")
	// ErrTransposeStride: the stride is shorter than a vector (len(blooms)/8 bytes).
	ErrTransposeStride = errors.New("rotate: stride shorter than the vectors")
	// ErrTransposeDst: dst ends before the last of the 2048 vectors does.
	ErrTransposeDst = errors.New("rotate: dst too short for 2048 vectors")
)

// Transpose8 rotates 8 blooms: dst[i] holds bit i of every bloom, bloom k in
// mask 0x80>>k. Bit i of a bloom is bit i%8 of its byte 255-i/8.
func Transpose8(dst *[BloomBitLength]byte, blooms *[8][BloomByteLength]byte) {
	transpose8(dst, blooms)
}

// Transpose rotates blooms into 2048 vectors that start stride bytes apart in dst:
// bit i of blooms[j] goes to dst[i*stride+j/8], mask 0x80>>(j%8). len(blooms) must
// be a multiple of 8; only the len(blooms)/8 bytes of each vector are written.
// Bad arguments return one of the ErrTranspose errors, with dst untouched.
func Transpose(dst []byte, stride int, blooms [][BloomByteLength]byte) error {
	if len(blooms)%8 != 0 {
		return ErrTransposeBloomCount
	}
	width := len(blooms) / 8
	if width == 0 {
		return nil
	}
	if stride < width {
		return ErrTransposeStride
	}
	if (len(dst)-width)/stride < BloomBitLength-1 || len(dst) < width {
		return ErrTransposeDst
	}
	r := rowPool.Get().(*rows)
	defer rowPool.Put(r)
	for first := 0; first < width; first += batchGroups {
		n := min(batchGroups, width-first)
		for g := 0; g < n; g++ {
			transpose8(&r[g], (*[8][BloomByteLength]byte)(blooms[8*(first+g):]))
		}
		scatter(dst[first:], stride, r, n)
	}
	return nil
}

var rowPool = sync.Pool{New: func() any { return new(rows) }}

// scatter writes rows 0..n-1 into the vectors: dst[i*stride+g] = r[g][i]. The
// vector kernels write whole 8-byte words; a last partial word is done in Go so
// that nothing beyond the n bytes of each vector is touched.
func scatter(dst []byte, stride int, r *rows, n int) {
	_ = dst[(BloomBitLength-1)*stride+n-1] // everything written is in dst
	whole := n / 8
	if whole > 0 && scatterWords(dst, stride, r, whole) {
		if n%8 == 0 {
			return
		}
		scatterGeneric(dst, stride, r, 8*whole, n)
		return
	}
	scatterGeneric(dst, stride, r, 0, n)
}
