//go:build !purego && !noasm

package cpu

import (
	"slices"
	"testing"

	"github.com/klauspost/cpuid/v2"
)

// TestLevelsNest: the AVX512 level runs the AVX2 kernels too, so it requires every
// feature the AVX2 level does; and the level detection picked is one whose
// features this CPU has.
func TestLevelsNest(t *testing.T) {
	for _, id := range LevelFeatures[AVX2] {
		if !slices.Contains(LevelFeatures[AVX512], id) {
			t.Errorf("AVX512 level lacks %v of the AVX2 level", id)
		}
	}
	if Best > Generic && !cpuid.CPU.Supports(LevelFeatures[Best]...) {
		t.Errorf("detected %v without its features %v", Best, LevelFeatures[Best])
	}
}
