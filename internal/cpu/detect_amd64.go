//go:build !purego && !noasm

package cpu

import "github.com/klauspost/cpuid/v2"

func detect() (Level, Features) {
	c := cpuid.CPU
	f := Features{
		GFNI:      c.Supports(cpuid.GFNI),
		VBMI:      c.Supports(cpuid.AVX512VBMI),
		VBMI2:     c.Supports(cpuid.AVX512VBMI2),
		VPOPCNTDQ: c.Supports(cpuid.AVX512VPOPCNTDQ),
	}
	switch {
	// Each level also runs the kernels of the levels below it, and the kernels use
	// BMI2 (BZHI, SHRX) and POPCNT: a virtual CPU that hides them gets a lower level.
	case c.Supports(cpuid.AVX512F, cpuid.AVX512BW, cpuid.AVX512VL, cpuid.AVX2, cpuid.BMI2, cpuid.POPCNT):
		return AVX512, f
	case c.Supports(cpuid.AVX2, cpuid.BMI2, cpuid.POPCNT):
		// AVX-512 extensions are unusable without AVX-512 itself; GFNI keeps its VEX form.
		return AVX2, Features{GFNI: f.GFNI && c.Supports(cpuid.AVX)}
	default:
		return Generic, Features{}
	}
}
