package bitops

import (
	"bytes"
	"math/bits"
	"slices"
	"testing"

	"github.com/bloomsimd/bloomsimd/internal/impltest"
)

// vectors returns count vectors of n bytes cut from data, cycled (all zero when
// data is empty), each at offset off%8 into its own allocation.
func vectors(data []byte, count, n int, off uint8) [][]byte {
	out := make([][]byte, count)
	for k := range out {
		o := int(off%8+uint8(k)) % 8
		out[k] = make([]byte, n+o)[o:]
		if len(data) > 0 {
			for i := range out[k] {
				out[k][i] = data[(k*n+i)%len(data)]
			}
		}
	}
	return out
}

// FuzzSectionKernels compares And3, OrAnd3, OrInto, AndInto, Popcount, SetBits,
// AppendSetBits and TestBytes under every implementation and masked variant
// with byte-by-byte references, on vectors of size%1100 bytes cut from data.
func FuzzSectionKernels(f *testing.F) {
	f.Add([]byte{0xff}, uint16(512), uint8(0))
	f.Add([]byte{0x80, 0, 0, 1, 0x10}, uint16(513), uint8(3))
	f.Add([]byte{}, uint16(64), uint8(1))
	f.Add(bytes.Repeat([]byte{0xa5, 0x5a, 0xff, 0x00, 0x01}, 300), uint16(255), uint8(7))
	f.Fuzz(func(t *testing.T, data []byte, size uint16, off uint8) {
		n := int(size) % 1100
		v := vectors(data, 4, n, off)
		a, b, c, start := v[0], v[1], v[2], v[3]
		and3, orAnd3, orInto, andInto := make([]byte, n), make([]byte, n), make([]byte, n), make([]byte, n)
		left, ones := false, 0
		var set []uint64
		for i := range n {
			and3[i] = a[i] & b[i] & c[i]
			orAnd3[i] = start[i] | and3[i]
			orInto[i] = start[i] | a[i]
			andInto[i] = start[i] & c[i]
			left = left || andInto[i] != 0
			ones += bits.OnesCount8(a[i])
			for k := range 8 {
				if a[i]&(0x80>>k) != 0 {
					set = append(set, 3+uint64(8*i+k))
				}
			}
		}
		impltest.ForEach(t, func(impl string) {
			dst := make([]byte, n)
			And3(dst, a, b, c)
			check(t, impl, "And3", n, dst, and3)
			copy(dst, start)
			OrAnd3(dst, a, b, c)
			check(t, impl, "OrAnd3", n, dst, orAnd3)
			copy(dst, start)
			OrInto(dst, a)
			check(t, impl, "OrInto", n, dst, orInto)
			copy(dst, start)
			if got := AndInto(dst, c); got != left {
				t.Fatalf("%s: AndInto n=%d reported %v, want %v", impl, n, got, left)
			}
			check(t, impl, "AndInto", n, dst, andInto)
			if got := Popcount(a); got != ones {
				t.Fatalf("%s: Popcount n=%d = %d, want %d", impl, n, got, ones)
			}
			if got := TestBytes(a); got != (ones > 0) {
				t.Fatalf("%s: TestBytes n=%d = %v, want %v", impl, n, got, ones > 0)
			}
			if got := AppendSetBits(nil, a, 3); !slices.Equal(got, set) {
				t.Fatalf("%s: AppendSetBits n=%d = %v, want %v", impl, n, got, set)
			}
			var seq []uint64
			SetBits(a)(func(i int) bool { seq = append(seq, 3+uint64(i)); return true })
			if !slices.Equal(seq, set) {
				t.Fatalf("%s: SetBits n=%d = %v, want %v", impl, n, seq, set)
			}
		})
	})
}

func check(t *testing.T, impl, op string, n int, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: %s n=%d = %x, want %x", impl, op, n, got, want)
	}
}
