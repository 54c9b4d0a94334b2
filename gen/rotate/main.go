// Command rotate writes bitops/asm/rotate_amd64.s and its Go declarations: the
// AVX-512 and AVX2 kernels behind package rotate. Run it through `make generate`.
//
// Rotating a section takes two kernels:
//
//   - Transpose8 turns 8 blooms into a 2048-byte row whose byte i holds bit i of
//     the 8 blooms (bloom k in mask 0x80>>k). The blooms are byte-interleaved so
//     that one 64-bit lane holds the same byte of the 8 blooms, then each lane's
//     8×8 bit matrix is transposed: by VGF2P8AFFINEQB where the CPU has GFNI, by
//     VPMOVMSKB where it does not.
//   - Scatter transposes up to 64 such rows as a byte matrix into the 2048
//     vectors: vector i gets byte i of every row, 8 rows to an 8-byte word. It
//     goes through a small stack buffer in two passes so that each vector's 64
//     bytes are stored whole.
//
// Byte interleaves use VPUNPCK* on AVX2, and on AVX-512 networks of VPERMT2B
// (VBMI) whose index tables this program computes (see butterfly).
package main

import (
	"fmt"
	"os"
	"sort"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

const (
	bitLength  = 2048
	byteLength = 256
)

func main() {
	// Avo reasons about amd64 whatever the host is.
	os.Setenv("GOOS", "linux")
	os.Setenv("GOARCH", "amd64")
	ConstraintExpr("!purego,!noasm")

	transpose8AVX512()
	transpose8AVX2(true)
	transpose8AVX2(false)
	scatterAVX512()
	scatterAVX2()
	Generate()
}

// gfniBits is the vector operand of VGF2P8AFFINEQB that, with the data as the
// matrix operand, transposes each 8×8 bit matrix: result byte m of a lane gets
// bit m of the lane's 8 bytes, byte k in bit 7-k. Intel's definition: bit b of
// result byte m is the parity of (matrix byte 7-b AND vector byte m), and vector
// byte m is 1<<m.
const gfniBits = 0x8040201008040201

func transpose8Doc(name, how string) {
	Doc(fmt.Sprintf("%s rotates 8 blooms into 2048 bytes: dst[i] holds bit i of the blooms,", name),
		"bloom k in mask 0x80>>k (bit i of a bloom is bit i%8 of its byte 255-i/8).",
		how)
}

// transpose8AVX512 handles 64 bloom bytes per iteration: eight ZMM loads, a
// three-stage VPERMT2B network to the lane layout, VGF2P8AFFINEQB, eight stores.
func transpose8AVX512() {
	TEXT("transpose8AVX512", NOSPLIT, "func(dst *[2048]byte, src *[8][256]byte)")
	Pragma("noescape")
	transpose8Doc("transpose8AVX512", "It needs AVX-512 F+BW, VBMI and GFNI.")
	dst := Load(Param("dst"), GP64())
	src := Load(Param("src"), GP64())
	bits := ZMM()
	VPBROADCASTQ(constQ("rotate_gfni_bits", gfniBits), bits)

	// Input register k, byte i: byte p+i of bloom k. Output register t, lane r,
	// byte k: byte p+63-8t-r of bloom k, so that after the bit transpose the
	// registers are the 512 row bytes of positions p..p+63 in row order.
	var state [8][64]loc
	for k := range state {
		for i := range state[k] {
			j := 63 - i
			state[k][i] = loc{reg: j >> 3, pos: 8*(j&7) + k}
		}
	}
	tables := loadTables(butterfly("rotate_t8z", state))

	// Bloom bytes p..p+63 fill row bytes 8*(192-p) ..+511.
	ADDQ(U32(8*(byteLength-64)), dst)
	n := GP64()
	MOVQ(U32(byteLength/64), n)
	Label("t8z_loop")
	var x [8]reg.Register
	for k := range x {
		x[k] = ZMM()
		VMOVDQU64(Mem{Base: src, Disp: k * byteLength}, x[k])
	}
	x = permute(tables, x)
	for t := range x {
		VGF2P8AFFINEQB(U8(0), x[t], bits, x[t])
		VMOVDQU64(x[t], Mem{Base: dst, Disp: 64 * t})
	}
	ADDQ(U8(64), src)
	SUBQ(U32(512), dst)
	DECQ(n)
	JNZ(LabelRef("t8z_loop"))
	VZEROUPPER()
	RET()
}

// interleave8 byte-interleaves eight YMM registers x[0..7] (x[k] byte i is element
// k,i) with three stages of unpacks. In 128-bit lane L of the result w[j], 64-bit
// lane e holds the elements i = 16L+2j+e of x[0..7] in byte k (or 7-k when rev).
func interleave8(x [8]reg.Register, rev bool) [8]reg.Register {
	pair := func(lo, hi reg.Register, unpackLo, unpackHi func(...Op)) (reg.Register, reg.Register) {
		a, b := lo, hi
		if rev {
			a, b = hi, lo
		}
		l, h := YMM(), YMM()
		unpackLo(b, a, l) // a0 b0 a1 b1 ... of each lane's low half
		unpackHi(b, a, h)
		return l, h
	}
	// Stage 1: bytes of x[2i], x[2i+1] into words; u[i][0] holds lane elements
	// 0..7, u[i][1] elements 8..15.
	var u [4][2]reg.Register
	for i := range u {
		u[i][0], u[i][1] = pair(x[2*i], x[2*i+1], VPUNPCKLBW, VPUNPCKHBW)
	}
	// Stage 2: words into dwords of 4 registers; v[h][c] holds lane elements
	// 4c..4c+3 of x[4h..4h+3].
	var v [2][4]reg.Register
	for h := range v {
		for half := 0; half < 2; half++ {
			v[h][2*half], v[h][2*half+1] = pair(u[2*h][half], u[2*h+1][half], VPUNPCKLWD, VPUNPCKHWD)
		}
	}
	// Stage 3: dwords into qwords of all 8; w[2c] holds elements 4c, 4c+1 and
	// w[2c+1] elements 4c+2, 4c+3.
	var w [8]reg.Register
	for c := 0; c < 4; c++ {
		w[2*c], w[2*c+1] = pair(v[0][c], v[1][c], VPUNPCKLDQ, VPUNPCKHDQ)
	}
	return w
}

// transpose8AVX2 handles 32 bloom bytes per iteration: eight YMM loads,
// interleave8, then per 64-bit lane the bit transpose, either VGF2P8AFFINEQB
// (VEX-encoded, so AVX2 machines with GFNI run it) or VPMOVMSKB of the lane
// broadcast and shifted so that each byte's top bit is the wanted bit.
func transpose8AVX2(gfni bool) {
	name := "transpose8AVX2"
	how := "It needs AVX2; the bit transposes use VPMOVMSKB."
	if gfni {
		name += "GFNI"
		how = "It needs AVX2 and GFNI (VEX-encoded)."
	}
	label := name + "_loop"
	TEXT(name, NOSPLIT, "func(dst *[2048]byte, src *[8][256]byte)")
	Pragma("noescape")
	transpose8Doc(name, how)
	dst := Load(Param("dst"), GP64())
	src := Load(Param("src"), GP64())
	var bits, shLo, shHi reg.Register
	if gfni {
		bits = YMM()
		VPBROADCASTQ(constQ("rotate_gfni_bits", gfniBits), bits)
	} else {
		// Shifting 64-bit lane m left by 7-m brings bit m of each byte to its top.
		shLo, shHi = YMM(), YMM()
		VMOVDQU(constQs("rotate_shift_lo", 7, 6, 5, 4), shLo)
		VMOVDQU(constQs("rotate_shift_hi", 3, 2, 1, 0), shHi)
	}
	// Bloom bytes p..p+31 fill row bytes 8*(224-p) .. +255.
	ADDQ(U32(8*(byteLength-32)), dst)
	n := GP64()
	MOVQ(U32(byteLength/32), n)
	Label(label)
	var x [8]reg.Register
	for k := range x {
		x[k] = YMM()
		VMOVDQU(Mem{Base: src, Disp: k * byteLength}, x[k])
	}
	// Bloom byte p+i (i = 16L+2j+e, in lane L, 64-bit lane e of w[j]) becomes row
	// bytes 8*(31-i) .. +7 of this block.
	w := interleave8(x, !gfni)
	for j := range w {
		if gfni {
			VGF2P8AFFINEQB(U8(0), w[j], bits, w[j])
			// Higher positions come first in the row: swap the lanes' halves.
			VPSHUFD(U8(0x4e), w[j], w[j])
			VMOVDQU(w[j].(reg.VecVirtual).AsX(), Mem{Base: dst, Disp: 8 * (30 - 2*j)})
			VEXTRACTI128(U8(1), w[j], Mem{Base: dst, Disp: 8 * (14 - 2*j)})
			continue
		}
		for l := 0; l < 2; l++ {
			for e := 0; e < 2; e++ {
				b, s0, s1 := YMM(), YMM(), YMM()
				sel := 2*l + e
				VPERMQ(U8(sel*0x55), w[j], b) // broadcast 64-bit lane sel
				VPSLLVQ(shLo, b, s0)
				VPSLLVQ(shHi, b, s1)
				lo, hi := GP32(), GP32()
				VPMOVMSKB(s0, lo) // byte m: bit m of the 8 blooms, m = 0..3
				VPMOVMSKB(s1, hi) // m = 4..7
				SHLQ(U8(32), hi.As64())
				ORQ(lo.As64(), hi.As64())
				MOVQ(hi.As64(), Mem{Base: dst, Disp: 8 * (31 - (16*l + 2*j + e))})
			}
		}
	}
	ADDQ(U8(32), src)
	SUBQ(U32(256), dst)
	DECQ(n)
	JNZ(LabelRef(label))
	VZEROUPPER()
	RET()
}

func scatterDoc(name, how string) {
	Doc(fmt.Sprintf("%s writes words 8-byte words to each of 2048 vectors stride bytes apart:", name),
		"byte g of vector i at dst is rows[g][i], for g < 8*words. words is 1 to 8.",
		how)
}

// scatterAVX512 transposes blocks of 64 vectors × 64 rows in two passes through
// a 4 KiB buffer on the stack: first, for each 8 rows, eight loads of 64 bytes and
// a VPERMT2B network give each register the 8-byte words of 8 vectors; then, for
// each 8 vectors, eight of those registers and a second network give each
// register one vector's 64 bytes, stored whole (masked to words 8-byte words).
func scatterAVX512() {
	TEXT("scatterAVX512", 0, "func(dst *byte, stride int, rows *[64][2048]byte, words int)")
	Pragma("noescape")
	scatterDoc("scatterAVX512", "It needs AVX-512 F+BW and VBMI.")
	dst := Load(Param("dst"), GP64())
	stride := Load(Param("stride"), GP64())
	rows := Load(Param("rows"), GP64())
	words := Load(Param("words"), GP64())

	// The buffer, aligned to 64 bytes: word block t*8+a holds rows 8a..8a+7 of
	// vectors 8t..8t+7.
	buf := GP64()
	LEAQ(AllocLocal(4096+64), buf)
	ADDQ(U8(63), buf)
	ANDQ(I8(-64), buf)

	// Store mask: the first words 64-bit lanes, from a table (KMOVW and no
	// variable shift: AVX-512 F only).
	masks := GLOBL("rotate_word_masks", RODATA|NOPTR)
	for i := 0; i < 16; i += 8 {
		var q uint64
		for b := 7; b >= 0; b-- {
			if i+b <= 8 {
				q = q<<8 | (1<<(i+b) - 1)
			} else {
				q <<= 8
			}
		}
		DATA(i, U64(q))
	}
	store, m, t := K(), GP32(), GP64()
	LEAQ(masks, t)
	MOVBLZX(Mem{Base: t, Index: words, Scale: 1}, m)
	KMOVW(m, store)

	// Pass 1: register b, byte c: row 8a+b of vector c; to register c>>3, byte
	// 8*(c&7)+b.
	var pass1 [8][64]loc
	for b := range pass1 {
		for c := range pass1[b] {
			pass1[b][c] = loc{reg: c >> 3, pos: 8*(c&7) + b}
		}
	}
	// Pass 2: register a, byte 8c+b: row 8a+b of vector 8t+c; to register c, byte 8a+b.
	var pass2 [8][64]loc
	for a := range pass2 {
		for i := range pass2[a] {
			c, b := i>>3, i&7
			pass2[a][i] = loc{reg: c, pos: 8*a + b}
		}
	}
	t1 := loadTables(butterfly("rotate_scz1", pass1))
	t2 := loadTables(butterfly("rotate_scz2", pass2))

	end, row, p, n := GP64(), GP64(), GP64(), GP64()
	LEAQ(Mem{Base: rows, Disp: bitLength}, end)
	Label("scz_block")
	MOVQ(rows, row)
	MOVQ(buf, p)
	XORQ(n, n)
	Label("scz_rows")
	var x [8]reg.Register
	for b := range x {
		x[b] = ZMM()
		VMOVDQU64(Mem{Base: row, Disp: b * bitLength}, x[b])
	}
	x = permute(t1, x)
	for t := range x {
		VMOVDQA64(x[t], Mem{Base: p, Disp: 512 * t})
	}
	ADDQ(U32(8*bitLength), row)
	ADDQ(U8(64), p)
	INCQ(n)
	CMPQ(n, words)
	JNE(LabelRef("scz_rows"))

	MOVQ(buf, p)
	Label("scz_vectors")
	for a := range x {
		x[a] = ZMM()
		VMOVDQA64(Mem{Base: p, Disp: 64 * a}, x[a])
	}
	x = permute(t2, x)
	for c := range x {
		VMOVDQU64(x[c], store, Mem{Base: dst})
		ADDQ(stride, dst)
	}
	ADDQ(U32(512), p)
	LEAQ(Mem{Base: buf, Disp: 4096}, n)
	CMPQ(p, n)
	JNE(LabelRef("scz_vectors"))

	ADDQ(U8(64), rows)
	CMPQ(rows, end)
	JNE(LabelRef("scz_block"))
	VZEROUPPER()
	RET()
}

// scatterAVX2 transposes blocks of 32 vectors in two passes through a 2 KiB
// buffer on the stack. Pass 1, for each 8 rows: eight loads of 32 bytes and
// interleave8 give 32 vectors' 8-byte words, stored as they are. Pass 2, for
// each 2 vectors and 4 words: VBROADCASTI128 and VINSERTI128 loads pair up 128-bit
// lanes so that VPUNPCKLQDQ/VPUNPCKHQDQ make each vector's 32 bytes, stored
// whole (VPMASKMOVQ when words is not 8).
func scatterAVX2() {
	TEXT("scatterAVX2", 0, "func(dst *byte, stride int, rows *[64][2048]byte, words int)")
	Pragma("noescape")
	scatterDoc("scatterAVX2", "It needs AVX2.")
	dst := Load(Param("dst"), GP64())
	stride := Load(Param("stride"), GP64())
	rows := Load(Param("rows"), GP64())
	words := Load(Param("words"), GP64())

	// Buffer, aligned to 32 bytes: word a, register j of interleave8 at 256a+32j.
	buf := GP64()
	LEAQ(AllocLocal(2048+32), buf)
	ADDQ(U8(31), buf)
	ANDQ(I8(-32), buf)

	// Store masks of the two halves of a vector's 64 bytes: the first
	// min(words, 4) and max(words-4, 0) 64-bit lanes, from a table of 5.
	masks := GLOBL("rotate_half_masks", RODATA|NOPTR)
	for n := 0; n <= 4; n++ {
		for q := 0; q < 4; q++ {
			v := uint64(0)
			if q < n {
				v = ^uint64(0)
			}
			DATA(32*n+8*q, U64(v))
		}
	}
	var mask [2]reg.Register
	t, u, zero := GP64(), GP64(), GP64()
	LEAQ(masks, t)
	XORQ(zero, zero)
	MOVQ(U32(4), u)
	CMPQ(words, U8(4))
	CMOVQLT(words, u)
	SHLQ(U8(5), u)
	mask[0] = YMM()
	VMOVDQU(Mem{Base: t, Index: u, Scale: 1}, mask[0])
	MOVQ(words, u)
	SUBQ(U8(4), u)
	CMOVQLT(zero, u)
	SHLQ(U8(5), u)
	mask[1] = YMM()
	VMOVDQU(Mem{Base: t, Index: u, Scale: 1}, mask[1])
	stride2 := GP64()
	LEAQ(Mem{Base: stride, Index: stride, Scale: 1}, stride2)

	end := GP64()
	LEAQ(Mem{Base: rows, Disp: bitLength}, end)
	Label("scy_block")

	// Pass 1.
	row, p, n := GP64(), GP64(), GP64()
	MOVQ(rows, row)
	MOVQ(buf, p)
	MOVQ(words, n)
	Label("scy_rows")
	var x [8]reg.Register
	for b := range x {
		x[b] = YMM()
		VMOVDQU(Mem{Base: row, Disp: b * bitLength}, x[b])
	}
	// w[j] lane L, 64-bit lane e: the word of vector 16L+2j+e.
	w := interleave8(x, false)
	for j := range w {
		VMOVDQA(w[j], Mem{Base: p, Disp: 32 * j})
	}
	ADDQ(U32(8*bitLength), row)
	ADDQ(U32(256), p)
	DECQ(n)
	JNZ(LabelRef("scy_rows"))

	// Pass 2, vectors in order: 2j and 2j+1 are lane L of register j, L = 0
	// for vectors 0..15 and 1 for 16..31.
	q := GP64()
	MOVQ(dst, q)
	CMPQ(words, U8(8))
	JNE(LabelRef("scy_masked"))
	pass2 := func(masked bool) {
		for lane := 0; lane < 2; lane++ {
			for j := 0; j < 8; j++ {
				for half := 0; half < 2; half++ {
					// Words 4*half .. +3.
					var r [2]reg.Register
					for i := range r {
						r[i] = YMM()
						a := 4*half + i
						// A broadcast load writes the whole register (a 16-byte
						// load would leave its upper half live for the allocator).
						VBROADCASTI128(Mem{Base: buf, Disp: 256*a + 32*j + 16*lane}, r[i])
						VINSERTI128(U8(1), Mem{Base: buf, Disp: 256*(a+2) + 32*j + 16*lane}, r[i], r[i])
					}
					v0, v1 := YMM(), YMM()
					VPUNPCKLQDQ(r[1], r[0], v0)
					VPUNPCKHQDQ(r[1], r[0], v1)
					m0 := Mem{Base: q, Disp: 32 * half}
					m1 := Mem{Base: q, Index: stride, Scale: 1, Disp: 32 * half}
					if masked {
						VPMASKMOVQ(v0, mask[half], m0)
						VPMASKMOVQ(v1, mask[half], m1)
					} else {
						VMOVDQU(v0, m0)
						VMOVDQU(v1, m1)
					}
				}
				ADDQ(stride2, q)
			}
		}
	}
	pass2(false)
	JMP(LabelRef("scy_next"))
	Label("scy_masked")
	pass2(true)

	// Next 32 vectors.
	Label("scy_next")
	MOVQ(q, dst)
	ADDQ(U8(32), rows)
	CMPQ(rows, end)
	JNE(LabelRef("scy_block"))
	VZEROUPPER()
	RET()
}

// loc is where an element of a byte-permutation network must end: a register and
// a byte in it.
type loc struct{ reg, pos int }

// butterfly computes a three-stage VPERMT2B network that moves every element of
// state (8 registers of 64 bytes, each element labelled with its destination) to
// its destination. Stage s pairs register r with r|1<<s (bit s of r clear); each
// register of the pair keeps the 64 elements whose destination register agrees
// with it in bit s, ordered by destination, so after three stages every register
// is in place. The tables are emitted as read-only data named prefix_<n>,
// identical tables shared; tables[s][r] is the index operand producing register r
// at stage s from registers r&^(1<<s) (bytes 0..63) and r|1<<s (bytes 64..127).
func butterfly(prefix string, state [8][64]loc) [3][8]Mem {
	var tables [3][8]Mem
	seen := map[[64]byte]Mem{}
	for s := 0; s < 3; s++ {
		var next [8][64]loc
		for lo := 0; lo < 8; lo++ {
			if lo&(1<<s) != 0 {
				continue
			}
			hi := lo | 1<<s
			for _, r := range []int{lo, hi} {
				var idx []int // 0..63 from register lo, 64..127 from hi
				for i := 0; i < 128; i++ {
					e := state[lo][i%64]
					if i >= 64 {
						e = state[hi][i%64]
					}
					if e.reg&(1<<s) == r&(1<<s) {
						idx = append(idx, i)
					}
				}
				if len(idx) != 64 {
					panic(fmt.Sprintf("butterfly %s: stage %d register %d gets %d elements", prefix, s, r, len(idx)))
				}
				elem := func(i int) loc {
					if i >= 64 {
						return state[hi][i%64]
					}
					return state[lo][i]
				}
				sort.Slice(idx, func(a, b int) bool {
					ea, eb := elem(idx[a]), elem(idx[b])
					if ea.pos != eb.pos {
						return ea.pos < eb.pos
					}
					return ea.reg < eb.reg
				})
				var table [64]byte
				for i, j := range idx {
					table[i] = byte(j)
					next[r][i] = elem(j)
				}
				m, ok := seen[table]
				if !ok {
					m = GLOBL(fmt.Sprintf("%s_%d", prefix, len(seen)), RODATA|NOPTR)
					for i := 0; i < 64; i += 8 {
						var q uint64
						for b := 7; b >= 0; b-- {
							q = q<<8 | uint64(table[i+b])
						}
						DATA(i, U64(q))
					}
					seen[table] = m
				}
				tables[s][r] = m
			}
		}
		state = next
	}
	for r := range state {
		for i, e := range state[r] {
			if e != (loc{r, i}) {
				panic(fmt.Sprintf("butterfly %s: register %d byte %d holds %v", prefix, r, i, e))
			}
		}
	}
	return tables
}

// loadTables loads the index tables of a network into registers.
func loadTables(tables [3][8]Mem) [3][8]reg.Register {
	var regs [3][8]reg.Register
	loaded := map[Mem]reg.Register{}
	for s := range tables {
		for r, m := range tables[s] {
			x, ok := loaded[m]
			if !ok {
				x = ZMM()
				VMOVDQU64(m, x)
				loaded[m] = x
			}
			regs[s][r] = x
		}
	}
	return regs
}

// permute emits the network of butterfly on registers x, with the index tables in
// registers. VPERMT2B overwrites its first table: the pair's high output works on
// a copy of the low register, the low output on the register itself.
func permute(tables [3][8]reg.Register, x [8]reg.Register) [8]reg.Register {
	for s := 0; s < 3; s++ {
		for lo := range x {
			if lo&(1<<s) != 0 {
				continue
			}
			hi := lo | 1<<s
			out := ZMM()
			VMOVDQA64(x[lo], out)
			VPERMT2B(x[hi], tables[s][hi], out)
			VPERMT2B(x[hi], tables[s][lo], x[lo])
			x[hi] = out
		}
	}
	return x
}

var consts = map[string]Mem{}

// constQ returns read-only data holding the 64-bit value v.
func constQ(name string, v uint64) Mem { return constQs(name, v) }

// constQs returns read-only data holding the 64-bit values vs, once per name.
func constQs(name string, vs ...uint64) Mem {
	if m, ok := consts[name]; ok {
		return m
	}
	m := GLOBL(name, RODATA|NOPTR)
	for i, v := range vs {
		DATA(8*i, U64(v))
	}
	consts[name] = m
	return m
}
