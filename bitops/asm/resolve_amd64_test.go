//go:build !purego && !noasm

package asm

import (
	"reflect"
	"testing"

	"github.com/bloomsimd/bloomsimd/bitops/internal/kernels"
	"github.com/bloomsimd/bloomsimd/internal/cpu"
)

// TestResolveFollowsLevel: every cpu.Select (Set and MaskForTest) and every
// restore re-resolves the kernels of package kernels to those of the level now
// active and its features.
func TestResolveFollowsLevel(t *testing.T) {
	same := func(f, g any) bool { return reflect.ValueOf(f).Pointer() == reflect.ValueOf(g).Pointer() }
	check := func(name string) {
		t.Helper()
		var and, test, popcount any = noBinary, noTest, noCount
		switch cpu.Active {
		case cpu.AVX512:
			and, test, popcount = andAVX512, testAVX512, popcountAVX2
			if cpu.Has.VPOPCNTDQ {
				popcount = popcountAVX512
			}
		case cpu.AVX2:
			and, test, popcount = andAVX2, testAVX2, popcountAVX2
		}
		if !same(kernels.And, and) || !same(kernels.Test, test) || !same(kernels.Popcount, popcount) {
			t.Errorf("%s: the kernels of package kernels are not those of level %s with %+v", name, cpu.Active, cpu.Has)
		}
	}
	check("start")
	for _, v := range cpu.Variants() {
		restore, err := cpu.Select(v)
		if err != nil {
			t.Fatal(err)
		}
		check(v.Name)
		restore()
		check("restored from " + v.Name)
	}
}
