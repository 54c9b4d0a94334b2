package bitops

import "unsafe"

// ANDBytes sets dst[i] = a[i] & b[i] for i < n = min(len(a), len(b)) and returns n.
// It panics when len(dst) < n, before writing anything. (go-ethereum's ANDBytes
// panics too after writing part of dst, except on amd64 when dst's capacity
// holds n bytes: there it writes past len(dst).) dst may be a or b exactly;
// buffers that overlap otherwise give unspecified results, as in go-ethereum
// (whose results depend on its word size).
func ANDBytes(dst, a, b []byte) int {
	if n := len(a); allBlocks(n, len(b), len(dst)) {
		d, x, y := unsafe.SliceData(dst), unsafe.SliceData(a), unsafe.SliceData(b)
		if wide() {
			andWide(d, x, y, n)
		} else {
			andBlocks(d, x, y, n)
		}
		return n
	}
	return andBytes(dst, a, b)
}

// andBytes is ANDBytes for every length: the blocks in the kernel, the rest in Go.
//
//go:noinline
func andBytes(dst, a, b []byte) int {
	n := min(len(a), len(b))
	if n == 0 {
		return 0
	}
	_ = dst[n-1]
	m := blockBytes(n)
	if m < n {
		andGeneric(dst[m:n], a[m:n], b[m:n])
	}
	if m > 0 {
		if raceEnabled {
			raceRead(a[:m])
			raceRead(b[:m])
			raceWrite(dst[:m])
		}
		d, x, y := unsafe.SliceData(dst), unsafe.SliceData(a), unsafe.SliceData(b)
		if wide() {
			andWide(d, x, y, m)
		} else {
			andBlocks(d, x, y, m)
		}
	}
	return n
}

// ORBytes sets dst[i] = a[i] | b[i] for i < n = min(len(a), len(b)) and returns n.
// It panics when len(dst) < n, before writing anything; overlaps as for ANDBytes.
func ORBytes(dst, a, b []byte) int {
	if n := len(a); allBlocks(n, len(b), len(dst)) {
		d, x, y := unsafe.SliceData(dst), unsafe.SliceData(a), unsafe.SliceData(b)
		if wide() {
			orWide(d, x, y, n)
		} else {
			orBlocks(d, x, y, n)
		}
		return n
	}
	return orBytes(dst, a, b)
}

// orBytes is ORBytes for every length, as andBytes.
//
//go:noinline
func orBytes(dst, a, b []byte) int {
	n := min(len(a), len(b))
	if n == 0 {
		return 0
	}
	_ = dst[n-1]
	m := blockBytes(n)
	if m < n {
		orGeneric(dst[m:n], a[m:n], b[m:n])
	}
	if m > 0 {
		if raceEnabled {
			raceRead(a[:m])
			raceRead(b[:m])
			raceWrite(dst[:m])
		}
		d, x, y := unsafe.SliceData(dst), unsafe.SliceData(a), unsafe.SliceData(b)
		if wide() {
			orWide(d, x, y, m)
		} else {
			orBlocks(d, x, y, m)
		}
	}
	return n
}

// XORBytes sets dst[i] = a[i] ^ b[i] for i < n = min(len(a), len(b)) and returns n.
// It follows go-ethereum's XORBytes from v1.15 on, which is crypto/subtle.XORBytes:
// it panics, before writing anything, when len(dst) < n or when dst overlaps a or b
// other than exactly.
func XORBytes(dst, a, b []byte) int {
	if n := len(a); allBlocks(n, len(b), len(dst)) {
		d, x, y := unsafe.SliceData(dst), unsafe.SliceData(a), unsafe.SliceData(b)
		if !exactOrApart(d, x, n) || !exactOrApart(d, y, n) {
			return xorBytes(dst, a, b) // panics
		}
		if wide() {
			xorWide(d, x, y, n)
		} else {
			xorBlocks(d, x, y, n)
		}
		return n
	}
	return xorBytes(dst, a, b)
}

