// Command compress writes bitops/asm/compress_amd64.s and its Go declarations: the
// AVX2 and AVX-512 kernels behind bitops.CompressBytes and bitops.DecompressBytes.
// Run it through `make generate`.
//
// The encoding has one bitmap bit per byte, most significant bit first: byte 8j+t
// is bit 7-t of bitmap byte j. Vector compares give the opposite order within each
// byte (lane 8j+t is bit t of the mask), so each kernel reverses it once: the
// bitmap kernels reverse the bytes of each quadword before the compare, the
// AVX-512 expand reverses the bits of each mask byte with GFNI, and the AVX2 pack
// and expand index shuffle tables by bitmap byte.
//
// The AVX-512 kernels take any length, finishing with masked loads and stores; the
// AVX2 kernels take whole 64-byte blocks (n a positive multiple of 64) and package
// bitops finishes in Go. The pack and expand kernels need AVX512_VBMI2
// (VPCOMPRESSB, VPEXPANDB), the expand also GFNI: package bitops runs the AVX2
// kernels on AVX-512 CPUs without them.
package main

import (
	"math/bits"
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

	tables()
	bitmapAVX512()
	packAVX512()
	expandAVX512()
	bitmapAVX2()
	packAVX2()
	expandAVX2()
	Generate()
}

var (
	revBytes    Mem // 7, 6, ..., 0, 15, 14, ..., 8: reverses the bytes of each quadword
	revBits     Mem // the GF(2) matrix that reverses the bits of each byte
	packTable   Mem // [256][8]byte: for bitmap byte b, the lanes marked in b, in order
	expandTable Mem // [256][8]byte: for bitmap byte b, lane t's rank among the marked lanes, or 0x80
)

func tables() {
	revBytes = GLOBL("compress_rev_bytes", RODATA|NOPTR)
	DATA(0, U64(0x0001020304050607))
	DATA(8, U64(0x08090a0b0c0d0e0f))
	revBits = GLOBL("compress_rev_bits", RODATA|NOPTR)
	DATA(0, U64(0x8040201008040201))
	packTable = GLOBL("compress_pack_table", RODATA|NOPTR)
	for b := 0; b < 256; b++ {
		var e uint64 = 0x8080808080808080
		k := 0
		for t := 0; t < 8; t++ {
			if b&(0x80>>t) != 0 {
				e = e&^(0xff<<(8*k)) | uint64(t)<<(8*k)
				k++
			}
		}
		DATA(8*b, U64(e))
	}
	expandTable = GLOBL("compress_expand_table", RODATA|NOPTR)
	for b := 0; b < 256; b++ {
		var e uint64
		for t := 0; t < 8; t++ {
			lane := uint64(0x80)
			if b&(0x80>>t) != 0 {
				lane = uint64(bits.OnesCount8(uint8(b) >> (8 - t))) // marked lanes before t
			}
			e |= lane << (8 * t)
		}
		DATA(8*b, U64(e))
	}
}

func mem(p reg.Register, off int) Mem { return Mem{Base: p, Disp: off} }

func at(p, i reg.Register) Mem { return Mem{Base: p, Index: i, Scale: 1} }

// loopTail advances the listed pointers by their strides, counts one block down
// from n and loops while blocks remain.
func loopTail(label string, n reg.Register, ptrs []reg.Register, strides []int) {
	for i, p := range ptrs {
		ADDQ(U32(strides[i]), p)
	}
	SUBQ(U32(64), n)
	JNZ(LabelRef(label))
}

// The AVX-512 kernels take any n >= 1: whole 64-byte blocks, then the rest with
// masked loads and stores, which never touch memory outside their mask.

// tailMask sets k to the low bits bits (bits < 64).
func tailMask(bits, ones reg.Register, k reg.Register) {
	m := GP64()
	BZHIQ(bits, ones, m)
	KMOVQ(m, k)
}

