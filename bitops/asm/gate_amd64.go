//go:build !purego && !noasm

package asm

import "github.com/bloomsimd/bloomsimd/internal/cpu"

// A gate is the CPU condition under which an amd64 kernel may run: a level and the
// extensions it needs on top. Every use of a kernel, a call or a function value,
// sits in a `case g.open():` (or the body of an `if g.open()`) of its gate;
// requires_amd64_test.go checks that each gate guarantees every feature named by
// the "Requires:" line Avo writes above the kernel.
type gate uint8

const (
	avx2      gate = 1 << iota // the AVX2 level or above (cpu.LevelFeatures[cpu.AVX2])
	avx512                     // the AVX512 level (cpu.LevelFeatures[cpu.AVX512])
	gfni                       // cpu.Has.GFNI
	vbmi                       // cpu.Has.VBMI
	vbmi2                      // cpu.Has.VBMI2
	vpopcntdq                  // cpu.Has.VPOPCNTDQ
)

// compress512 is the gate of the AVX-512 compression kernels: VPCOMPRESSB and
// VPEXPANDB (VBMI2), and the bit reversal of the expand (GFNI). AVX-512 CPUs
// without them (Skylake-X) run the AVX2 kernels, all three for consistency.
const compress512 = avx512 | vbmi2 | gfni

// open reports whether the active level and the CPU's extensions satisfy g. With
// a constant g it inlines to the few compares g needs.
func (g gate) open() bool {
	return (g&avx2 == 0 || cpu.Active >= cpu.AVX2) &&
		(g&avx512 == 0 || cpu.Active >= cpu.AVX512) &&
		(g&gfni == 0 || cpu.Has.GFNI) &&
		(g&vbmi == 0 || cpu.Has.VBMI) &&
		(g&vbmi2 == 0 || cpu.Has.VBMI2) &&
		(g&vpopcntdq == 0 || cpu.Has.VPOPCNTDQ)
}
