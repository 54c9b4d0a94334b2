//go:build !purego && !noasm

#include "textflag.h"

// Hand-written NEON compression kernels; see compress_arm64.go for the contracts.
// Go's operand order is reversed from Arm's: VAND Vm, Vn, Vd sets Vd = Vn & Vm,
// CMP Rm, Rn compares Rn with Rm, SUB Rm, Rn, Rd sets Rd = Rn - Rm.

// MSB-first weights: lane t of each 8-byte group gets bit 7-t.
#define WEIGHTS $0x0102040810204080

// func bitmapNEON(dst, src *byte, n int) int
// CMTST marks the non-zero bytes, the weights give each its bitmap bit, and three
// pairwise additions sum each group of 8 into its bitmap byte: the block's 8
// bitmap bytes come out in order.
TEXT ·bitmapNEON(SB), NOSPLIT|NOFRAME, $0-32
	MOVD	dst+0(FP), R0
	MOVD	src+8(FP), R1
	MOVD	n+16(FP), R2
	MOVD	$0, R3
	MOVD	WEIGHTS, R4
	VDUP	R4, V31.D2

block:
	VLD1.P	64(R1), [V0.B16, V1.B16, V2.B16, V3.B16]
	VCMTST	V0.B16, V0.B16, V0.B16
	VCMTST	V1.B16, V1.B16, V1.B16
	VCMTST	V2.B16, V2.B16, V2.B16
	VCMTST	V3.B16, V3.B16, V3.B16
	VAND	V31.B16, V0.B16, V0.B16
	VAND	V31.B16, V1.B16, V1.B16
	VAND	V31.B16, V2.B16, V2.B16
	VAND	V31.B16, V3.B16, V3.B16
	VADDP	V1.B16, V0.B16, V0.B16
	VADDP	V3.B16, V2.B16, V2.B16
	VADDP	V2.B16, V0.B16, V0.B16
	VADDP	V0.B16, V0.B16, V0.B16
	VST1.P	[V0.B8], 8(R0)
	VCNT	V0.B8, V0.B8
	VUADDLV	V0.B8, V0
	VMOV	V0.H[0], R4
	ADD	R4, R3
	SUBS	$64, R2
	BNE	block
	MOVD	R3, ret+24(FP)
	RET

// PACK_GROUP packs the 8 source bytes of bitmap byte g: a TBL with the table's
// shuffle for that byte, an 8-byte store at R11, which advances by the count.
#define PACK_GROUP(g) \
	MOVBU	g(R2), R12 \
	ADD	R12<<3, R5, R13 \
	VLD1	(R13), [V1.B8] \
	VLD1.P	8(R1), [V2.B8] \
	VTBL	V1.B8, [V2.B16], V3.B8 \
	VST1	[V3.B8], (R11) \
	MOVBU	(R15)(R12), R14 \
	ADD	R14, R11

// func packNEON(dst, src, bm *byte, n, room int, table *byte) (done, written int)
TEXT ·packNEON(SB), NOSPLIT|NOFRAME, $0-64
	MOVD	dst+0(FP), R0
	MOVD	src+8(FP), R1
	MOVD	bm+16(FP), R2
	MOVD	n+24(FP), R3
	MOVD	room+32(FP), R4
	MOVD	table+40(FP), R5
	ADD	$4096, R5, R15 // popcounts
	MOVD	$0, R6         // done
	MOVD	$0, R7         // written

block:
	// Stop unless the block's stores (its count plus 8 at most) fit in room.
	MOVD	(R2), R8
	VMOV	R8, V0.D[0]
	VCNT	V0.B8, V0.B8
	VUADDLV	V0.B8, V0
	VMOV	V0.H[0], R9
	ADD	R7, R9, R10
	ADD	$8, R10
	CMP	R4, R10
	BHI	stop
	ADD	R7, R0, R11
	PACK_GROUP(0)
	PACK_GROUP(1)
	PACK_GROUP(2)
	PACK_GROUP(3)
	PACK_GROUP(4)
	PACK_GROUP(5)
	PACK_GROUP(6)
	PACK_GROUP(7)
	SUB	R0, R11, R7
	ADD	$8, R2
	ADD	$64, R6
	CMP	R3, R6
	BLO	block

