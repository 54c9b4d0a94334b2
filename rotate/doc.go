// Package rotate builds the rotated bloom bits of a bloom-bit index: it turns the
// blooms of a section of blocks into 2048 bit vectors, vector i holding bit i of
// every block's bloom (block j in byte j/8, mask 0x80>>(j%8)).
//
// Generator is a drop-in replacement for go-ethereum's core/bloombits.Generator
// (v1.14.13) with the same errors, plus AddBlooms, Reset, one allocation for the
// whole bit matrix and none per bloom. Transpose8 and Transpose are the low-level
// rotations for callers with their own layout.
//
// The work is done in two steps, each by the best kernel this CPU runs:
//
//  1. A group of 8 blooms becomes a 2048-byte row, byte i holding bit i of the 8
//     blooms (Transpose8): an 8×8 bit transpose per bloom byte position, done by
//     GFNI's VGF2P8AFFINEQB (AVX-512 with VBMI, or AVX2), by VPMOVMSKB on AVX2
//     without GFNI, by shift-and-insert bit swaps on NEON, and by the 64-bit
//     transpose8 in pure Go.
//  2. Up to 64 rows (512 blooms) are transposed as a byte matrix into the vectors,
//     so that each vector receives whole 8-byte words and each of its 64-byte cache
//     lines is written once per 512 blooms.
//
// BLOOMSIMD_IMPL=generic|avx2|avx512|neon lowers the choice; Implementation names
// the kernels that run.
package rotate
