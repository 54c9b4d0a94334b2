// Package impltest runs a test or benchmark once per kernel implementation this CPU
// runs, as a subtest named impl=<name>, restoring the selection afterwards. Tests
// also run each level with one of its optional features masked off
// (impl=avx512/-gfni), so that every fallback kernel inside a level runs too.
package impltest

import (
	"os"
	"testing"

	"github.com/bloomsimd/bloomsimd/internal/cpu"
)

// Run calls f in a subtest for every implementation this CPU runs, best first,
// and for every masked variant of them (cpu.Variants).
func Run(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	for _, v := range cpu.Variants() {
		restore, err := cpu.Select(v)
		if err != nil {
			t.Fatal(err)
		}
		t.Run("impl="+v.Name, f)
		restore()
	}
}

// ForEach calls f for every implementation and masked variant, as Run does,
// without subtests: for fuzz targets, whose failures name the variant themselves.
func ForEach(tb testing.TB, f func(name string)) {
	tb.Helper()
	for _, v := range cpu.Variants() {
		restore, err := cpu.Select(v)
		if err != nil {
			tb.Fatal(err)
		}
		f(v.Name)
		restore()
	}
}

// Bench is Run for benchmarks, over the levels only (not the masked variants).
func Bench(b *testing.B, f func(b *testing.B)) {
	b.Helper()
	for _, l := range cpu.Supported() {
		restore, err := cpu.Set(l.String())
		if err != nil {
			b.Fatal(err)
		}
		b.Run("impl="+l.String(), f)
		restore()
	}
}

// CheckExpected fails t when BLOOMSIMD_EXPECT_IMPL names an implementation other
// than the best one this CPU runs (cpu.Best, before any BLOOMSIMD_IMPL lowering). make test sets it when it runs the test
// binaries under emulated CPUs (qemu-x86_64 -cpu Haswell must select avx2).
func CheckExpected(t *testing.T) {
	want := os.Getenv("BLOOMSIMD_EXPECT_IMPL")
	if want == "" {
		t.Skip("BLOOMSIMD_EXPECT_IMPL not set")
	}
	if got := cpu.Best.String(); got != want {
		t.Fatalf("best implementation on this CPU is %q, want %q", got, want)
	}
}
