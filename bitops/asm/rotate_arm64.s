//go:build !purego && !noasm

#include "textflag.h"

// Hand-written NEON kernels behind package rotate; see rotate_arm64.go for their
// contracts. Go's operand order puts the destination last: VZIP1 Vm, Vn, Vd is
// ZIP1 Vd, Vn, Vm; VBIT Vmask, Vsrc, Vd inserts the bits of Vsrc where Vmask is
// set, VBIF where it is clear. Loads and stores use post-increment forms, so
// unaligned pointers are fine.

// Lane i takes byte 15-i: reverses a register's 16 bytes with VTBL.
DATA rotate_reverse<>+0(SB)/8, $0x08090a0b0c0d0e0f
DATA rotate_reverse<>+8(SB)/8, $0x0001020304050607
GLOBL rotate_reverse<>(SB), RODATA|NOPTR, $16

// func transpose8NEON(dst *[2048]byte, src *[8][256]byte)
//
// Each iteration takes bytes p..p+15 of the 8 blooms, bloom k into V(7-k) so
// that bloom k lands in bit 7-k. The lanes are reversed (row bytes of higher
// positions come first), the 8×8 bit matrix of each lane is transposed across
// the 8 registers by three swap-move steps (VSLI/VSRI for nibbles, shifts and
// VBIT/VBIF for bit pairs and bits), and the 8 results are byte-interleaved by
// VZIP1/VZIP2 and VST4 into the 128 row bytes of the 16 positions.
TEXT ·transpose8NEON(SB), NOSPLIT|NOFRAME, $0-16
	MOVD	dst+0(FP), R0
	MOVD	src+8(FP), R1
	MOVD	$rotate_reverse<>(SB), R2
	VLD1	(R2), [V31.B16]
	VMOVI	$0xcc, V24.B16
	VMOVI	$0xaa, V25.B16
	MOVD	$256, R3
	ADD	$(8*240), R0 // bytes p..p+15 fill row bytes 8*(240-p) .. +127
	MOVD	$16, R4

loop:
	VLD1.P	(R1)(R3), [V7.B16]
	VLD1.P	(R1)(R3), [V6.B16]
	VLD1.P	(R1)(R3), [V5.B16]
	VLD1.P	(R1)(R3), [V4.B16]
	VLD1.P	(R1)(R3), [V3.B16]
	VLD1.P	(R1)(R3), [V2.B16]
	VLD1.P	(R1)(R3), [V1.B16]
	VLD1.P	(R1)(R3), [V0.B16]
	SUB	$(2048-16), R1
	VTBL	V31.B16, [V0.B16], V0.B16
	VTBL	V31.B16, [V1.B16], V1.B16
	VTBL	V31.B16, [V2.B16], V2.B16
	VTBL	V31.B16, [V3.B16], V3.B16
	VTBL	V31.B16, [V4.B16], V4.B16
	VTBL	V31.B16, [V5.B16], V5.B16
	VTBL	V31.B16, [V6.B16], V6.B16
	VTBL	V31.B16, [V7.B16], V7.B16

	// Nibbles: Vr gets the low nibble of V(r+4) as its high one, V(r+4) the
	// high nibble of Vr as its low one.
	VMOV	V0.B16, V8.B16
	VSLI	$4, V4.B16, V8.B16
	VSRI	$4, V0.B16, V4.B16
	VMOV	V1.B16, V9.B16
	VSLI	$4, V5.B16, V9.B16
	VSRI	$4, V1.B16, V5.B16
	VMOV	V2.B16, V10.B16
	VSLI	$4, V6.B16, V10.B16
	VSRI	$4, V2.B16, V6.B16
	VMOV	V3.B16, V11.B16
	VSLI	$4, V7.B16, V11.B16
	VSRI	$4, V3.B16, V7.B16
	// Now rows 0..3 are V8..V11, rows 4..7 are V4..V7.

	// Bit pairs (mask 0xcc): rows r, r+2.
#define PAIR2(a, b) \
	VSHL	$2, b.B16, V12.B16 \
	VUSHR	$2, a.B16, V13.B16 \
	VBIT	V24.B16, V12.B16, a.B16 \
	VBIF	V24.B16, V13.B16, b.B16
	PAIR2(V8, V10)
	PAIR2(V9, V11)
	PAIR2(V4, V6)
	PAIR2(V5, V7)

	// Bits (mask 0xaa): rows r, r+1.
#define PAIR1(a, b) \
	VSHL	$1, b.B16, V12.B16 \
	VUSHR	$1, a.B16, V13.B16 \
	VBIT	V25.B16, V12.B16, a.B16 \
	VBIF	V25.B16, V13.B16, b.B16
	PAIR1(V8, V9)
	PAIR1(V10, V11)
	PAIR1(V4, V5)
	PAIR1(V6, V7)
	// Register m (V8..V11, V4..V7) holds bit m of each lane's 8 bytes.

	// Interleave bytes: V16..V19 lanes 0..7 and V20..V23 lanes 8..15 as pairs
	// of rows 0-1, 2-3, 4-5, 6-7; VST4 of halfwords then writes, per lane,
	// rows 0..7 in order.
	VZIP1	V9.B16, V8.B16, V16.B16
	VZIP1	V11.B16, V10.B16, V17.B16
	VZIP1	V5.B16, V4.B16, V18.B16
	VZIP1	V7.B16, V6.B16, V19.B16
	VZIP2	V9.B16, V8.B16, V20.B16
	VZIP2	V11.B16, V10.B16, V21.B16
	VZIP2	V5.B16, V4.B16, V22.B16
	VZIP2	V7.B16, V6.B16, V23.B16
	VST4	[V16.H8, V17.H8, V18.H8, V19.H8], (R0)
	ADD	$64, R0, R5
	VST4	[V20.H8, V21.H8, V22.H8, V23.H8], (R5)
	SUB	$128, R0
	SUBS	$1, R4
	BNE	loop
	RET

