package bench

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/bloomsimd/bloomsimd/bitops"
	"github.com/bloomsimd/bloomsimd/internal/cpu"
)

// BenchmarkSectionKernels measures the fused section kernels that Scan runs per
// section vector (512 bytes for a 4096-block section), for each implementation.
// AndInto's destination is refilled from a copy each time, so every call sees the
// same data.
func BenchmarkSectionKernels(b *testing.B) {
	const size = 512
	bufs := slab(size, 5)
	r := rand.New(rand.NewPCG(4, 4))
	for _, p := range bufs[1:] {
		copy(p, randomBytes(r, size))
	}
	dst, x, y, z, keep := bufs[0], bufs[1], bufs[2], bufs[3], bufs[4]
	ops := []struct {
		name string
		run  func()
	}{
		{"And3", func() { bitops.And3(dst, x, y, z) }},
		{"OrAnd3", func() { bitops.OrAnd3(dst, x, y, z) }},
		{"OrInto", func() { bitops.OrInto(dst, x) }},
		{"AndInto", func() { copy(dst, keep); bitops.AndInto(dst, x) }},
		{"Popcount", func() { rotateSink += bitops.Popcount(x) }},
	}
	for _, name := range bitops.Implementations() {
		restore, err := cpu.Set(name)
		if err != nil {
			b.Fatal(err)
		}
		for _, op := range ops {
			b.Run(fmt.Sprintf("op=%s/impl=%s/size=%d", op.name, name, size), func(b *testing.B) {
				b.SetBytes(size)
				b.ReportAllocs()
				cpu0, ok := processCPU()
				for b.Loop() {
					op.run()
				}
				reportCPU(b, cpu0, ok)
			})
		}
		restore()
	}
}
