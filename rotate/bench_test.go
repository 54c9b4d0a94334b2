package rotate

import (
	"math/rand/v2"
	"testing"

	"github.com/bloomsimd/bloomsimd/internal/cpu"
	"github.com/bloomsimd/bloomsimd/internal/impltest"
)

// benchImpls is impltest.Bench with a kernel=<Implementation()> level, plus on
// AVX2 with GFNI the AVX2 kernels without it.
func benchImpls(b *testing.B, f func(b *testing.B)) {
	impltest.Bench(b, func(b *testing.B) {
		b.Run("kernel="+Implementation(), f)
		if cpu.Active == cpu.AVX2 && cpu.Has.GFNI {
			defer cpu.MaskForTest(cpu.Features{GFNI: true})()
			b.Run("kernel="+Implementation(), f)
		}
	})
}

func BenchmarkTranspose8(b *testing.B) {
	var src [8][256]byte
	copy(src[:], randomBlooms(rand.New(rand.NewPCG(1, 1)), 8, 0.5))
	var dst [BloomBitLength]byte
	benchImpls(b, func(b *testing.B) {
		b.SetBytes(8 * BloomByteLength)
		for range b.N {
			Transpose8(&dst, &src)
		}
	})
}

func BenchmarkScatter(b *testing.B) {
	r := new(rows)
	dst := make([]byte, BloomBitLength*512)
	benchImpls(b, func(b *testing.B) {
		b.SetBytes(batchGroups * BloomBitLength)
		for range b.N {
			scatter(dst[128:], 512, r, batchGroups)
		}
	})
}

// BenchmarkSection adds a 4096-bloom section and reads its vectors.
func BenchmarkSection(b *testing.B) {
	bl := randomBlooms(rand.New(rand.NewPCG(1, 1)), 4096, 0.5)
	g, _ := NewGenerator(4096)
	benchImpls(b, func(b *testing.B) {
		b.Run("api=AddBlooms", func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				g.Reset()
				g.AddBlooms(0, bl)
			}
		})
		b.Run("api=AddBloom", func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				g.Reset()
				for j := range bl {
					g.AddBloom(uint(j), bl[j])
				}
			}
		})
	})
}
