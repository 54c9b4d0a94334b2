package bitops

import "crypto/subtle"

// ANDBytes sets dst[i] = a[i] & b[i] for i < n = min(len(a), len(b)) and returns n.
// Like go-ethereum's bitutil.ANDBytes it panics when len(dst) < n; unlike it, the
// panic comes before anything is written.
func ANDBytes(dst, a, b []byte) int {
	n := min(len(a), len(b))
	if n == 0 {
		return 0
	}
	and(head(dst, n), a[:n], b[:n])
	return n
}

// ORBytes sets dst[i] = a[i] | b[i] for i < n = min(len(a), len(b)) and returns n.
// It panics when len(dst) < n, before writing anything.
func ORBytes(dst, a, b []byte) int {
	n := min(len(a), len(b))
	if n == 0 {
		return 0
	}
	or(head(dst, n), a[:n], b[:n])
	return n
}

// XORBytes sets dst[i] = a[i] ^ b[i] for i < n = min(len(a), len(b)) and returns n.
// It is go-ethereum's XORBytes from v1.15 on, which is crypto/subtle.XORBytes: it
// panics when len(dst) < n or when dst overlaps a or b other than exactly.
// crypto/subtle already runs a vector loop on amd64 and arm64 that our kernels do
// not beat (see bench/README.md), so this delegates.
func XORBytes(dst, a, b []byte) int { return subtle.XORBytes(dst, a, b) }

// TestBytes reports whether any byte of p is non-zero.
func TestBytes(p []byte) bool { return anySet(p) }

// head returns p[:n], panicking with an index-out-of-range runtime error when
// len(p) < n (p[:n] alone would silently reach into the capacity past len).
func head(p []byte, n int) []byte {
	if n > 0 {
		_ = p[n-1]
	}
	return p[:n]
}