// xorBytes is XORBytes for every length (and its panics), as andBytes.
//
//go:noinline
func xorBytes(dst, a, b []byte) int {
	n := min(len(a), len(b))
	if n == 0 {
		return 0
	}
	if len(dst) < n {
		panic("bitops.XORBytes: dst too short")
	}
	if inexactOverlap(dst[:n], a[:n]) || inexactOverlap(dst[:n], b[:n]) {
		panic("bitops.XORBytes: invalid overlap")
	}
	m := blockBytes(n)
	if m < n {
		xorGeneric(dst[m:n], a[m:n], b[m:n])
	}
	if m > 0 {
		if raceEnabled {
			raceRead(a[:m])
			raceRead(b[:m])
			raceWrite(dst[:m])
		}
		d, x, y := unsafe.SliceData(dst), unsafe.SliceData(a), unsafe.SliceData(b)
		if wide() {
			xorWide(d, x, y, m)
		} else {
			xorBlocks(d, x, y, m)
		}
	}
	return n
}

// TestBytes reports whether any byte of p is non-zero.
func TestBytes(p []byte) bool {
	n := len(p)
	if n < testKernelBytes {
		// Whole blocks here, with no call; a rest in anySetGeneric.
		for ; len(p) >= 64; p = p[64:] {
			if anySet64((*block)(p)) {
				return true
			}
		}
		return len(p) > 0 && anySetGeneric(p)
	}
	// The first word first, as go-ethereum's word loop does: a vector with a bit set
	// there returns without the call.
	if le.Uint64(p) != 0 {
		return true
	}
	if allBlocks(n, n, n) {
		if wide() {
			return testWide(unsafe.SliceData(p), n)
		}
		return testBlocks(unsafe.SliceData(p), n)
	}
	return testRest(p)
}

// testRest is TestBytes from testKernelBytes on, when the vector is not whole
// blocks on a level with kernels (or in a race build): its whole blocks in the
// kernel, the rest in Go.
//
//go:noinline
func testRest(p []byte) bool {
	m := blockBytes(len(p))
	if m < len(p) && anySetGeneric(p[m:]) {
		return true
	}
	if m == 0 {
		return false
	}
	if raceEnabled {
		raceRead(p[:m])
	}
	if wide() {
		return testWide(unsafe.SliceData(p), m)
	}
	return testBlocks(unsafe.SliceData(p), m)
}

// allBlocks reports whether an operation on n bytes, whose other input has nb bytes
// and whose destination nd, runs wholly in the vector kernels, with no check left:
// n equals nb, is a positive multiple of 64 no longer than nd, and the level has
// kernels (not in a race build, whose operations report the ranges they touch).
func allBlocks(n, nb, nd int) bool {
	return n == nb && n <= nd && n > 0 && !raceEnabled && blockBytes(n) == n
}

// testKernelBytes is the length from which TestBytes calls a vector kernel: below
// it, eight-word Go blocks that return at the first set block cost less than the
// call (bench/ BenchmarkTest and BenchmarkTestSet, size=64).
const testKernelBytes = 256

// inexactOverlap reports whether x and y, both non-empty, share memory without
// starting at the same address.
func inexactOverlap(x, y []byte) bool {
	x0, x1 := uintptr(unsafe.Pointer(&x[0])), uintptr(unsafe.Pointer(&x[len(x)-1]))
	y0, y1 := uintptr(unsafe.Pointer(&y[0])), uintptr(unsafe.Pointer(&y[len(y)-1]))
	return x0 != y0 && x0 <= y1 && y0 <= x1
}

// exactOrApart reports whether the n bytes at x and the n bytes at y (n > 0) are
// the same bytes or share none: whether XORBytes allows them as dst and input.
func exactOrApart(x, y *byte, n int) bool {
	d := uintptr(unsafe.Pointer(x)) - uintptr(unsafe.Pointer(y))
	return d == 0 || d >= uintptr(n) && -d >= uintptr(n)
}

// head returns p[:n], panicking with an index-out-of-range runtime error when
// len(p) < n (p[:n] alone would silently reach into the capacity past len).
func head(p []byte, n int) []byte {
	if n > 0 {
		_ = p[n-1]
	}
	return p[:n]
}
