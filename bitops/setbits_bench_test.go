package bitops

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkAppendSetBits extracts the set bits of a 512-byte vector (a
// section's result) at the densities a filter's results have: sparse, a busy
// contract's quarter of all blocks, and half. ns per candidate is what Scan's
// emission pays per block before the caller sees it.
func BenchmarkAppendSetBits(b *testing.B) {
	for _, d := range []struct {
		name  string
		shift uint // each bit set with probability 2^-shift
	}{{"1/64", 6}, {"1/4", 2}, {"1/2", 1}} {
		p := make([]byte, 512)
		r := rand.New(rand.NewPCG(1, 2))
		for i := range 8 * len(p) {
			if r.Uint32()>>(32-d.shift) == 0 {
				p[i/8] |= 0x80 >> (i % 8)
			}
		}
		dst := AppendSetBits(nil, p, 0)
		n := len(dst)
		b.Run(fmt.Sprintf("density=%s", d.name), func(b *testing.B) {
			for range b.N {
				dst = AppendSetBits(dst[:0], p, 4096)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/candidate")
		})
	}
}
