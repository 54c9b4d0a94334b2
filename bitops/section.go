package bitops

import (
	"math"
	"unsafe"
)

// The section kernels work on bit vectors such as the 512-byte vectors of a 4096-block
// section. dst sets the length; a shorter input panics before anything is written.
// Lengths that are multiples of 64 run entirely in the vector kernels.

// And3 sets dst = a & b & c: the vector of blocks whose blooms hold all three bits of
// one address or topic.
func And3(dst, a, b, c []byte) {
	n := len(dst)
	a, b, c = head(a, n), head(b, n), head(c, n)
	m := blockBytes(n)
	if m < n {
		and3Generic(dst[m:], a[m:], b[m:], c[m:])
	}
	if m > 0 {
		if raceEnabled {
			raceRead(a[:m])
			raceRead(b[:m])
			raceRead(c[:m])
			raceWrite(dst[:m])
		}
		d, x, y, z := unsafe.SliceData(dst), unsafe.SliceData(a), unsafe.SliceData(b), unsafe.SliceData(c)
		if wide() {
			and3Wide(d, x, y, z, m)
		} else {
			and3Blocks(d, x, y, z, m)
		}
	}
}

// OrAnd3 sets dst |= a & b & c: adds one clause to an OR group in one pass.
func OrAnd3(dst, a, b, c []byte) {
	n := len(dst)
	a, b, c = head(a, n), head(b, n), head(c, n)
	m := blockBytes(n)
	if m < n {
		orAnd3Generic(dst[m:], a[m:], b[m:], c[m:])
	}
	if m > 0 {
		if raceEnabled {
			raceRead(a[:m])
			raceRead(b[:m])
			raceRead(c[:m])
			raceWrite(dst[:m])
		}
		d, x, y, z := unsafe.SliceData(dst), unsafe.SliceData(a), unsafe.SliceData(b), unsafe.SliceData(c)
		if wide() {
			orAnd3Wide(d, x, y, z, m)
		} else {
			orAnd3Blocks(d, x, y, z, m)
		}
	}
}

// OrInto sets dst |= src.
func OrInto(dst, src []byte) {
	src = head(src, len(dst))
	m := blockBytes(len(dst))
	if m < len(dst) {
		orIntoGeneric(dst[m:], src[m:])
	}
	if m > 0 {
		if raceEnabled {
			raceRead(src[:m])
			raceWrite(dst[:m])
		}
		if wide() {
			orIntoWide(unsafe.SliceData(dst), unsafe.SliceData(src), m)
		} else {
			orIntoBlocks(unsafe.SliceData(dst), unsafe.SliceData(src), m)
		}
	}
}

// AndInto sets dst &= src and reports whether any bit of dst is still set, in the
// same pass.
func AndInto(dst, src []byte) bool {
	src = head(src, len(dst))
	m := blockBytes(len(dst))
	left := false
	if m < len(dst) {
		left = andIntoGeneric(dst[m:], src[m:])
	}
	if m > 0 {
		if raceEnabled {
			raceRead(src[:m])
			raceWrite(dst[:m])
		}
		if wide() {
			left = andIntoWide(unsafe.SliceData(dst), unsafe.SliceData(src), m) || left
		} else {
			left = andIntoBlocks(unsafe.SliceData(dst), unsafe.SliceData(src), m) || left
		}
	}
	return left
}

// Popcount returns the number of set bits in p. On 32-bit platforms a count
// above MaxInt (possible in a p of more than 256 MiB) panics.
func Popcount(p []byte) int {
	if len(p) > maxIntBits {
		return popcountLong(p)
	}
	m := blockBytes(len(p))
	c := 0
	if m < len(p) {
		c = popcountGeneric(p[m:])
	}
	if m > 0 {
		if raceEnabled {
			raceRead(p[:m])
		}
		if widePopcount() {
			c += popcountWide(unsafe.SliceData(p), m)
		} else {
			c += popcountBlocks(unsafe.SliceData(p), m)
		}
	}
	return c
}

// popcountLong counts a vector of more than MaxInt bits (32-bit platforms only)
// in pieces whose counts are ints.
func popcountLong(p []byte) int {
	var c uint64
	for len(p) > 0 {
		k := min(len(p), maxIntBits)
		c += uint64(Popcount(p[:k]))
		p = p[k:]
	}
	if c > math.MaxInt {
		panic("bitops.Popcount: more set bits than an int holds")
	}
	return int(c)
}
