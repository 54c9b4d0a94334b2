package bitops

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/bloomsimd/bloomsimd/internal/guardpage"
	"github.com/bloomsimd/bloomsimd/internal/impltest"
)

// The guard-page tests run every operation on buffers that end right before an
// inaccessible page, and again on buffers that start right after one, each
// operand in a region of its own: a vector load or store one byte outside an
// operand faults. Results are checked against the byte-wise references.

// guardLengths covers every tail up to 200 bytes, the block boundaries up to
// 1100, and a whole page.
func guardLengths() []int {
	var out []int
	for n := 0; n <= 1100; n++ {
		if n <= 200 || n%64 <= 1 || n%64 == 63 {
			out = append(out, n)
		}
	}
	return append(out, 4095, 4096, 4097)
}

const guardRegion = 4097 // bytes each operand may take

// placements names where the operands sit: against the page after, or the page before.
var placements = []struct {
	name    string
	atStart bool
}{{"end-at-guard", false}, {"start-at-guard", true}}

func TestBinaryOpsGuardPages(t *testing.T) {
	m := guardpage.ForTest(t, 3, guardRegion)
	ops := []struct {
		name string
		fn   func(dst, a, b []byte) int
		ref  func(dst, a, b []byte)
	}{
		{"AND", ANDBytes, refAND},
		{"OR", ORBytes, refOR},
		{"XOR", XORBytes, refXOR},
	}
	impltest.Run(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(21, 22))
		for _, pl := range placements {
			for _, n := range guardLengths() {
				a, b, dst := m.At(pl.atStart, 0, n), m.At(pl.atStart, 1, n), m.At(pl.atStart, 2, n)
				fills[0].gen(r, a)
				fills[0].gen(r, b)
				want := make([]byte, n)
				for _, op := range ops {
					op.ref(want, a, b)
					if got := op.fn(dst, a, b); got != n || !bytes.Equal(dst, want) {
						t.Fatalf("%s %s n=%d: returned %d, result %x, want %x", op.name, pl.name, n, got, dst, want)
					}
				}
			}
		}
	})
}

func TestTestBytesGuardPages(t *testing.T) {
	m := guardpage.ForTest(t, 1, guardRegion)
	impltest.Run(t, func(t *testing.T) {
		for _, pl := range placements {
			for _, n := range guardLengths() {
				p := m.At(pl.atStart, 0, n)
				clear(p)
				if TestBytes(p) {
					t.Fatalf("%s n=%d: all-zero reported set", pl.name, n)
				}
				for _, i := range []int{0, n - 1} {
					if i < 0 || i >= n {
						continue
					}
					p[i] = 0x01
					if !TestBytes(p) {
						t.Fatalf("%s n=%d: byte %d set but not reported", pl.name, n, i)
					}
					p[i] = 0
				}
			}
		}
	})
}

func TestSectionKernelsGuardPages(t *testing.T) {
	m := guardpage.ForTest(t, 4, guardRegion)
	impltest.Run(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(23, 24))
		for _, pl := range placements {
			for _, n := range guardLengths() {
				name := fmt.Sprintf("%s n=%d", pl.name, n)
				dst, a, b, c := m.At(pl.atStart, 0, n), m.At(pl.atStart, 1, n), m.At(pl.atStart, 2, n), m.At(pl.atStart, 3, n)
				for _, p := range [][]byte{a, b, c} {
					fills[0].gen(r, p)
				}
				// Sparse AND results: AndInto must also say "none left" somewhere.
				fills[r.IntN(len(fills))].gen(r, c)
				start := make([]byte, n)
				fills[0].gen(r, start)

				want := make([]byte, n)
				for i := range want {
					want[i] = a[i] & b[i] & c[i]
				}
				And3(dst, a, b, c)
				expect(t, "And3", name, dst, want)

				copy(dst, start)
				for i := range want {
					want[i] = start[i] | a[i]&b[i]&c[i]
				}
				OrAnd3(dst, a, b, c)
				expect(t, "OrAnd3", name, dst, want)

				copy(dst, start)
				for i := range want {
					want[i] = start[i] | c[i]
				}
				OrInto(dst, c)
				expect(t, "OrInto", name, dst, want)

				copy(dst, start)
				left := false
				for i := range want {
					want[i] = start[i] & c[i]
					left = left || want[i] != 0
				}
				if got := AndInto(dst, c); got != left {
					t.Fatalf("AndInto %s: reported %v, want %v", name, got, left)
				}
				expect(t, "AndInto", name, dst, want)

				ones := 0
				var set []uint64
				for i := 0; i < 8*n; i++ {
					if a[i/8]&(0x80>>(i%8)) != 0 {
						ones++
						set = append(set, 7+uint64(i))
					}
				}
				if got := Popcount(a); got != ones {
					t.Fatalf("Popcount %s = %d, want %d", name, got, ones)
				}
				if got := AppendSetBits(nil, a, 7); !slices.Equal(got, set) {
					t.Fatalf("AppendSetBits %s: %d bits, want %d", name, len(got), len(set))
				}
				k := 0
				SetBits(a)(func(i int) bool {
					if k >= len(set) || uint64(i)+7 != set[k] {
						t.Fatalf("SetBits %s: bit %d is %d", name, k, i)
					}
					k++
					return true
				})
				if k != len(set) {
					t.Fatalf("SetBits %s: %d bits, want %d", name, k, len(set))
				}
			}
		}
	})
}
