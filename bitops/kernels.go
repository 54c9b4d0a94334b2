package bitops

import "github.com/bloomsimd/bloomsimd/internal/cpu"

// blockKernels is one level's set of vector kernels. Each takes n, a positive
// multiple of 64, and works on whole 64-byte blocks.
type blockKernels struct {
	and, or, xor func(dst, a, b *byte, n int)
	test         func(p *byte, n int) bool
	popcount     func(p *byte, n int) int
	and3, orAnd3 func(dst, a, b, c *byte, n int)
	orInto       func(dst, src *byte, n int)
	andInto      func(dst, src *byte, n int) bool
}

// blocks returns the active level's kernels and how many leading bytes of an
// n-byte operation they take: whole 64-byte blocks, or none on the generic level
// (whose kernels are nil).
func blocks(n int) (*blockKernels, int) {
	k := &vector[cpu.Active]
	if k.and == nil {
		return k, 0
	}
	return k, n &^ 63
}

// Every operation runs the leading whole 64-byte blocks in the active level's kernel
// and any rest in Go, in one flat function: an extra call level costs about 1 ns, a
// tenth of a 512-byte AND.
