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

// Each operation runs the leading whole 64-byte blocks in the active vector kernel
// and any rest in Go. Callers pass slices of equal length.
func and(dst, a, b []byte) {
	if k, n := blocks(len(dst)); n > 0 {
		k.and(&dst[0], &a[0], &b[0], n)
		dst, a, b = dst[n:], a[n:], b[n:]
	}
	if len(dst) > 0 {
		andGeneric(dst, a, b)
	}
}

func xor(dst, a, b []byte) {
	if k, n := blocks(len(dst)); n > 0 {
		k.xor(&dst[0], &a[0], &b[0], n)
		dst, a, b = dst[n:], a[n:], b[n:]
	}
	if len(dst) > 0 {
		xorGeneric(dst, a, b)
	}
}

func or(dst, a, b []byte) {
	if k, n := blocks(len(dst)); n > 0 {
		k.or(&dst[0], &a[0], &b[0], n)
		dst, a, b = dst[n:], a[n:], b[n:]
	}
	if len(dst) > 0 {
		orGeneric(dst, a, b)
	}
}

func anySet(p []byte) bool {
	if k, n := blocks(len(p)); n > 0 {
		if k.test(&p[0], n) {
			return true
		}
		p = p[n:]
	}
	return len(p) > 0 && anySetGeneric(p)
}

func popcount(p []byte) int {
	c := 0
	if k, n := blocks(len(p)); n > 0 {
		c, p = k.popcount(&p[0], n), p[n:]
	}
	if len(p) > 0 {
		c += popcountGeneric(p)
	}
	return c
}

func and3(dst, a, b, c []byte) {
	if k, n := blocks(len(dst)); n > 0 {
		k.and3(&dst[0], &a[0], &b[0], &c[0], n)
		dst, a, b, c = dst[n:], a[n:], b[n:], c[n:]
	}
	if len(dst) > 0 {
		and3Generic(dst, a, b, c)
	}
}

func orAnd3(dst, a, b, c []byte) {
	if k, n := blocks(len(dst)); n > 0 {
		k.orAnd3(&dst[0], &a[0], &b[0], &c[0], n)
		dst, a, b, c = dst[n:], a[n:], b[n:], c[n:]
	}
	if len(dst) > 0 {
		orAnd3Generic(dst, a, b, c)
	}
}

func orInto(dst, src []byte) {
	if k, n := blocks(len(dst)); n > 0 {
		k.orInto(&dst[0], &src[0], n)
		dst, src = dst[n:], src[n:]
	}
	if len(dst) > 0 {
		orIntoGeneric(dst, src)
	}
}

func andInto(dst, src []byte) bool {
	left := false
	if k, n := blocks(len(dst)); n > 0 {
		left = k.andInto(&dst[0], &src[0], n)
		dst, src = dst[n:], src[n:]
	}
	if len(dst) > 0 {
		left = andIntoGeneric(dst, src) || left
	}
	return left
}
