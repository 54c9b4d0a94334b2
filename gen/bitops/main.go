// Command bitops writes bitops/internal/kernels/blocks_amd64.s and its Go declarations: the AVX2 and
// AVX-512 block kernels behind package bitops. Run it through `make generate`.
//
// Every kernel takes n, a positive multiple of 64, and works on whole 64-byte blocks:
// four blocks per iteration while at least 256 bytes remain, then one at a time
// (test: eight blocks per iteration while at least 512 bytes remain, then four).
package main

import (
	"fmt"
	"os"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

func main() {
	// Avo reasons about amd64 whatever the host is.
	os.Setenv("GOOS", "linux")
	os.Setenv("GOARCH", "amd64")
	ConstraintExpr("!purego,!noasm")

	for _, w := range []width{avx512, avx2} {
		binary(w, "and", "dst = a & b", and)
		binary(w, "or", "dst = a | b", or)
		binary(w, "xor", "dst = a ^ b", xor)
		test(w)
		and3(w)
		orAnd3(w)
		orInto(w)
		andInto(w)
	}
	popcountAVX512()
	popcountAVX2()
	Generate()
}

// width is a vector register width: a 64-byte block is one ZMM or two YMM registers.
type width struct {
	name  string
	regs  int // registers per 64-byte block
	bytes int
	vec   func() reg.VecVirtual
	load  func(mem Mem, r reg.Register)
	store func(r reg.Register, mem Mem)
}

var (
	avx512 = width{"AVX512", 1, 64, ZMM,
		func(m Mem, r reg.Register) { VMOVDQU64(m, r) }, func(r reg.Register, m Mem) { VMOVDQU64(r, m) }}
	avx2 = width{"AVX2", 2, 32, YMM,
		func(m Mem, r reg.Register) { VMOVDQU(m, r) }, func(r reg.Register, m Mem) { VMOVDQU(r, m) }}
)

// Bitwise operations by width: x = x OP mem.
func and(w width, m Mem, x reg.Register) {
	if w.regs == 1 {
		VPANDQ(m, x, x)
	} else {
		VPAND(m, x, x)
	}
}

func or(w width, m Mem, x reg.Register) {
	if w.regs == 1 {
		VPORQ(m, x, x)
	} else {
		VPOR(m, x, x)
	}
}

func xor(w width, m Mem, x reg.Register) {
	if w.regs == 1 {
		VPXORQ(m, x, x)
	} else {
		VPXOR(m, x, x)
	}
}

// kernel declares a function and loads its pointer arguments and n.
func kernel(w width, name, sig, doc string, ptrs ...string) ([]reg.Register, reg.Register) {
	TEXT(name+w.name, NOSPLIT, sig)
	Pragma("noescape")
	Doc(fmt.Sprintf("%s%s sets %s over n bytes, n a positive multiple of 64.", name, w.name, doc))
	var regs []reg.Register
	for _, p := range ptrs {
		regs = append(regs, Load(Param(p), GP64()))
	}
	return regs, Load(Param("n"), GP64())
}

// blocks emits the block loop: body(off) handles one vector register's worth of
// bytes at offset off from every pointer; the pointers advance after each
// iteration. after, if set, runs at the end of each iteration (an early exit).
func blocks(w width, ptrs []reg.Register, n reg.Register, body func(off int), after func()) {
	loop := func(label string, unroll int) {
		Label(label)
		for b := 0; b < unroll; b++ {
			for i := 0; i < w.regs; i++ {
				body(64*b + w.bytes*i)
			}
		}
		if after != nil {
			after()
		}
		for _, p := range ptrs {
			ADDQ(U32(64*unroll), p)
		}
		SUBQ(U32(64*unroll), n)
	}
	CMPQ(n, U32(256))
	JB(LabelRef("single"))
	loop("quad", 4)
	CMPQ(n, U32(256))
	JAE(LabelRef("quad"))
	TESTQ(n, n)
	JZ(LabelRef("done"))
	loop("single", 1)
	JNZ(LabelRef("single"))
	Label("done")
}

func mem(p reg.Register, off int) Mem { return Mem{Base: p, Disp: off} }

func binary(w width, name, doc string, op func(width, Mem, reg.Register)) {
	p, n := kernel(w, name, "func(dst, a, b *byte, n int)", doc, "dst", "a", "b")
	dst, a, b := p[0], p[1], p[2]
	blocks(w, p, n, func(off int) {
		x := w.vec()
		w.load(mem(a, off), x)
		op(w, mem(b, off), x)
		w.store(x, mem(dst, off))
	}, nil)
	VZEROUPPER()
	RET()
}

// zero returns a zeroed register of width w.
func zero(w width) reg.Register {
	x := w.vec()
	if w.regs == 1 {
		VPXORQ(x, x, x)
	} else {
		VPXOR(x, x, x)
	}
	return x
}

// nonZero sets the flags so that JNZ/SETNE mean "x has a set bit". On AVX-512 it
// tests the mask with KORTESTW (AVX512F), not KORTESTB (AVX512DQ): VPTESTMQ sets
// the low 8 bits of k and clears the rest, so both see the same bits, and the
// AVX-512 level need not require DQ.
func nonZero(w width, x reg.Register) {
	if w.regs == 1 {
		k := K()
		VPTESTMQ(x, x, k)
		KORTESTW(k, k)
	} else {
		VPTEST(x, x)
	}
}

// test reads 512 bytes per pass while that many remain: the eight blocks ORed
// into four accumulators, folded into one and tested once, so a vector costs one
// test and one branch per 512 bytes. A rest of 256 bytes or more runs as one pass
// of four blocks, the last blocks one per pass.
func test(w width) {
	TEXT("test"+w.name, NOSPLIT, "func(p *byte, n int) bool")
	Pragma("noescape")
	Doc(fmt.Sprintf("test%s reports whether any of n bytes at p is non-zero, n a positive multiple of 64.", w.name))
	p := Load(Param("p"), GP64())
	n := Load(Param("n"), GP64())
	// pass ORs size bytes at p into at most four accumulators, tests them once
	// (to found), and advances p and n (flags: n == 0).
	pass := func(size int) {
		acc := make([]reg.Register, min(4, size/w.bytes))
		for i := 0; i < size/w.bytes; i++ {
			if i < len(acc) {
				acc[i] = w.vec()
				w.load(mem(p, i*w.bytes), acc[i])
			} else {
				or(w, mem(p, i*w.bytes), acc[i%len(acc)])
			}
		}
		for k := len(acc) / 2; k > 0; k /= 2 {
			for i := 0; i < k; i++ {
				or2(w, acc[i+k], acc[i])
			}
		}
		nonZero(w, acc[0])
		JNZ(LabelRef("found"))
		ADDQ(U32(size), p)
		SUBQ(U32(size), n)
	}
	CMPQ(n, U32(512))
	JB(LabelRef("quad"))
	Label("octo")
	pass(512)
	CMPQ(n, U32(512))
	JAE(LabelRef("octo"))
	Label("quad")
	CMPQ(n, U32(256))
	JB(LabelRef("rest"))
	pass(256)
	Label("rest")
	TESTQ(n, n)
	JZ(LabelRef("done"))
	Label("single")
	pass(64)
	JNZ(LabelRef("single"))
	Label("done")
	VZEROUPPER()
	MOVB(U8(0), NewParamAddr("ret", 16))
	RET()
	Label("found")
	VZEROUPPER()
	MOVB(U8(1), NewParamAddr("ret", 16))
	RET()
}

// or2 sets x |= y on registers.
func or2(w width, y, x reg.Register) {
	if w.regs == 1 {
		VPORQ(y, x, x)
	} else {
		VPOR(y, x, x)
	}
}

func and3(w width) {
	p, n := kernel(w, "and3", "func(dst, a, b, c *byte, n int)", "dst = a & b & c", "dst", "a", "b", "c")
	dst, a, b, c := p[0], p[1], p[2], p[3]
	blocks(w, p, n, func(off int) {
		x := w.vec()
		w.load(mem(a, off), x)
		if w.regs == 1 {
			y := w.vec()
			w.load(mem(b, off), y)
			VPTERNLOGQ(U8(0x80), mem(c, off), y, x) // x & y & c
		} else {
			VPAND(mem(b, off), x, x)
			VPAND(mem(c, off), x, x)
		}
		w.store(x, mem(dst, off))
	}, nil)
	VZEROUPPER()
	RET()
}

func orAnd3(w width) {
	p, n := kernel(w, "orAnd3", "func(dst, a, b, c *byte, n int)", "dst |= a & b & c", "dst", "a", "b", "c")
	dst, a, b, c := p[0], p[1], p[2], p[3]
	blocks(w, p, n, func(off int) {
		x, y := w.vec(), w.vec()
		w.load(mem(dst, off), x)
		w.load(mem(a, off), y)
		and(w, mem(b, off), y)
		if w.regs == 1 {
			VPTERNLOGQ(U8(0xF8), mem(c, off), y, x) // x | (y & c)
		} else {
			VPAND(mem(c, off), y, y)
			VPOR(y, x, x)
		}
		w.store(x, mem(dst, off))
	}, nil)
	VZEROUPPER()
	RET()
}

func orInto(w width) {
	p, n := kernel(w, "orInto", "func(dst, src *byte, n int)", "dst |= src", "dst", "src")
	dst, src := p[0], p[1]
	blocks(w, p, n, func(off int) {
		x := w.vec()
		w.load(mem(dst, off), x)
		or(w, mem(src, off), x)
		w.store(x, mem(dst, off))
	}, nil)
	VZEROUPPER()
	RET()
}

func andInto(w width) {
	TEXT("andInto"+w.name, NOSPLIT, "func(dst, src *byte, n int) bool")
	Pragma("noescape")
	Doc(fmt.Sprintf("andInto%s sets dst &= src over n bytes, n a positive multiple of 64,", w.name),
		"and reports whether any bit of dst is left set.")
	p := []reg.Register{Load(Param("dst"), GP64()), Load(Param("src"), GP64())}
	n := Load(Param("n"), GP64())
	dst, src := p[0], p[1]
	acc := []reg.Register{zero(w), zero(w)}
	blocks(w, p, n, func(off int) {
		x := w.vec()
		w.load(mem(dst, off), x)
		and(w, mem(src, off), x)
		w.store(x, mem(dst, off))
		or2(w, x, acc[off/w.bytes%2])
	}, nil)
	or2(w, acc[1], acc[0])
	nonZero(w, acc[0])
	r := GP8()
	SETNE(r)
	VZEROUPPER()
	Store(r, ReturnIndex(0))
	RET()
}

// popcountAVX512 adds VPOPCNTQ counts into eight 64-bit lanes (needs AVX512_VPOPCNTDQ).
func popcountAVX512() {
	w := avx512
	TEXT("popcountAVX512", NOSPLIT, "func(p *byte, n int) int")
	Pragma("noescape")
	Doc("popcountAVX512 counts the set bits of n bytes at p, n a positive multiple of 64.",
		"It needs AVX512_VPOPCNTDQ.")
	p := Load(Param("p"), GP64())
	n := Load(Param("n"), GP64())
	acc := []reg.Register{zero(w), zero(w)}
	blocks(w, []reg.Register{p}, n, func(off int) {
		x := w.vec()
		VPOPCNTQ(mem(p, off), x)
		VPADDQ(x, acc[off/64%2], acc[off/64%2])
	}, nil)
	VPADDQ(acc[1], acc[0], acc[0])
	sumLanes(acc[0].(reg.VecVirtual).AsY(), acc[0].(reg.VecVirtual).AsZ())
}

// sumLanes adds the 64-bit lanes of z (or of y when z is nil) and returns the sum.
func sumLanes(y, z reg.Register) {
	if z != nil {
		hi := YMM()
		VEXTRACTI64X4(U8(1), z, hi)
		VPADDQ(hi, y, y)
	}
	yv := y.(reg.VecVirtual)
	x := yv.AsX()
	hi := XMM()
	VEXTRACTI128(U8(1), y, hi)
	VPADDQ(hi, x, x)
	VPSHUFD(U8(0x4E), x, hi)
	VPADDQ(hi, x, x)
	r := GP64()
	VMOVQ(x, r)
	VZEROUPPER()
	Store(r, ReturnIndex(0))
	RET()
}

// popcountAVX2 counts with the nibble lookup of Mula, Kurz and Lemire: VPSHUFB
// looks up the bit count of each nibble, VPSADBW sums the bytes into 64-bit lanes.
func popcountAVX2() {
	w := avx2
	TEXT("popcountAVX2", NOSPLIT, "func(p *byte, n int) int")
	Pragma("noescape")
	Doc("popcountAVX2 counts the set bits of n bytes at p, n a positive multiple of 64.")
	p := Load(Param("p"), GP64())
	n := Load(Param("n"), GP64())
	lut := GLOBL("popcount_nibbles", RODATA|NOPTR)
	nibbles := []byte{0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4}
	for i := 0; i < 32; i++ { // the same table in both 128-bit lanes
		DATA(i, U8(nibbles[i%16]))
	}
	low := GLOBL("popcount_low_nibble", RODATA|NOPTR)
	for i := 0; i < 32; i += 8 {
		DATA(i, U64(0x0f0f0f0f0f0f0f0f))
	}
	table, mask, zeros := YMM(), YMM(), zero(w)
	VMOVDQU(lut, table)
	VMOVDQU(low, mask)
	acc := zero(w)
	blocks(w, []reg.Register{p}, n, func(off int) {
		x, lo, hi := YMM(), YMM(), YMM()
		VMOVDQU(mem(p, off), x)
		VPAND(mask, x, lo)
		VPSRLW(U8(4), x, hi)
		VPAND(mask, hi, hi)
		VPSHUFB(lo, table, lo)
		VPSHUFB(hi, table, hi)
		VPADDB(hi, lo, lo)
		VPSADBW(zeros, lo, lo)
		VPADDQ(lo, acc, acc)
	}, nil)
	sumLanes(acc, nil)
}
