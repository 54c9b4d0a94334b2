// Package kernels holds the block kernels: the generated AVX2 and AVX-512
// assembly on amd64 (blocks_amd64.s), the hand-written NEON assembly on arm64
// (blocks_arm64.s), and an exported entry for each.
//
// The entries trust their arguments: every pointer addresses n bytes, n is a
// positive multiple of 64, a destination is either one of the sources exactly or
// apart from them, and the CPU runs the kernel's instructions. They are one call
// each, so the compiler inlines them, and the call of the assembly in the caller
// is then direct, with no ABI wrapper between (a function value or a call from
// another package would go through one). Only package bitops calls them, after
// its own checks, and package bitops/asm, whose exported functions are the
// checked way in for everyone else.
package kernels

// The Avo program gen/bitops writes the amd64 assembly and its declarations.
//go:generate go -C ../../../gen/bitops run . -out ../../bitops/internal/kernels/blocks_amd64.s -stubs ../../bitops/internal/kernels/blocks_amd64.go -pkg kernels