// func scatterNEON(dst *byte, stride int, rows *[64][2048]byte, words int)
//
// Each inner iteration takes 16 bytes (16 vectors) of 8 rows, byte-interleaves
// them with three VZIP1/VZIP2 stages so that each 64-bit lane holds one vector's
// 8 bytes, and stores the 16 words stride bytes apart.
TEXT ·scatterNEON(SB), NOSPLIT|NOFRAME, $0-32
	MOVD	dst+0(FP), R0
	MOVD	stride+8(FP), R1
	MOVD	rows+16(FP), R2
	MOVD	words+24(FP), R3
	MOVD	$2048, R8
	LSL	$4, R1, R10 // 16 vectors
	MOVD	$128, R4

vectors:
	MOVD	R2, R5 // rows of this word
	MOVD	R0, R9 // first vector's word
	MOVD	R3, R6

words:
	VLD1.P	(R5)(R8), [V0.B16]
	VLD1.P	(R5)(R8), [V1.B16]
	VLD1.P	(R5)(R8), [V2.B16]
	VLD1.P	(R5)(R8), [V3.B16]
	VLD1.P	(R5)(R8), [V4.B16]
	VLD1.P	(R5)(R8), [V5.B16]
	VLD1.P	(R5)(R8), [V6.B16]
	VLD1.P	(R5)(R8), [V7.B16]
	// Bytes into pairs: V8/V9 rows 0-1 of vectors 0..7/8..15, V10/V11 rows
	// 2-3, V12/V13 rows 4-5, V14/V15 rows 6-7.
	VZIP1	V1.B16, V0.B16, V8.B16
	VZIP2	V1.B16, V0.B16, V9.B16
	VZIP1	V3.B16, V2.B16, V10.B16
	VZIP2	V3.B16, V2.B16, V11.B16
	VZIP1	V5.B16, V4.B16, V12.B16
	VZIP2	V5.B16, V4.B16, V13.B16
	VZIP1	V7.B16, V6.B16, V14.B16
	VZIP2	V7.B16, V6.B16, V15.B16
	// Pairs into quads: V16..V19 rows 0-3 of vectors 0-3, 4-7, 8-11, 12-15;
	// V20..V23 rows 4-7.
	VZIP1	V10.H8, V8.H8, V16.H8
	VZIP2	V10.H8, V8.H8, V17.H8
	VZIP1	V11.H8, V9.H8, V18.H8
	VZIP2	V11.H8, V9.H8, V19.H8
	VZIP1	V14.H8, V12.H8, V20.H8
	VZIP2	V14.H8, V12.H8, V21.H8
	VZIP1	V15.H8, V13.H8, V22.H8
	VZIP2	V15.H8, V13.H8, V23.H8
	// Quads into words: V24..V31 hold vectors 2j and 2j+1.
	VZIP1	V20.S4, V16.S4, V24.S4
	VZIP2	V20.S4, V16.S4, V25.S4
	VZIP1	V21.S4, V17.S4, V26.S4
	VZIP2	V21.S4, V17.S4, V27.S4
	VZIP1	V22.S4, V18.S4, V28.S4
	VZIP2	V22.S4, V18.S4, V29.S4
	VZIP1	V23.S4, V19.S4, V30.S4
	VZIP2	V23.S4, V19.S4, V31.S4
	MOVD	R9, R7
	VST1.P	V24.D[0], (R7)(R1)
	VST1.P	V24.D[1], (R7)(R1)
	VST1.P	V25.D[0], (R7)(R1)
	VST1.P	V25.D[1], (R7)(R1)
	VST1.P	V26.D[0], (R7)(R1)
	VST1.P	V26.D[1], (R7)(R1)
	VST1.P	V27.D[0], (R7)(R1)
	VST1.P	V27.D[1], (R7)(R1)
	VST1.P	V28.D[0], (R7)(R1)
	VST1.P	V28.D[1], (R7)(R1)
	VST1.P	V29.D[0], (R7)(R1)
	VST1.P	V29.D[1], (R7)(R1)
	VST1.P	V30.D[0], (R7)(R1)
	VST1.P	V30.D[1], (R7)(R1)
	VST1.P	V31.D[0], (R7)(R1)
	VST1.P	V31.D[1], (R7)(R1)
	ADD	$8, R9
	SUBS	$1, R6
	BNE	words

	ADD	$16, R2
	ADD	R10, R0
	SUBS	$1, R4
	BNE	vectors
	RET
