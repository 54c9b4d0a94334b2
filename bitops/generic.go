package bitops

import (
	"encoding/binary"
	"math/bits"
)

// The pure-Go kernels: eight bytes at a time, then the last bytes one by one. They
// are the generic implementation and finish the tails of the vector kernels. The
// encoding/binary loads and stores compile to single moves where the CPU allows
// unaligned access, and stay correct where it does not.

var le = binary.LittleEndian

func andGeneric(dst, a, b []byte) {
	i := 0
	for ; len(dst)-i >= 8; i += 8 {
		le.PutUint64(dst[i:], le.Uint64(a[i:])&le.Uint64(b[i:]))
	}
	for ; i < len(dst); i++ {
		dst[i] = a[i] & b[i]
	}
}

func orGeneric(dst, a, b []byte) {
	i := 0
	for ; len(dst)-i >= 8; i += 8 {
		le.PutUint64(dst[i:], le.Uint64(a[i:])|le.Uint64(b[i:]))
	}
	for ; i < len(dst); i++ {
		dst[i] = a[i] | b[i]
	}
}

func xorGeneric(dst, a, b []byte) {
	i := 0
	for ; len(dst)-i >= 8; i += 8 {
		le.PutUint64(dst[i:], le.Uint64(a[i:])^le.Uint64(b[i:]))
	}
	for ; i < len(dst); i++ {
		dst[i] = a[i] ^ b[i]
	}
}

func anySetGeneric(p []byte) bool {
	i := 0
	for ; len(p)-i >= 32; i += 32 {
		if le.Uint64(p[i:])|le.Uint64(p[i+8:])|le.Uint64(p[i+16:])|le.Uint64(p[i+24:]) != 0 {
			return true
		}
	}
	for ; len(p)-i >= 8; i += 8 {
		if le.Uint64(p[i:]) != 0 {
			return true
		}
	}
	for ; i < len(p); i++ {
		if p[i] != 0 {
			return true
		}
	}
	return false
}

func popcountGeneric(p []byte) int {
	c, i := 0, 0
	for ; len(p)-i >= 8; i += 8 {
		c += bits.OnesCount64(le.Uint64(p[i:]))
	}
	for ; i < len(p); i++ {
		c += bits.OnesCount8(p[i])
	}
	return c
}

func and3Generic(dst, a, b, c []byte) {
	i := 0
	for ; len(dst)-i >= 8; i += 8 {
		le.PutUint64(dst[i:], le.Uint64(a[i:])&le.Uint64(b[i:])&le.Uint64(c[i:]))
	}
	for ; i < len(dst); i++ {
		dst[i] = a[i] & b[i] & c[i]
	}
}

func orAnd3Generic(dst, a, b, c []byte) {
	i := 0
	for ; len(dst)-i >= 8; i += 8 {
		le.PutUint64(dst[i:], le.Uint64(dst[i:])|le.Uint64(a[i:])&le.Uint64(b[i:])&le.Uint64(c[i:]))
	}
	for ; i < len(dst); i++ {
		dst[i] |= a[i] & b[i] & c[i]
	}
}

func orIntoGeneric(dst, src []byte) {
	i := 0
	for ; len(dst)-i >= 8; i += 8 {
		le.PutUint64(dst[i:], le.Uint64(dst[i:])|le.Uint64(src[i:]))
	}
	for ; i < len(dst); i++ {
		dst[i] |= src[i]
	}
}

func andIntoGeneric(dst, src []byte) bool {
	var acc uint64
	i := 0
	for ; len(dst)-i >= 8; i += 8 {
		w := le.Uint64(dst[i:]) & le.Uint64(src[i:])
		le.PutUint64(dst[i:], w)
		acc |= w
	}
	for ; i < len(dst); i++ {
		dst[i] &= src[i]
		acc |= uint64(dst[i])
	}
	return acc != 0
}
