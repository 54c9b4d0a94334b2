package rotate

import (
	"bytes"
	"testing"

	"github.com/bloomsimd/bloomsimd/internal/impltest"
)

// FuzzTranspose rotates 8*(1+width%72) blooms cut from data (cycled) into
// vectors stride = width + extra%10 bytes apart, under every implementation and
// masked variant: the vectors must match the bit-by-bit reference, and the bytes
// between them keep their value. 72 groups cross the 64-group batch.
func FuzzTranspose(f *testing.F) {
	f.Add([]byte{0xff}, uint8(0), uint8(0))
	f.Add([]byte{1, 2, 3, 0x80}, uint8(64), uint8(3))
	f.Add([]byte{0x55, 0, 0xaa}, uint8(8), uint8(9))
	f.Fuzz(func(t *testing.T, data []byte, width, extra uint8) {
		w := 1 + int(width)%72
		stride := w + int(extra)%10
		bl := make([][BloomByteLength]byte, 8*w)
		if len(data) > 0 {
			for j := range bl {
				for i := range bl[j] {
					bl[j][i] = data[(j*BloomByteLength+i)%len(data)]
				}
			}
		}
		want := reference(bl)
		dst := make([]byte, (BloomBitLength-1)*stride+w)
		impltest.ForEach(t, func(impl string) {
			for i := range dst {
				dst[i] = 0x5a
			}
			if err := Transpose(dst, stride, bl); err != nil {
				t.Fatalf("%s: width=%d stride=%d: %v", impl, w, stride, err)
			}
			for i := range BloomBitLength {
				if got := dst[i*stride : i*stride+w]; !bytes.Equal(got, want[i]) {
					t.Fatalf("%s: width=%d stride=%d: vector %d = %x, want %x", impl, w, stride, i, got, want[i])
				}
				for j := i*stride + w; j < min((i+1)*stride, len(dst)); j++ {
					if dst[j] != 0x5a {
						t.Fatalf("%s: width=%d stride=%d: wrote byte %d between vectors", impl, w, stride, j)
					}
				}
			}
		})
	})
}
