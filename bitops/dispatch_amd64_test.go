//go:build !purego && !noasm

package bitops

import (
	"testing"

	"github.com/bloomsimd/bloomsimd/internal/cpu"
)

// The compression dispatch follows cpu.MaskForTest: on a pretended AVX-512 CPU
// with every extension (only the choice is checked; no kernel runs), masking
// VBMI2 or GFNI picks the AVX2 kernels.
func TestCompressDispatchFollowsMask(t *testing.T) {
	defer func(l cpu.Level, f cpu.Features) { cpu.Active, cpu.Has = l, f }(cpu.Active, cpu.Has)
	all := cpu.Features{GFNI: true, VBMI: true, VBMI2: true, VPOPCNTDQ: true}
	cases := []struct {
		level cpu.Level
		off   cpu.Features
		want  bool
	}{
		{cpu.AVX512, cpu.Features{}, true},
		{cpu.AVX512, cpu.Features{VPOPCNTDQ: true, VBMI: true}, true},
		{cpu.AVX512, cpu.Features{VBMI2: true}, false},
		{cpu.AVX512, cpu.Features{GFNI: true}, false},
		{cpu.AVX2, cpu.Features{}, false},
	}
	for _, c := range cases {
		cpu.Active, cpu.Has = c.level, all
		restore := cpu.MaskForTest(c.off)
		if got := compressAVX512(); got != c.want {
			t.Errorf("%v with %+v masked: AVX-512 compression kernels %v, want %v", c.level, c.off, got, c.want)
		}
		restore()
	}
}
