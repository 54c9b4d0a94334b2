package bench

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/bloomsimd/bloomsimd/matcher"
)

// FuzzScanGeth compares our Scan, and our Multiplex, with go-ethereum's
// Matcher on filters, ranges and random vectors made from the fuzz input: the
// first bytes pick the section size, the number of sections, the density of the
// vectors and the range; the rest seed the filters (with wildcards and empty
// groups now and then). go-ethereum's matches must also equal the plain
// reference.
func FuzzScanGeth(f *testing.F) {
	f.Add(uint64(1), byte(0), byte(3), byte(40), uint16(0), uint16(0xffff), byte(2))
	f.Add(uint64(7), byte(1), byte(1), byte(255), uint16(100), uint16(200), byte(0x17))
	f.Add(uint64(9), byte(2), byte(7), byte(128), uint16(5000), uint16(9), byte(0x2a))
	f.Add(uint64(3), byte(3), byte(2), byte(10), uint16(1), uint16(1), byte(0xff))
	f.Fuzz(func(t *testing.T, seed uint64, sizeSel, nSections, density byte, from, span uint16, shape byte) {
		size := []uint64{8, 64, 512, 4096}[sizeSel%4]
		sections := 1 + uint64(nSections%8)
		last := sections*size - 1
		begin := uint64(from) % (last + 1)
		end := min(begin+uint64(span), last)

		rng := rand.New(rand.NewPCG(seed, uint64(shape)))
		filters := randomFilters(rng, 1+int(shape%3), int(shape/3%3))
		if shape&0x40 != 0 { // a wildcard group and an empty one
			filters = append(filters, [][]byte{randBytes(rng, 32), nil}, [][]byte{})
		}
		if shape&0x80 != 0 { // a repeated clause
			filters[0] = append(filters[0], filters[0][0])
		}
		store := newRandomStore(seed, size, sections, filterBits(filters), float64(density)/255)

		want := gethMatches(t, store, filters, begin, end)
		if ref := store.expected(filters, begin, end); !slices.Equal(want, ref) {
			t.Fatalf("go-ethereum finds %d matches, the reference %d", len(want), len(ref))
		}
		var got []uint64
		m := matcher.NewMatcher(size, filters)
		err := m.Scan(context.Background(), begin, end, store, func(b uint64) bool {
			got = append(got, b)
			return true
		})
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("size %d, %d..%d: Scan found %d matches (err %v), go-ethereum %d", size, begin, end, len(got), err, len(want))
		}
		if got := ourMatches(t, store, filters, begin, end); !slices.Equal(got, want) {
			t.Fatalf("size %d, %d..%d: Multiplex found %d matches, go-ethereum %d", size, begin, end, len(got), len(want))
		}
	})
}