func bitmapAVX512() {
	TEXT("bitmapAVX512", NOSPLIT, "func(dst, src *byte, n int) int")
	Pragma("noescape")
	Doc("bitmapAVX512 writes the bitmap of the n bytes at src (ceil(n/8) bytes, bit 7-t of",
		"byte j set when byte 8j+t is non-zero) to dst and returns the number of non-zero",
		"bytes. n >= 1.")
	dst, src, n := Load(Param("dst"), GP64()), Load(Param("src"), GP64()), Load(Param("n"), GP64())
	rev, ones, count, whole := ZMM(), GP64(), GP64(), GP64()
	VBROADCASTI32X4(revBytes, rev)
	MOVQ(I64(-1), ones)
	XORQ(count, count)
	MOVQ(n, whole)
	ANDQ(I32(-64), whole)
	JZ(LabelRef("tail"))
	ADDQ(src, whole) // the end of the whole blocks
	Label("block")
	x, k, m := ZMM(), K(), GP64()
	VMOVDQU64(mem(src, 0), x)
	VPSHUFB(rev, x, x) // quadword byte order reversed: mask bits come out MSB first
	VPTESTMB(x, x, k)
	KMOVQ(k, m)
	MOVQ(m, mem(dst, 0))
	POPCNTQ(m, m)
	ADDQ(m, count)
	ADDQ(U32(64), src)
	ADDQ(U32(8), dst)
	CMPQ(src, whole)
	JB(LabelRef("block"))

	Label("tail")
	ANDQ(U32(63), n)
	JZ(LabelRef("done"))
	kIn, kOut, m2, nb := K(), K(), GP64(), GP64()
	tailMask(n, ones, kIn)
	VMOVDQU8_Z(mem(src, 0), kIn, x)
	VPSHUFB(rev, x, x) // missing bytes are zero wherever they move
	VPTESTMB(x, x, k)
	KMOVQ(k, m2)
	LEAQ(mem(n, 7), nb)
	SHRQ(U8(3), nb)
	tailMask(nb, ones, kOut)
	xm := XMM()
	VMOVQ(m2, xm)
	VMOVDQU8(xm, kOut, mem(dst, 0))
	POPCNTQ(m2, m2)
	ADDQ(m2, count)
	Label("done")
	VZEROUPPER()
	Store(count, ReturnIndex(0))
	RET()
}

func packAVX512() {
	TEXT("packAVX512", NOSPLIT, "func(dst, src *byte, n, room int) (done, written int)")
	Pragma("noescape")
	Doc("packAVX512 writes the non-zero bytes of the n bytes at src (n >= 1) to dst, in",
		"order, and returns the bytes of src done and of dst written. It stops before a",
		"64-byte block (or the last, shorter one) whose non-zero bytes do not fit in",
		"room bytes of dst, and writes nothing past them. It needs AVX512_VBMI2.")
	dst, src, n := Load(Param("dst"), GP64()), Load(Param("src"), GP64()), Load(Param("n"), GP64())
	room := Load(Param("room"), GP64())
	start, ones, w, whole := GP64(), GP64(), GP64(), GP64()
	MOVQ(src, start)
	MOVQ(I64(-1), ones)
	XORQ(w, w)
	MOVQ(n, whole)
	ANDQ(I32(-64), whole)
	JZ(LabelRef("tail"))
	ADDQ(src, whole)
	x := ZMM()
	// The register form of VPCOMPRESSB and a masked store: the memory form is slow
	// on Zen 4. A block whose bytes would pass room ends the kernel before its
	// store, with src still at the block.
	pack := func() {
		packed, k, kw, m, c, end := ZMM(), K(), K(), GP64(), GP64(), GP64()
		VPTESTMB(x, x, k)
		KMOVQ(k, m)
		POPCNTQ(m, c)
		LEAQ(at(w, c), end)
		CMPQ(end, room)
		JA(LabelRef("done"))
		VPCOMPRESSB_Z(x, k, packed)
		tailMask(c, ones, kw)
		VMOVDQU8(packed, kw, at(dst, w))
		MOVQ(end, w)
	}
	Label("block")
	VMOVDQU64(mem(src, 0), x)
	pack()
	ADDQ(U32(64), src)
	CMPQ(src, whole)
	JB(LabelRef("block"))

	Label("tail")
	ANDQ(U32(63), n)
	JZ(LabelRef("done"))
	kIn := K()
	tailMask(n, ones, kIn)
	VMOVDQU8_Z(mem(src, 0), kIn, x)
	pack()
	ADDQ(n, src)
	Label("done")
	VZEROUPPER()
	SUBQ(start, src)
	Store(src, ReturnIndex(0))
	Store(w, ReturnIndex(1))
	RET()
}

