package matcher

import (
	"math/rand"
	"testing"
)

// BenchmarkEmitMatches hands the 1,000 or so set bits of a 512-byte result
// (each bit set with probability 1/4) to a callback: the per-candidate cost of
// Scan's emission, which dominates a busy filter's query.
func BenchmarkEmitMatches(b *testing.B) {
	m := NewMatcher(4096, nil)
	run := make([]byte, 512)
	rng := rand.New(rand.NewSource(1))
	for i := range run {
		w := rng.Uint32()
		run[i] = byte(w) & byte(w>>8) // each bit set with probability 1/4
	}
	var sum uint64
	emit := func(x uint64) bool { sum += x; return true }
	b.ResetTimer()
	for range b.N {
		m.emitMatches(run, 7, 0, ^uint64(0), emit)
	}
	_ = sum
}
