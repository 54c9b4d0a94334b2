//go:build !purego && !noasm && (amd64 || arm64)

package bitops

import (
	"unsafe"

	// Package asm resolves the kernels of package kernels for the active level.
	_ "github.com/bloomsimd/bloomsimd/bitops/asm"
	"github.com/bloomsimd/bloomsimd/bitops/internal/kernels"
)

// hasKernels: this build has vector kernels (AVX2 and AVX-512 on amd64, NEON on arm64).
const hasKernels = true

// The *Blocks functions run the active level's kernel on the first m bytes of
// their slices with one indirect call. They trust their callers, which are the
// only ones: m is what blockBytes returned, a positive multiple of 64 (so never
// on the generic level), and every slice holds m bytes. Each is inlined into its
// caller.

func andBlocks(dst, a, b []byte, m int) {
	kernels.And(unsafe.SliceData(dst), unsafe.SliceData(a), unsafe.SliceData(b), m)
}

func orBlocks(dst, a, b []byte, m int) {
	kernels.Or(unsafe.SliceData(dst), unsafe.SliceData(a), unsafe.SliceData(b), m)
}

func xorBlocks(dst, a, b []byte, m int) {
	kernels.Xor(unsafe.SliceData(dst), unsafe.SliceData(a), unsafe.SliceData(b), m)
}

func testBlocks(p []byte, m int) bool { return kernels.Test(unsafe.SliceData(p), m) }

func popcountBlocks(p []byte, m int) int { return kernels.Popcount(unsafe.SliceData(p), m) }

func and3Blocks(dst, a, b, c []byte, m int) {
	kernels.And3(unsafe.SliceData(dst), unsafe.SliceData(a), unsafe.SliceData(b), unsafe.SliceData(c), m)
}

func orAnd3Blocks(dst, a, b, c []byte, m int) {
	kernels.OrAnd3(unsafe.SliceData(dst), unsafe.SliceData(a), unsafe.SliceData(b), unsafe.SliceData(c), m)
}

func orIntoBlocks(dst, src []byte, m int) {
	kernels.OrInto(unsafe.SliceData(dst), unsafe.SliceData(src), m)
}

func andIntoBlocks(dst, src []byte, m int) bool {
	return kernels.AndInto(unsafe.SliceData(dst), unsafe.SliceData(src), m)
}
