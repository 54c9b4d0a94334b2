package matcher

import (
	"fmt"
	"math/rand"
	"testing"
)

// BenchmarkEmitMatches hands the set bits of a 512-byte result to a callback,
// at the densities a filter's results have: sparse, a busy contract's quarter
// of all blocks, and half. It is the per-candidate cost of Scan's emission,
// which dominates a busy filter's query.
func BenchmarkEmitMatches(b *testing.B) {
	m := NewMatcher(4096, nil)
	for _, d := range []struct {
		name  string
		shift uint // each bit set with probability 2^-shift
	}{{"1/64", 6}, {"1/4", 2}, {"1/2", 1}} {
		run := make([]byte, 512)
		rng := rand.New(rand.NewSource(1))
		n := 0
		for i := range 8 * len(run) {
			if rng.Uint32()>>(32-d.shift) == 0 {
				run[i/8] |= 0x80 >> (i % 8)
				n++
			}
		}
		var sum uint64
		emit := func(x uint64) bool { sum += x; return true }
		b.Run(fmt.Sprintf("density=%s", d.name), func(b *testing.B) {
			for range b.N {
				m.emitMatches(run, 7, 0, ^uint64(0), emit)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/candidate")
		})
		_ = sum
	}
}
