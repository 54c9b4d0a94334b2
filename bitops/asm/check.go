//go:build !purego && !noasm && (amd64 || arm64)

package asm

import "errors"

// The exported functions check their arguments with these before any kernel
// touches memory, and panic with one of these errors when a check fails.
var (
	errBlocks = errors.New("bitops/asm: lengths differ or are not a positive multiple of 64")
	errRoom   = errors.New("bitops/asm: slice too short")
	errArgs   = errors.New("bitops/asm: argument out of range")
	errLevel  = errors.New("bitops/asm: no kernel for the active level")
)

// bitmapBytes returns ceil(n/8), the bytes of the bitmap of n bytes.
func bitmapBytes(n int) int { return n/8 + (n%8+7)/8 }

// atLeast panics unless len(p) >= n.
func atLeast(p []byte, n int) {
	if len(p) < n {
		panic(errRoom)
	}
}

// scatterFits panics unless dst holds 2048 vectors stride bytes apart, each
// written words 8-byte words (1 to 8): stride >= 8*words and the last vector's
// words end inside dst. The division keeps the bound free of overflow.
func scatterFits(dst []byte, stride, words int) {
	if words < 1 || words > 8 || stride < 8*words {
		panic(errArgs)
	}
	if len(dst) < 8*words || (len(dst)-8*words)/stride < 2047 {
		panic(errRoom)
	}
}
