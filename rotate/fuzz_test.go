package rotate

import (
	"bytes"
	"testing"
)

// FuzzGenerator rotates a section built from the fuzz input: its bytes fill the
// blooms (repeated), the first byte picks the section size and the second the
// AddBlooms batch size; the vectors must match the bit-by-bit reference.
func FuzzGenerator(f *testing.F) {
	f.Add([]byte{0, 0, 1, 2, 3})
	f.Add([]byte{7, 3, 0xff, 0x00, 0x80})
	f.Add([]byte{63, 200, 0x55})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 3 {
			return
		}
		n := 8 * (1 + int(data[0])%80) // 8 .. 640 blocks: partial groups of rows
		chunk := 1 + int(data[1])
		data = data[2:]
		bl := make([][256]byte, n)
		for j := range bl {
			for i := range bl[j] {
				bl[j][i] = data[(j*256+i)%len(data)]
			}
		}
		want := reference(bl)
		g, err := NewGenerator(uint(n))
		if err != nil {
			t.Fatal(err)
		}
		for j := 0; j < n; j += chunk {
			if err := g.AddBlooms(uint(j), bl[j:min(j+chunk, n)]); err != nil {
				t.Fatal(err)
			}
		}
		for i := range want {
			got, err := g.Bitset(uint(i))
			if err != nil || !bytes.Equal(got, want[i]) {
				t.Fatalf("n=%d chunk=%d: Bitset(%d) = %x, %v; want %x", n, chunk, i, got, err, want[i])
			}
		}
	})
}
