//go:build !purego && !noasm

package cpu

import "github.com/klauspost/cpuid/v2"

// LevelFeatures lists the CPUID features each level requires. Each level also runs
// the kernels of the levels below it, and the kernels use BMI2 (BZHI, SHRX) and
// POPCNT: a virtual CPU that hides one of them gets a lower level. The tests of
// bitops/asm check every kernel's generated "Requires:" line against this table.
var LevelFeatures = map[Level][]cpuid.FeatureID{
	AVX2:   {cpuid.AVX, cpuid.AVX2, cpuid.BMI2, cpuid.POPCNT},
	AVX512: {cpuid.AVX, cpuid.AVX2, cpuid.BMI2, cpuid.POPCNT, cpuid.AVX512F, cpuid.AVX512BW, cpuid.AVX512VL},
}

// ExtensionFeatures names the CPUID feature behind each flag of Features.
var ExtensionFeatures = struct{ GFNI, VBMI, VBMI2, VPOPCNTDQ cpuid.FeatureID }{
	GFNI: cpuid.GFNI, VBMI: cpuid.AVX512VBMI, VBMI2: cpuid.AVX512VBMI2, VPOPCNTDQ: cpuid.AVX512VPOPCNTDQ,
}

func detect() (Level, Features) {
	c := cpuid.CPU
	f := Features{
		GFNI:      c.Supports(ExtensionFeatures.GFNI),
		VBMI:      c.Supports(ExtensionFeatures.VBMI),
		VBMI2:     c.Supports(ExtensionFeatures.VBMI2),
		VPOPCNTDQ: c.Supports(ExtensionFeatures.VPOPCNTDQ),
	}
	switch {
	case c.Supports(LevelFeatures[AVX512]...):
		return AVX512, f
	case c.Supports(LevelFeatures[AVX2]...):
		// AVX-512 extensions are unusable without AVX-512 itself; GFNI keeps its VEX
		// form (AVX is part of the level).
		return AVX2, Features{GFNI: f.GFNI}
	default:
		return Generic, Features{}
	}
}
