package bitops

import (
	"math/bits"
	"slices"
	"testing"

	"github.com/bloomsimd/bloomsimd/internal/guardpage"
)

// A vector just over 256 MiB has bit indexes past 2^31: on 32-bit platforms
// they overflow an int. AppendSetBits and Popcount stay right there; SetBits,
// whose indexes are ints, panics on 32-bit platforms. (Mapped, not allocated:
// the untouched pages read as zero without taking memory.)
func TestVectorPast256MiB(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 256 MiB")
	}
	const n = 1<<28 + 64
	m := guardpage.ForTest(t, 1, n)
	p := m.End(0, n)
	p[0], p[1<<28], p[n-1] = 0x80, 0x80, 0x01
	want := []uint64{0, 1 << 31, 8*n - 1}
	if got := AppendSetBits(nil, p, 0); !slices.Equal(got, want) {
		t.Fatalf("AppendSetBits = %v, want %v", got, want)
	}
	if got := Popcount(p); got != 3 {
		t.Fatalf("Popcount = %d, want 3", got)
	}
	if bits.UintSize == 32 {
		defer func() {
			if recover() == nil {
				t.Fatal("SetBits took a vector of more than MaxInt bits")
			}
		}()
	}
	var got []uint64
	SetBits(p)(func(i int) bool { got = append(got, uint64(i)); return true })
	if !slices.Equal(got, want) {
		t.Fatalf("SetBits = %v, want %v", got, want)
	}
}