func expandAVX512() {
	TEXT("expandAVX512", NOSPLIT, "func(dst, bm, src *byte, n, avail int) (done, read int)")
	Pragma("noescape")
	Doc("expandAVX512 decodes the n bytes at dst (n >= 1) from their bitmap at bm",
		"(ceil(n/8) bytes) and the non-zero bytes at src, of which avail are there. It",
		"returns the bytes of dst done and of src read, stopping before a 64-byte block",
		"(or the last, shorter one) that needs more than avail bytes, would take a zero",
		"byte, or marks bytes past n; it leaves that block unwritten. Each block's bitmap",
		"is read before the block is written, so bm may lie inside dst past the block.",
		"It needs AVX512_VBMI2 and GFNI.")
	dst, bm, src := Load(Param("dst"), GP64()), Load(Param("bm"), GP64()), Load(Param("src"), GP64())
	n, avail := Load(Param("n"), GP64()), Load(Param("avail"), GP64())
	rev := XMM()
	VPBROADCASTQ(revBits, rev)
	ones, done, read, whole := GP64(), GP64(), GP64(), GP64()
	MOVQ(I64(-1), ones)
	XORQ(done, done)
	XORQ(read, read)
	MOVQ(n, whole)
	ANDQ(I32(-64), whole)
	JZ(LabelRef("tail"))

	x, m, c, out := XMM(), GP64(), GP64(), ZMM()
	// expand decodes the block whose mask bits are in m (bit t of byte j marks
	// byte 8j+t) into out, or jumps to stop.
	expand := func() {
		left, lm, t, z := GP64(), GP64(), GP64(), ZMM()
		kExp, kIn, kNZ := K(), K(), K()
		KMOVQ(m, kExp)
		POPCNTQ(m, c)
		MOVQ(avail, left)
		SUBQ(read, left)
		CMPQ(c, left)
		JA(LabelRef("stop"))
		BZHIQ(c, ones, lm)
		KMOVQ(lm, kIn)
		VMOVDQU8_Z(at(src, read), kIn, z) // masked: no fault past the input
		VPTESTMB(z, z, kNZ)
		KMOVQ(kNZ, t)
		CMPQ(t, lm)
		JNE(LabelRef("stop"))
		VPEXPANDB_Z(z, kExp, out)
	}
	Label("block")
	VMOVQ(mem(bm, 0), x)
	VGF2P8AFFINEQB(U8(0), rev, x, x) // bit t of mask byte j now marks byte 8j+t
	VMOVQ(x, m)
	expand()
	VMOVDQU64(out, mem(dst, 0))
	ADDQ(c, read)
	ADDQ(U32(64), done)
	ADDQ(U32(64), dst)
	ADDQ(U32(8), bm)
	CMPQ(done, whole)
	JB(LabelRef("block"))

	Label("tail")
	ANDQ(U32(63), n)
	JZ(LabelRef("stop"))
	kb, kOut, nb, t := K(), K(), GP64(), GP64()
	LEAQ(mem(n, 7), nb)
	SHRQ(U8(3), nb)
	tailMask(nb, ones, kb)
	VMOVDQU8_Z(mem(bm, 0), kb, x)
	VGF2P8AFFINEQB(U8(0), rev, x, x)
	VMOVQ(x, m)
	SHRXQ(n, m, t) // marks past n: an error for expandBytes to name
	TESTQ(t, t)
	JNZ(LabelRef("stop"))
	expand()
	tailMask(n, ones, kOut)
	VMOVDQU8(out, kOut, mem(dst, 0))
	ADDQ(c, read)
	ADDQ(n, done)

	Label("stop")
	VZEROUPPER()
	Store(done, ReturnIndex(0))
	Store(read, ReturnIndex(1))
	RET()
}

