//go:build !purego && !noasm

package bitops

import (
	"github.com/bloomsimd/bloomsimd/bitops/asm"
	"github.com/bloomsimd/bloomsimd/internal/cpu"
)

// The AVX-512 compression kernels take any length (masked loads and stores finish
// the last block); the AVX2 ones take the leading whole 64-byte blocks, and
// compress_words.go does the rest. The AVX-512 kernels need VBMI2 (VPCOMPRESSB, VPEXPANDB) and GFNI;
// AVX-512 CPUs without them (Skylake-X) run the AVX2 kernels. The calls are direct,
// not through a table of funcs, so that the stack buffers of CompressBytes and
// AppendCompressed stay on the stack.

func compressAVX512() bool { return cpu.Active == cpu.AVX512 && cpu.Has.VBMI2 && cpu.Has.GFNI }

func bitmapVec(dst, src []byte) (done, count int) {
	switch {
	case len(src) == 0 || cpu.Active < cpu.AVX2:
		return 0, 0
	case compressAVX512():
		return len(src), asm.BitmapAVX512(&dst[0], &src[0], len(src))
	}
	if n := len(src) &^ 63; n > 0 {
		return n, asm.BitmapAVX2(&dst[0], &src[0], n)
	}
	return 0, 0
}

func packVec(dst, src, bm []byte) (done, written int) {
	switch {
	case len(src) == 0 || len(dst) == 0 || cpu.Active < cpu.AVX2:
		return 0, 0
	case compressAVX512():
		return len(src), asm.PackAVX512(&dst[0], &src[0], len(src))
	}
	if n := len(src) &^ 63; n > 0 {
		return asm.PackAVX2(&dst[0], &src[0], &bm[0], n, len(dst))
	}
	return 0, 0
}

// expandVec decodes from data[ptr:]; data is not empty, ptr <= len(data).
func expandVec(dst, bm, data []byte, ptr int) (done, read int) {
	src, avail := &data[0], 0 // no input left: the kernels load nothing
	if ptr < len(data) {
		src, avail = &data[ptr], len(data)-ptr
	}
	switch {
	case len(dst) == 0 || cpu.Active < cpu.AVX2:
		return 0, 0
	case compressAVX512():
		return asm.ExpandAVX512(&dst[0], &bm[0], src, len(dst), avail)
	}
	if n := len(dst) &^ 63; n > 0 {
		return asm.ExpandAVX2(&dst[0], &bm[0], src, n, avail)
	}
	return 0, 0
}
