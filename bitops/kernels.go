package bitops

import (
	"encoding/binary"
	"math/bits"

	"github.com/bloomsimd/bloomsimd/internal/cpu"
)

// Every operation runs its leading whole 64-byte blocks in the active level's
// vector kernel and any rest in Go, in one flat function. The *Wide and *Blocks
// functions (kernels_asm_<arch>.go) are one call each of a kernel, which the
// compiler inlines together with the kernel's entry, so the operation calls the
// assembly directly. The operations finish the Go rest first and call the kernel
// last, so that little is live across that call. ANDBytes, ORBytes, XORBytes and
// TestBytes first try a fast path (allBlocks: equal lengths of whole blocks on a
// level with kernels), which calls the kernel after those few compares, and leave
// every other case to a //go:noinline helper (andBytes, orBytes, xorBytes,
// testRest), so that the general code's registers and spills stay out of the fast
// path. At 512 bytes the call costs about as much as the kernel's 16 cycles of
// stores (bench/README, "Call overhead").

// blockBytes returns how many leading bytes of an n-byte operation the vector
// kernels take: whole 64-byte blocks, or none on the generic level.
func blockBytes(n int) int {
	if !hasKernels || cpu.Active == cpu.Generic {
		return 0
	}
	return n &^ 63
}

// The pure-Go kernels: the generic implementation, and the tails of the vector
// kernels. They run 64-byte blocks as eight 64-bit words through array pointers,
// whose constant-bounded indexes need no bounds checks, then the rest one byte at a
// time (TestBytes and Popcount eight bytes at a time first). encoding/binary compiles
// to single moves where the CPU allows unaligned access and stays correct where it
// does not.

var le = binary.LittleEndian

type block = [64]byte

func andGeneric(dst, a, b []byte) {
	for len(dst) >= 64 {
		d, x, y := (*block)(dst), (*block)(a), (*block)(b)
		for k := 0; k <= 56; k += 8 {
			le.PutUint64(d[k:], le.Uint64(x[k:])&le.Uint64(y[k:]))
		}
		dst, a, b = dst[64:], a[64:], b[64:]
	}
	for i := range dst {
		dst[i] = a[i] & b[i]
	}
}

func orGeneric(dst, a, b []byte) {
	for len(dst) >= 64 {
		d, x, y := (*block)(dst), (*block)(a), (*block)(b)
		for k := 0; k <= 56; k += 8 {
			le.PutUint64(d[k:], le.Uint64(x[k:])|le.Uint64(y[k:]))
		}
		dst, a, b = dst[64:], a[64:], b[64:]
	}
	for i := range dst {
		dst[i] = a[i] | b[i]
	}
}

func xorGeneric(dst, a, b []byte) {
	for len(dst) >= 64 {
		d, x, y := (*block)(dst), (*block)(a), (*block)(b)
		for k := 0; k <= 56; k += 8 {
			le.PutUint64(d[k:], le.Uint64(x[k:])^le.Uint64(y[k:]))
		}
		dst, a, b = dst[64:], a[64:], b[64:]
	}
	for i := range dst {
		dst[i] = a[i] ^ b[i]
	}
}

func anySetGeneric(p []byte) bool {
	for len(p) >= 64 {
		if anySet64((*block)(p)) {
			return true
		}
		p = p[64:]
	}
	for ; len(p) >= 8; p = p[8:] {
		if le.Uint64(p) != 0 {
			return true
		}
	}
	for _, c := range p {
		if c != 0 {
			return true
		}
	}
	return false
}

// anySet64 reports whether any byte of x is non-zero, unrolled: Go does not unroll
// loops, and a loop costs as much as the eight loads here.
func anySet64(x *block) bool {
	return le.Uint64(x[0:])|le.Uint64(x[8:])|le.Uint64(x[16:])|le.Uint64(x[24:])|
		le.Uint64(x[32:])|le.Uint64(x[40:])|le.Uint64(x[48:])|le.Uint64(x[56:]) != 0
}

func popcountGeneric(p []byte) int {
	c := 0
	for ; len(p) >= 8; p = p[8:] {
		c += bits.OnesCount64(le.Uint64(p))
	}
	for _, b := range p {
		c += bits.OnesCount8(b)
	}
	return c
}

func and3Generic(dst, a, b, c []byte) {
	for len(dst) >= 64 {
		d, x, y, z := (*block)(dst), (*block)(a), (*block)(b), (*block)(c)
		for k := 0; k <= 56; k += 8 {
			le.PutUint64(d[k:], le.Uint64(x[k:])&le.Uint64(y[k:])&le.Uint64(z[k:]))
		}
		dst, a, b, c = dst[64:], a[64:], b[64:], c[64:]
	}
	for i := range dst {
		dst[i] = a[i] & b[i] & c[i]
	}
}

func orAnd3Generic(dst, a, b, c []byte) {
	for len(dst) >= 64 {
		d, x, y, z := (*block)(dst), (*block)(a), (*block)(b), (*block)(c)
		for k := 0; k <= 56; k += 8 {
			le.PutUint64(d[k:], le.Uint64(d[k:])|le.Uint64(x[k:])&le.Uint64(y[k:])&le.Uint64(z[k:]))
		}
		dst, a, b, c = dst[64:], a[64:], b[64:], c[64:]
	}
	for i := range dst {
		dst[i] |= a[i] & b[i] & c[i]
	}
}

func orIntoGeneric(dst, src []byte) {
	for len(dst) >= 64 {
		d, s := (*block)(dst), (*block)(src)
		for k := 0; k <= 56; k += 8 {
			le.PutUint64(d[k:], le.Uint64(d[k:])|le.Uint64(s[k:]))
		}
		dst, src = dst[64:], src[64:]
	}
	for i := range dst {
		dst[i] |= src[i]
	}
}

func andIntoGeneric(dst, src []byte) bool {
	var acc uint64
	for len(dst) >= 64 {
		d, s := (*block)(dst), (*block)(src)
		for k := 0; k <= 56; k += 8 {
			w := le.Uint64(d[k:]) & le.Uint64(s[k:])
			le.PutUint64(d[k:], w)
			acc |= w
		}
		dst, src = dst[64:], src[64:]
	}
	for i := range dst {
		dst[i] &= src[i]
		acc |= uint64(dst[i])
	}
	return acc != 0
}
