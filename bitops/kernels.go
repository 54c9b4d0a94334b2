package bitops

// Each operation runs the leading whole 64-byte blocks in the active vector kernel
// (blockBytes reports how many; zero on the generic level) and the rest in Go.
// Callers pass slices of equal length.

func and(dst, a, b []byte) {
	n := blockBytes(len(dst))
	if n > 0 {
		andBlocks(&dst[0], &a[0], &b[0], n)
	}
	andGeneric(dst[n:], a[n:], b[n:])
}

func or(dst, a, b []byte) {
	n := blockBytes(len(dst))
	if n > 0 {
		orBlocks(&dst[0], &a[0], &b[0], n)
	}
	orGeneric(dst[n:], a[n:], b[n:])
}

func xor(dst, a, b []byte) {
	n := blockBytes(len(dst))
	if n > 0 {
		xorBlocks(&dst[0], &a[0], &b[0], n)
	}
	xorGeneric(dst[n:], a[n:], b[n:])
}

func anySet(p []byte) bool {
	n := blockBytes(len(p))
	if n > 0 && testBlocks(&p[0], n) {
		return true
	}
	return anySetGeneric(p[n:])
}

func popcount(p []byte) int {
	n := blockBytes(len(p))
	c := 0
	if n > 0 {
		c = popcountBlocks(&p[0], n)
	}
	return c + popcountGeneric(p[n:])
}

func and3(dst, a, b, c []byte) {
	n := blockBytes(len(dst))
	if n > 0 {
		and3Blocks(&dst[0], &a[0], &b[0], &c[0], n)
	}
	and3Generic(dst[n:], a[n:], b[n:], c[n:])
}

func orAnd3(dst, a, b, c []byte) {
	n := blockBytes(len(dst))
	if n > 0 {
		orAnd3Blocks(&dst[0], &a[0], &b[0], &c[0], n)
	}
	orAnd3Generic(dst[n:], a[n:], b[n:], c[n:])
}

func orInto(dst, src []byte) {
	n := blockBytes(len(dst))
	if n > 0 {
		orIntoBlocks(&dst[0], &src[0], n)
	}
	orIntoGeneric(dst[n:], src[n:])
}

func andInto(dst, src []byte) bool {
	n := blockBytes(len(dst))
	left := false
	if n > 0 {
		left = andIntoBlocks(&dst[0], &src[0], n)
	}
	return andIntoGeneric(dst[n:], src[n:]) || left
}
