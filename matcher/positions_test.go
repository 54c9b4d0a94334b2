package matcher

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
)

// testPositions maps a clause to its bytes as positions (plus one, so that
// testVector's n%position is defined), the first three of them.
func testPositions(shift uint) func([]uint, []byte) []uint {
	return func(dst []uint, clause []byte) []uint {
		for _, b := range clause[:min(3, len(clause))] {
			dst = append(dst, uint(b)+1+shift)
		}
		return dst
	}
}

// groupsOf is the reference's view of filters: each clause's three positions.
func groupsOf(filters [][][]byte, shift uint) [][][3]uint {
	var out [][][3]uint
	for _, g := range filters {
		if len(g) == 0 || hasNil(g) {
			continue
		}
		var cs [][3]uint
		for _, c := range g {
			p := testPositions(shift)(nil, c)
			cs = append(cs, [3]uint{p[0], p[min(1, len(p)-1)], p[min(2, len(p)-1)]})
		}
		out = append(out, cs)
	}
	return out
}

// patternCoverage covers section s when bit (s>>shift)%64 of mask is set; it
// fails for sections from failFrom on when failFrom is not 0.
type patternCoverage struct {
	mask     uint64
	shift    uint
	failFrom uint64
}

func (c patternCoverage) covers(s uint64) bool { return c.mask>>((s>>c.shift)%64)&1 == 1 }

func (c patternCoverage) Covered(_ context.Context, first uint64, covered []bool) error {
	for i := range covered {
		s := first + uint64(i)
		if c.failFrom != 0 && s >= c.failFrom {
			return errors.New("coverage unavailable")
		}
		covered[i] = c.covers(s)
	}
	return nil
}

func randomFilters(rng *rand.Rand) [][][]byte {
	filters := make([][][]byte, 1+rng.IntN(3))
	for g := range filters {
		for range 1 + rng.IntN(3) {
			c := make([]byte, 1+rng.IntN(3))
			for k := range c {
				c[k] = byte(rng.IntN(12))
			}
			filters[g] = append(filters[g], c)
		}
	}
	return filters
}

func TestScanCoveredRandom(t *testing.T) {
	const size = 8
	rng := rand.New(rand.NewPCG(1, 2))
	src := testSource{size: size, failAt: ^uint64(0)}
	rounds := 40
	if testing.Short() {
		rounds = 8
	}
	for round := range rounds {
		filters := randomFilters(rng)
		precise, err := NewPositionMatcher(size, filters, testPositions(0))
		if err != nil {
			t.Fatal(err)
		}
		fallback, err := NewPositionMatcher(size, filters, testPositions(5))
		if err != nil {
			t.Fatal(err)
		}
		cover := patternCoverage{mask: rng.Uint64(), shift: uint(rng.IntN(6))} // runs of 1 to 32 sections
		begin := uint64(rng.IntN(100))
		end := begin + uint64(rng.IntN(20000)) // up to 2500 sections: several coverage batches
		var got []uint64
		err = ScanCovered(context.Background(), begin, end, precise, src, cover, fallback, src, func(b uint64) bool {
			got = append(got, b)
			return true
		})
		if err != nil {
			t.Fatal(err)
		}
		pg, fg := groupsOf(filters, 0), groupsOf(filters, 5)
		var want []uint64
		for n := begin; n <= end; n++ {
			g := fg
			if cover.covers(n / size) {
				g = pg
			}
			if expMatch(g, n) {
				want = append(want, n)
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("round %d, filters %v, blocks %d..%d: %d matches, want %d", round, filters, begin, end, len(got), len(want))
		}
	}
}

func TestScanCoveredStopAndErrors(t *testing.T) {
	const size = 8
	src := testSource{size: size, failAt: ^uint64(0)}
	filters := [][][]byte{{{1, 1, 1}}}
	precise, _ := NewPositionMatcher(size, filters, testPositions(0))
	fallback, _ := NewPositionMatcher(size, filters, testPositions(1))
	cover := patternCoverage{mask: 0xf0f0f0f0f0f0f0f0}
	var got []uint64
	err := ScanCovered(context.Background(), 0, 10000, precise, src, cover, fallback, src, func(b uint64) bool {
		got = append(got, b)
		return len(got) < 5
	})
	if err != nil || len(got) != 5 {
		t.Fatalf("stop after 5: %v, %d matches", err, len(got))
	}
	got = got[:0]
	err = ScanCovered(context.Background(), 0, 20000, precise, src, patternCoverage{mask: ^uint64(0), failFrom: 1500}, fallback, src, func(b uint64) bool {
		got = append(got, b)
		return true
	})
	if err == nil || len(got) == 0 || got[len(got)-1] >= 1024*size {
		t.Fatalf("coverage error: %v, last match %v", err, got[len(got)-1:])
	}
	other, _ := NewPositionMatcher(16, filters, testPositions(0))
	if err := ScanCovered(context.Background(), 0, 10, precise, src, cover, other, src, func(uint64) bool { return true }); err == nil {
		t.Fatal("matchers of different section sizes were accepted")
	}
	if _, err := NewPositionMatcher(size, [][][]byte{{{1}}}, func(dst []uint, _ []byte) []uint { return append(dst, 1, 2, 3, 4) }); err == nil {
		t.Fatal("a clause of four positions was accepted")
	}
}