stop:
	MOVD	R6, done+48(FP)
	MOVD	R7, written+56(FP)
	RET

// EXPAND_GROUP decodes the 8 bytes of bitmap byte g into Vout: a TBL of the 8
// input bytes loaded at q = min(p, avail-8) with the table's ranks shifted by p-q
// (unmarked lanes, 0x80+p-q, stay out of range and give 0). Zero outputs in
// marked lanes accumulate into V29.
#define EXPAND_GROUP(g, Vout) \
	MOVBU	g(R1), R12 \
	ADD	R12<<3, R16, R13 \
	VLD1	(R13), [V1.B8] \
	CMP	R17, R11 \
	CSEL	LS, R11, R17, R13 \
	SUB	R13, R11, R14 \
	VDUP	R14, V2.B8 \
	VADD	V2.B8, V1.B8, V1.B8 \
	ADD	R13, R2, R13 \
	VLD1	(R13), [V3.B8] \
	VTBL	V1.B8, [V3.B16], Vout.B8 \
	VDUP	R12, V4.B8 \
	VCMTST	V31.B8, V4.B8, V4.B8 \
	VCMEQ	V30.B8, Vout.B8, V5.B8 \
	VAND	V5.B8, V4.B8, V4.B8 \
	VORR	V4.B8, V29.B8, V29.B8 \
	MOVBU	(R15)(R12), R14 \
	ADD	R14, R11

// func expandNEON(dst, bm, src *byte, n, avail int, table *byte) (done, read int)
TEXT ·expandNEON(SB), NOSPLIT|NOFRAME, $0-64
	MOVD	dst+0(FP), R0
	MOVD	bm+8(FP), R1
	MOVD	src+16(FP), R2
	MOVD	n+24(FP), R3
	MOVD	avail+32(FP), R4
	MOVD	table+40(FP), R5
	ADD	$2048, R5, R16 // ranks
	ADD	$4096, R5, R15 // popcounts
	MOVD	$0, R6         // done
	MOVD	$0, R7         // read
	SUBS	$8, R4, R17    // where the last 8-byte load starts
	BLT	stop
	MOVD	WEIGHTS, R8
	VMOV	R8, V31.D[0]
	VEOR	V30.B16, V30.B16, V30.B16

block:
	// Stop unless the block's input is all there.
	MOVD	(R1), R8
	VMOV	R8, V0.D[0]
	VCNT	V0.B8, V0.B8
	VUADDLV	V0.B8, V0
	VMOV	V0.H[0], R9
	ADD	R7, R9, R10
	CMP	R4, R10
	BHI	stop
	MOVD	R7, R11 // p
	VEOR	V29.B16, V29.B16, V29.B16
	EXPAND_GROUP(0, V16)
	EXPAND_GROUP(1, V17)
	EXPAND_GROUP(2, V18)
	EXPAND_GROUP(3, V19)
	EXPAND_GROUP(4, V20)
	EXPAND_GROUP(5, V21)
	EXPAND_GROUP(6, V22)
	EXPAND_GROUP(7, V23)
	VMOV	V29.D[0], R12
	CBNZ	R12, stop
	VST1.P	[V16.B8, V17.B8, V18.B8, V19.B8], 32(R0)
	VST1.P	[V20.B8, V21.B8, V22.B8, V23.B8], 32(R0)
	MOVD	R11, R7
	ADD	$8, R1
	ADD	$64, R6
	CMP	R3, R6
	BLO	block

stop:
	MOVD	R6, done+48(FP)
	MOVD	R7, read+56(FP)
	RET