func bitmapAVX2() {
	TEXT("bitmapAVX2", NOSPLIT, "func(dst, src *byte, n int) int")
	Pragma("noescape")
	Doc("bitmapAVX2 is bitmapAVX512 for AVX2.")
	dst, src, n := Load(Param("dst"), GP64()), Load(Param("src"), GP64()), Load(Param("n"), GP64())
	rev, zero := YMM(), YMM()
	VBROADCASTI128(revBytes, rev)
	VPXOR(zero, zero, zero)
	count := GP64()
	XORQ(count, count)
	Label("block")
	lo, hi := GP64(), GP64()
	for i, r := range []reg.Register{lo, hi} {
		x := YMM()
		VPCMPEQB(mem(src, 32*i), zero, x)
		VPSHUFB(rev, x, x) // quadword byte order reversed: mask bits come out MSB first
		VPMOVMSKB(x, r.(reg.GPVirtual).As32())
	}
	SHLQ(U8(32), hi)
	ORQ(hi, lo)
	NOTQ(lo) // the compare marked zero bytes
	MOVQ(lo, mem(dst, 0))
	POPCNTQ(lo, lo)
	ADDQ(lo, count)
	loopTail("block", n, []reg.Register{src, dst}, []int{64, 8})
	VZEROUPPER()
	Store(count, ReturnIndex(0))
	RET()
}

func packAVX2() {
	TEXT("packAVX2", NOSPLIT, "func(dst, src, bm *byte, n, room int) (done, written int)")
	Pragma("noescape")
	Doc("packAVX2 writes the non-zero bytes of the n bytes at src to dst, in order, given",
		"the bitmap of src at bm. It returns the bytes of src done and of dst written. Each",
		"8 bytes are packed with one shuffle and stored whole, so it stops before a 64-byte",
		"block whose stores could reach past room bytes of dst.")
	dst, src, bm := Load(Param("dst"), GP64()), Load(Param("src"), GP64()), Load(Param("bm"), GP64())
	n, room := Load(Param("n"), GP64()), Load(Param("room"), GP64())
	table, done, w := GP64(), GP64(), GP64()
	LEAQ(packTable, table)
	XORQ(done, done)
	XORQ(w, w)
	Label("block")
	c := GP64()
	POPCNTQ(mem(bm, 0), c)
	ADDQ(w, c)
	ADDQ(U8(8), c)
	CMPQ(c, room)
	JA(LabelRef("stop"))
	for g := 0; g < 8; g++ {
		b, ctrl, x := GP64(), XMM(), XMM()
		MOVBQZX(mem(bm, g), b)
		VMOVQ(Mem{Base: table, Index: b, Scale: 8}, ctrl)
		VMOVQ(mem(src, 8*g), x)
		VPSHUFB(ctrl, x, x)
		VMOVQ(x, at(dst, w))
		POPCNTL(b.As32(), b.As32())
		ADDQ(b, w)
	}
	ADDQ(U32(64), src)
	ADDQ(U32(8), bm)
	ADDQ(U32(64), done)
	CMPQ(done, n)
	JB(LabelRef("block"))
	Label("stop")
	VZEROUPPER()
	Store(done, ReturnIndex(0))
	Store(w, ReturnIndex(1))
	RET()
}

