package bitops

import "github.com/bloomsimd/bloomsimd/internal/cpu"

// Every operation runs its leading whole 64-byte blocks in the active level's
// vector kernel and any rest in Go, in one flat function. The *Blocks functions
// (kernels_asm.go) are one-line calls, which the compiler inlines, into package
// asm, which checks the lengths and runs the kernel of the active level.

// blockBytes returns how many leading bytes of an n-byte operation the vector
// kernels take: whole 64-byte blocks, or none on the generic level.
func blockBytes(n int) int {
	if !hasKernels || cpu.Active == cpu.Generic {
		return 0
	}
	return n &^ 63
}
