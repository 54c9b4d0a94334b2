//go:build !purego && !noasm && (amd64 || arm64)

package bitops

import "github.com/bloomsimd/bloomsimd/bitops/asm"

// The vector compression kernels take a leading part of their input (package asm
// documents how much on each level) and compress_kernels.go does the rest. The
// calls are direct, not through a table of funcs, so that the stack buffers of
// CompressBytes and AppendCompressed stay on the stack.

func bitmapVec(dst, src []byte) (done, count int)     { return asm.Bitmap(dst, src) }
func packVec(dst, src, bm []byte) (done, written int) { return asm.Pack(dst, src, bm) }

// expandVec decodes from data[ptr:]; ptr <= len(data).
func expandVec(dst, bm, data []byte, ptr int) (done, read int) {
	return asm.Expand(dst, bm, data[ptr:])
}