func expandAVX2() {
	TEXT("expandAVX2", NOSPLIT, "func(dst, bm, src *byte, n, avail int) (done, read int)")
	Pragma("noescape")
	Doc("expandAVX2 is expandAVX512 for AVX2: a shuffle per bitmap byte places 8 bytes",
		"loaded from src. Loads never reach past avail: near the end they start at",
		"avail-8 and the shuffle indexes shift. It stops at once when avail < 8.")
	dst, bm, src := Load(Param("dst"), GP64()), Load(Param("bm"), GP64()), Load(Param("src"), GP64())
	n, avail := Load(Param("n"), GP64()), Load(Param("avail"), GP64())
	table, done, read, last := GP64(), GP64(), GP64(), GP64()
	LEAQ(expandTable, table)
	XORQ(done, done)
	XORQ(read, read)
	MOVQ(avail, last)
	SUBQ(U8(8), last) // the last 8-byte load starts here
	JB(LabelRef("stop"))
	zero := XMM()
	VPXOR(zero, zero, zero)

	Label("block")
	c := GP64()
	POPCNTQ(mem(bm, 0), c)
	ADDQ(read, c)
	CMPQ(c, last)
	JA(LabelRef("near_end"))
	block(dst, bm, src, table, read, last, zero, false)
	JMP(LabelRef("next"))
	Label("near_end")
	CMPQ(c, avail)
	JA(LabelRef("stop"))
	block(dst, bm, src, table, read, last, zero, true)
	Label("next")
	ADDQ(U32(64), done)
	ADDQ(U32(64), dst)
	ADDQ(U32(8), bm)
	CMPQ(done, n)
	JB(LabelRef("block"))
	Label("stop")
	VZEROUPPER()
	Store(done, ReturnIndex(0))
	Store(read, ReturnIndex(1))
	RET()
}

// block decodes one 64-byte block for expandAVX2, eight bytes per bitmap byte, and
// stores it only if every byte it took from src is non-zero. With nearEnd the
// loads start at min(p, last) and the shuffle indexes shift by the difference.
func block(dst, bm, src, table, read, last, zero reg.Register, nearEnd bool) {
	p, bad := GP64(), XMM()
	MOVQ(read, p)
	VPXOR(bad, bad, bad)
	var outs []reg.VecVirtual
	for g := 0; g < 8; g++ {
		b, ctrl, x, e := GP64(), XMM(), XMM(), XMM()
		MOVBQZX(mem(bm, g), b)
		VMOVQ(Mem{Base: table, Index: b, Scale: 8}, ctrl)
		if nearEnd {
			q, diff, d := GP64(), GP64(), XMM()
			MOVQ(p, q)
			CMPQ(q, last)
			CMOVQGT(last, q)
			MOVQ(p, diff)
			SUBQ(q, diff)
			VMOVQ(diff, d)
			VPBROADCASTB(d, d)
			VPADDB(d, ctrl, ctrl) // marked lanes index from q; 0x80+d stays unmarked
			VMOVQ(at(src, q), x)
		} else {
			VMOVQ(at(src, p), x)
		}
		VPSHUFB(ctrl, x, x)
		VPCMPEQB(zero, x, e)
		VPANDN(e, ctrl, e) // zero bytes in marked lanes (ctrl < 0x80)
		VPOR(e, bad, bad)
		POPCNTL(b.As32(), b.As32())
		ADDQ(b, p)
		outs = append(outs, x)
	}
	m := GP32()
	VPMOVMSKB(bad, m)
	TESTL(U32(0xff), m) // the upper 8 lanes hold nothing
	JNZ(LabelRef("stop"))
	for i := 0; i < 8; i += 2 {
		VPUNPCKLQDQ(outs[i+1], outs[i], outs[i])
		VMOVDQU(outs[i], mem(dst, 8*i))
	}
	MOVQ(p, read)
}
