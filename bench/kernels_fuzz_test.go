package bench

import (
	"bytes"
	"testing"

	"github.com/bloomsimd/bloomsimd/bitops"
	"github.com/bloomsimd/bloomsimd/internal/impltest"
	"github.com/bloomsimd/bloomsimd/rotate"
	"github.com/ethereum/go-ethereum/common/bitutil"
)

// The kernel fuzz targets against go-ethereum: every implementation and masked
// variant of ours (impltest.ForEach) against go-ethereum's code for the same
// result. The main module fuzzes the same kernels against its pure-Go references.

// fuzzVectors returns count vectors of n bytes cut from data, cycled (all zero
// when data is empty).
func fuzzVectors(data []byte, count, n int) [][]byte {
	out := make([][]byte, count)
	for k := range out {
		out[k] = make([]byte, n)
		if len(data) > 0 {
			for i := range out[k] {
				out[k][i] = data[(k*n+i)%len(data)]
			}
		}
	}
	return out
}

// FuzzSectionKernelsGeth: go-ethereum has no section kernels, but its matcher
// gets the same vectors from bitutil: And3 and OrAnd3 from ANDBytes and ORBytes,
// OrInto from ORBytes, AndInto from ANDBytes and TestBytes. Vectors are
// size%1100 bytes cut from data.
func FuzzSectionKernelsGeth(f *testing.F) {
	f.Add([]byte{0xff}, uint16(512))
	f.Add([]byte{0x80, 0, 0, 1, 0x10}, uint16(513))
	f.Add(bytes.Repeat([]byte{0xa5, 0x5a, 0xff, 0x00, 0x01}, 300), uint16(255))
	f.Fuzz(func(t *testing.T, data []byte, size uint16) {
		n := int(size) % 1100
		v := fuzzVectors(data, 4, n)
		a, b, c, start := v[0], v[1], v[2], v[3]
		and3, orAnd3, orInto, andInto := make([]byte, n), make([]byte, n), make([]byte, n), make([]byte, n)
		bitutil.ANDBytes(and3, a, b)
		bitutil.ANDBytes(and3, and3, c)
		bitutil.ORBytes(orAnd3, start, and3)
		bitutil.ORBytes(orInto, start, a)
		bitutil.ANDBytes(andInto, start, c)
		left := bitutil.TestBytes(andInto)
		impltest.ForEach(t, func(impl string) {
			dst := make([]byte, n)
			bitops.And3(dst, a, b, c)
			fuzzCheck(t, impl, "And3", dst, and3)
			copy(dst, start)
			bitops.OrAnd3(dst, a, b, c)
			fuzzCheck(t, impl, "OrAnd3", dst, orAnd3)
			copy(dst, start)
			bitops.OrInto(dst, a)
			fuzzCheck(t, impl, "OrInto", dst, orInto)
			copy(dst, start)
			if got := bitops.AndInto(dst, c); got != left {
				t.Fatalf("%s: AndInto n=%d reported %v, go-ethereum's TestBytes %v", impl, n, got, left)
			}
			fuzzCheck(t, impl, "AndInto", dst, andInto)
		})
	})
}

func fuzzCheck(t *testing.T, impl, op string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: %s n=%d = %x, go-ethereum %x", impl, op, len(want), got, want)
	}
}

// FuzzTransposeGeth rotates 8*(1+width%72) blooms cut from data (cycled) with
// rotate.Transpose into vectors stride = width + extra%10 bytes apart, and
// compares them with go-ethereum's Generator.
func FuzzTransposeGeth(f *testing.F) {
	f.Add([]byte{0xff}, uint8(0), uint8(0))
	f.Add([]byte{1, 2, 3, 0x80}, uint8(64), uint8(3))
	f.Fuzz(func(t *testing.T, data []byte, width, extra uint8) {
		w := 1 + int(width)%72
		stride := w + int(extra)%10
		bl := make([][256]byte, 8*w)
		if len(data) > 0 {
			for j := range bl {
				for i := range bl[j] {
					bl[j][i] = data[(j*256+i)%len(data)]
				}
			}
		}
		want := gethRotate(t, bl)
		dst := make([]byte, (rotate.BloomBitLength-1)*stride+w)
		impltest.ForEach(t, func(impl string) {
			clear(dst)
			if err := rotate.Transpose(dst, stride, bl); err != nil {
				t.Fatalf("%s: width=%d stride=%d: %v", impl, w, stride, err)
			}
			for i := range want {
				if got := dst[i*stride : i*stride+w]; !bytes.Equal(got, want[i]) {
					t.Fatalf("%s: width=%d stride=%d: vector %d = %x, go-ethereum %x", impl, w, stride, i, got, want[i])
				}
			}
		})
	})
}
