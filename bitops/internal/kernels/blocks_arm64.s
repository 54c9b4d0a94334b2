//go:build !purego && !noasm

#include "textflag.h"

// Hand-written NEON kernels; see blocks_arm64.go for their contracts. Each loop
// iteration handles one 64-byte block in four 16-byte registers, loaded and stored
// with post-increment (VLD1.P/VST1.P), so unaligned pointers are fine. Every source
// block is loaded before the destination block is stored, which makes dst == a
// (or b, c, src) safe. n is a positive multiple of 64: loops test at the bottom.
// Go's operand order is VAND Vm, Vn, Vd for Vd = Vn & Vm.

// func andNEON(dst, a, b *byte, n int)
TEXT ·andNEON(SB), NOSPLIT|NOFRAME, $0-32
	MOVD	dst+0(FP), R0
	MOVD	a+8(FP), R1
	MOVD	b+16(FP), R2
	MOVD	n+24(FP), R3

loop:
	VLD1.P	64(R1), [V0.B16, V1.B16, V2.B16, V3.B16]
	VLD1.P	64(R2), [V4.B16, V5.B16, V6.B16, V7.B16]
	VAND	V4.B16, V0.B16, V0.B16
	VAND	V5.B16, V1.B16, V1.B16
	VAND	V6.B16, V2.B16, V2.B16
	VAND	V7.B16, V3.B16, V3.B16
	VST1.P	[V0.B16, V1.B16, V2.B16, V3.B16], 64(R0)
	SUBS	$64, R3
	BNE	loop
	RET

// func orNEON(dst, a, b *byte, n int)
TEXT ·orNEON(SB), NOSPLIT|NOFRAME, $0-32
	MOVD	dst+0(FP), R0
	MOVD	a+8(FP), R1
	MOVD	b+16(FP), R2
	MOVD	n+24(FP), R3

loop:
	VLD1.P	64(R1), [V0.B16, V1.B16, V2.B16, V3.B16]
	VLD1.P	64(R2), [V4.B16, V5.B16, V6.B16, V7.B16]
	VORR	V4.B16, V0.B16, V0.B16
	VORR	V5.B16, V1.B16, V1.B16
	VORR	V6.B16, V2.B16, V2.B16
	VORR	V7.B16, V3.B16, V3.B16
	VST1.P	[V0.B16, V1.B16, V2.B16, V3.B16], 64(R0)
	SUBS	$64, R3
	BNE	loop
	RET

// func xorNEON(dst, a, b *byte, n int)
TEXT ·xorNEON(SB), NOSPLIT|NOFRAME, $0-32
	MOVD	dst+0(FP), R0
	MOVD	a+8(FP), R1
	MOVD	b+16(FP), R2
	MOVD	n+24(FP), R3

loop:
	VLD1.P	64(R1), [V0.B16, V1.B16, V2.B16, V3.B16]
	VLD1.P	64(R2), [V4.B16, V5.B16, V6.B16, V7.B16]
	VEOR	V4.B16, V0.B16, V0.B16
	VEOR	V5.B16, V1.B16, V1.B16
	VEOR	V6.B16, V2.B16, V2.B16
	VEOR	V7.B16, V3.B16, V3.B16
	VST1.P	[V0.B16, V1.B16, V2.B16, V3.B16], 64(R0)
	SUBS	$64, R3
	BNE	loop
	RET

// func testNEON(p *byte, n int) bool
// ORs each block down to one register, then to one general register, and returns
// at the first block with a bit set.
TEXT ·testNEON(SB), NOSPLIT|NOFRAME, $0-17
	MOVD	p+0(FP), R0
	MOVD	n+8(FP), R1

loop:
	VLD1.P	64(R0), [V0.B16, V1.B16, V2.B16, V3.B16]
	VORR	V1.B16, V0.B16, V0.B16
	VORR	V3.B16, V2.B16, V2.B16
	VORR	V2.B16, V0.B16, V0.B16
	VMOV	V0.D[0], R2
	VMOV	V0.D[1], R3
	ORR	R3, R2, R2
	CBNZ	R2, found
	SUBS	$64, R1
	BNE	loop
	MOVB	ZR, ret+16(FP)
	RET

found:
	MOVD	$1, R2
	MOVB	R2, ret+16(FP)
	RET

// func popcountNEON(p *byte, n int) int
// VCNT counts bits per byte (at most 8). Summing a block's four registers gives at
// most 32 per byte, so no byte counter can overflow; UADDLV then widens the block
// to one 16-bit sum (at most 512), which is added to a 64-bit scalar in V8.
TEXT ·popcountNEON(SB), NOSPLIT|NOFRAME, $0-24
	MOVD	p+0(FP), R0
	MOVD	n+8(FP), R1
	VEOR	V8.B16, V8.B16, V8.B16

loop:
	VLD1.P	64(R0), [V0.B16, V1.B16, V2.B16, V3.B16]
	VCNT	V0.B16, V0.B16
	VCNT	V1.B16, V1.B16
	VCNT	V2.B16, V2.B16
	VCNT	V3.B16, V3.B16
	VADD	V1.B16, V0.B16, V0.B16
	VADD	V3.B16, V2.B16, V2.B16
	VADD	V2.B16, V0.B16, V0.B16
	VUADDLV	V0.B16, V0       // H0 = sum of the 16 bytes; zeroes the rest of V0
	VADD	V0, V8, V8       // scalar D8 += D0
	SUBS	$64, R1
	BNE	loop
	VMOV	V8.D[0], R2
	MOVD	R2, ret+16(FP)
	RET

