package matcher

import (
	"math/rand"
	"slices"
	"testing"
)

// emitMatches hands emit exactly appendMatches' blocks, in order, for any
// section size, clipping and density, the last section of the uint64 range
// included, and stops when emit returns false.
func TestEmitMatchesEqualsAppend(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, size := range []uint64{8, 64, 520, 4096} {
		m := NewMatcher(size, nil)
		last := ^uint64(0) / size
		for range 300 {
			run := make([]byte, size/8)
			density := rng.Intn(4)
			for i := range run {
				for range density {
					run[i] |= byte(rng.Intn(256))
				}
			}
			section := uint64(rng.Intn(10))
			if rng.Intn(4) == 0 {
				section = last - uint64(rng.Intn(2))
			}
			lo := section * size
			begin := lo + uint64(rng.Int63n(int64(size)))*uint64(rng.Intn(2))
			end := begin + uint64(rng.Int63n(int64(2*size)))
			if end < begin || rng.Intn(3) == 0 {
				end = ^uint64(0)
			}
			want := m.appendMatches(nil, run, section, begin, end)
			var got []uint64
			if !m.emitMatches(run, section, begin, end, func(b uint64) bool { got = append(got, b); return true }) {
				t.Fatal("emitMatches stopped though emit never returned false")
			}
			if !slices.Equal(got, want) {
				t.Fatalf("size %d section %d [%d, %d]: emitted %v, want %v", size, section, begin, end, got, want)
			}
			if len(want) > 1 {
				stop := rng.Intn(len(want))
				got = got[:0]
				more := m.emitMatches(run, section, begin, end, func(b uint64) bool {
					got = append(got, b)
					return len(got) <= stop
				})
				if more || !slices.Equal(got, want[:stop+1]) {
					t.Fatalf("stopping after %d: emitted %v (more %v), want %v", stop+1, got, more, want[:stop+1])
				}
			}
		}
	}
}
