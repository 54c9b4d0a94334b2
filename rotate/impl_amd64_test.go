//go:build !purego && !noasm

package rotate

import (
	"testing"

	"github.com/bloomsimd/bloomsimd/internal/cpu"
)

// The dispatch follows cpu.MaskForTest: on a pretended AVX-512 CPU with every
// extension (only the choice is checked; no kernel runs, so this holds on CPUs
// without AVX-512 too), masking one feature picks the kernels of a CPU without it.
func TestDispatchFollowsMask(t *testing.T) {
	defer func(l cpu.Level, f cpu.Features) { cpu.Active, cpu.Has = l, f }(cpu.Active, cpu.Has)
	all := cpu.Features{GFNI: true, VBMI: true, VBMI2: true, VPOPCNTDQ: true}
	cases := []struct {
		level cpu.Level
		off   cpu.Features
		want  string
	}{
		{cpu.AVX512, cpu.Features{}, "avx512-gfni"},
		{cpu.AVX512, cpu.Features{GFNI: true}, "avx2"},
		{cpu.AVX512, cpu.Features{VBMI: true}, "avx2-gfni"},
		{cpu.AVX512, cpu.Features{VBMI2: true}, "avx512-gfni"},
		{cpu.AVX2, cpu.Features{}, "avx2-gfni"},
		{cpu.AVX2, cpu.Features{GFNI: true}, "avx2"},
		{cpu.Generic, cpu.Features{}, "generic"},
	}
	for _, c := range cases {
		cpu.Active, cpu.Has = c.level, all
		restore := cpu.MaskForTest(c.off)
		if got := Implementation(); got != c.want {
			t.Errorf("%v with %+v masked: Implementation() = %q, want %q", c.level, c.off, got, c.want)
		}
		restore()
	}
}
