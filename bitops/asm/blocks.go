//go:build !purego && !noasm && (amd64 || arm64)

package asm

// The length checks of the block entries (blocks_<arch>.go). Each returns the
// common length n, and panics with errBlocks unless every slice holds n bytes and
// n is a positive multiple of 64, the unit of the block kernels.

// whole reports whether n is a positive multiple of 64.
func whole(n int) bool { return n > 0 && n&63 == 0 }

func blocks1(p []byte) int {
	if !whole(len(p)) {
		panic(errBlocks)
	}
	return len(p)
}

func blocks2(dst, src []byte) int {
	n := len(dst)
	if !whole(n) || len(src) != n {
		panic(errBlocks)
	}
	return n
}

func blocks3(dst, a, b []byte) int {
	n := len(dst)
	if !whole(n) || len(a) != n || len(b) != n {
		panic(errBlocks)
	}
	return n
}

func blocks4(dst, a, b, c []byte) int {
	n := len(dst)
	if !whole(n) || len(a) != n || len(b) != n || len(c) != n {
		panic(errBlocks)
	}
	return n
}
