package bitops

// The section kernels work on bit vectors such as the 512-byte vectors of a 4096-block
// section. dst sets the length; shorter inputs panic before anything is written.
// Lengths that are multiples of 64 run entirely in the vector kernels.

// And3 sets dst = a & b & c: the vector of blocks whose blooms hold all three bits of
// one address or topic.
func And3(dst, a, b, c []byte) {
	n := len(dst)
	and3(dst, head(a, n), head(b, n), head(c, n))
}

// OrAnd3 sets dst |= a & b & c: adds one clause to an OR group in one pass.
func OrAnd3(dst, a, b, c []byte) {
	n := len(dst)
	orAnd3(dst, head(a, n), head(b, n), head(c, n))
}

// OrInto sets dst |= src.
func OrInto(dst, src []byte) { orInto(dst, head(src, len(dst))) }

// AndInto sets dst &= src and reports whether any bit of dst is still set, in the
// same pass.
func AndInto(dst, src []byte) bool { return andInto(dst, head(src, len(dst))) }

// Popcount returns the number of set bits in p.
func Popcount(p []byte) int { return popcount(p) }
