// Package bitops is a drop-in replacement for go-ethereum's common/bitutil (v1.14.13)
// plus the fused kernels a bloom-bit index needs on its 512-byte section vectors.
//
// Every function dispatches at run time to the best kernel this CPU runs: AVX-512
// (F+BW+VL) or AVX2 on amd64, NEON on arm64, word-at-a-time Go elsewhere and under
// the purego or noasm build tags. BLOOMSIMD_IMPL=avx512|avx2|neon|generic lowers the
// choice; Implementation names what runs.
//
// Every function here takes any length and alignment. The bitwise and section
// operations run the whole 64-byte blocks of their input in a vector kernel and
// the rest in Go. The compression kernels take what they can (the AVX-512 ones
// all of it, with masked loads and stores; the AVX2 and NEON ones whole 64-byte
// blocks) and Go finishes. Package bitops/asm holds the kernels behind checked
// functions.
package bitops
