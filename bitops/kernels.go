package bitops

import "github.com/bloomsimd/bloomsimd/internal/cpu"

// Every operation runs its leading whole 64-byte blocks in the active level's
// vector kernel and any rest in Go, in one flat function. The kernels are called
// directly (the *Blocks functions of kernels_<arch>.go switch on the level), not
// through function values: a func value of an assembly function goes through an
// ABI wrapper, about 1-2 ns a call, a fifth of a 512-byte AND.

// blockBytes returns how many leading bytes of an n-byte operation the vector
// kernels take: whole 64-byte blocks, or none on the generic level.
func blockBytes(n int) int {
	if !hasKernels || cpu.Active == cpu.Generic {
		return 0
	}
	return n &^ 63
}
