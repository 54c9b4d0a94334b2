//go:build !purego && !noasm && (amd64 || arm64)

package bitops

import "github.com/bloomsimd/bloomsimd/bitops/asm"

// hasKernels: this build has vector kernels (AVX2 and AVX-512 on amd64, NEON on arm64).
const hasKernels = true

// The *Blocks functions run the active level's kernel on slices of equal length,
// a positive multiple of 64; package asm checks both and picks the kernel.
// blockBytes never hands them work on the generic level.

func andBlocks(dst, a, b []byte)         { asm.And(dst, a, b) }
func orBlocks(dst, a, b []byte)          { asm.Or(dst, a, b) }
func xorBlocks(dst, a, b []byte)         { asm.Xor(dst, a, b) }
func testBlocks(p []byte) bool           { return asm.Test(p) }
func popcountBlocks(p []byte) int        { return asm.Popcount(p) }
func and3Blocks(dst, a, b, c []byte)     { asm.And3(dst, a, b, c) }
func orAnd3Blocks(dst, a, b, c []byte)   { asm.OrAnd3(dst, a, b, c) }
func orIntoBlocks(dst, src []byte)       { asm.OrInto(dst, src) }
func andIntoBlocks(dst, src []byte) bool { return asm.AndInto(dst, src) }