// func and3NEON(dst, a, b, c *byte, n int)
TEXT ·and3NEON(SB), NOSPLIT|NOFRAME, $0-40
	MOVD	dst+0(FP), R0
	MOVD	a+8(FP), R1
	MOVD	b+16(FP), R2
	MOVD	c+24(FP), R3
	MOVD	n+32(FP), R4

loop:
	VLD1.P	64(R1), [V0.B16, V1.B16, V2.B16, V3.B16]
	VLD1.P	64(R2), [V4.B16, V5.B16, V6.B16, V7.B16]
	VLD1.P	64(R3), [V8.B16, V9.B16, V10.B16, V11.B16]
	VAND	V4.B16, V0.B16, V0.B16
	VAND	V5.B16, V1.B16, V1.B16
	VAND	V6.B16, V2.B16, V2.B16
	VAND	V7.B16, V3.B16, V3.B16
	VAND	V8.B16, V0.B16, V0.B16
	VAND	V9.B16, V1.B16, V1.B16
	VAND	V10.B16, V2.B16, V2.B16
	VAND	V11.B16, V3.B16, V3.B16
	VST1.P	[V0.B16, V1.B16, V2.B16, V3.B16], 64(R0)
	SUBS	$64, R4
	BNE	loop
	RET

// func orAnd3NEON(dst, a, b, c *byte, n int)
// dst is read through R0 and written through R5.
TEXT ·orAnd3NEON(SB), NOSPLIT|NOFRAME, $0-40
	MOVD	dst+0(FP), R0
	MOVD	a+8(FP), R1
	MOVD	b+16(FP), R2
	MOVD	c+24(FP), R3
	MOVD	n+32(FP), R4
	MOVD	R0, R5

loop:
	VLD1.P	64(R1), [V0.B16, V1.B16, V2.B16, V3.B16]
	VLD1.P	64(R2), [V4.B16, V5.B16, V6.B16, V7.B16]
	VLD1.P	64(R3), [V8.B16, V9.B16, V10.B16, V11.B16]
	VLD1.P	64(R0), [V12.B16, V13.B16, V14.B16, V15.B16]
	VAND	V4.B16, V0.B16, V0.B16
	VAND	V5.B16, V1.B16, V1.B16
	VAND	V6.B16, V2.B16, V2.B16
	VAND	V7.B16, V3.B16, V3.B16
	VAND	V8.B16, V0.B16, V0.B16
	VAND	V9.B16, V1.B16, V1.B16
	VAND	V10.B16, V2.B16, V2.B16
	VAND	V11.B16, V3.B16, V3.B16
	VORR	V12.B16, V0.B16, V0.B16
	VORR	V13.B16, V1.B16, V1.B16
	VORR	V14.B16, V2.B16, V2.B16
	VORR	V15.B16, V3.B16, V3.B16
	VST1.P	[V0.B16, V1.B16, V2.B16, V3.B16], 64(R5)
	SUBS	$64, R4
	BNE	loop
	RET

// func orIntoNEON(dst, src *byte, n int)
// dst is read through R0 and written through R3.
TEXT ·orIntoNEON(SB), NOSPLIT|NOFRAME, $0-24
	MOVD	dst+0(FP), R0
	MOVD	src+8(FP), R1
	MOVD	n+16(FP), R2
	MOVD	R0, R3

loop:
	VLD1.P	64(R0), [V0.B16, V1.B16, V2.B16, V3.B16]
	VLD1.P	64(R1), [V4.B16, V5.B16, V6.B16, V7.B16]
	VORR	V4.B16, V0.B16, V0.B16
	VORR	V5.B16, V1.B16, V1.B16
	VORR	V6.B16, V2.B16, V2.B16
	VORR	V7.B16, V3.B16, V3.B16
	VST1.P	[V0.B16, V1.B16, V2.B16, V3.B16], 64(R3)
	SUBS	$64, R2
	BNE	loop
	RET

// func andIntoNEON(dst, src *byte, n int) bool
// dst is read through R0 and written through R3. The results are ORed into four
// accumulators (V8-V11, one short dependency chain each) and folded once at the end.
TEXT ·andIntoNEON(SB), NOSPLIT|NOFRAME, $0-25
	MOVD	dst+0(FP), R0
	MOVD	src+8(FP), R1
	MOVD	n+16(FP), R2
	MOVD	R0, R3
	VEOR	V8.B16, V8.B16, V8.B16
	VEOR	V9.B16, V9.B16, V9.B16
	VEOR	V10.B16, V10.B16, V10.B16
	VEOR	V11.B16, V11.B16, V11.B16

loop:
	VLD1.P	64(R0), [V0.B16, V1.B16, V2.B16, V3.B16]
	VLD1.P	64(R1), [V4.B16, V5.B16, V6.B16, V7.B16]
	VAND	V4.B16, V0.B16, V0.B16
	VAND	V5.B16, V1.B16, V1.B16
	VAND	V6.B16, V2.B16, V2.B16
	VAND	V7.B16, V3.B16, V3.B16
	VST1.P	[V0.B16, V1.B16, V2.B16, V3.B16], 64(R3)
	VORR	V0.B16, V8.B16, V8.B16
	VORR	V1.B16, V9.B16, V9.B16
	VORR	V2.B16, V10.B16, V10.B16
	VORR	V3.B16, V11.B16, V11.B16
	SUBS	$64, R2
	BNE	loop

	VORR	V9.B16, V8.B16, V8.B16
	VORR	V11.B16, V10.B16, V10.B16
	VORR	V10.B16, V8.B16, V8.B16
	VMOV	V8.D[0], R4
	VMOV	V8.D[1], R5
	ORR	R5, R4, R4
	CMP	$0, R4
	CSET	NE, R4
	MOVB	R4, ret+24(FP)
	RET
