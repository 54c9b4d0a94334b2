package index

import (
	"bytes"
	"context"
	"math/rand/v2"
	"testing"
)

// FuzzPreciseValue: decoding any stored value either fails or gives a vector
// whose encoding decodes to it again; it never panics.
func FuzzPreciseValue(f *testing.F) {
	f.Add([]byte{preciseZero}, uint8(8))
	f.Add([]byte{preciseCompressed, 0x80, 0xff}, uint8(8))
	f.Add([]byte{preciseCompressed, 0xff, 0xff}, uint8(1))
	f.Fuzz(func(t *testing.T, value []byte, width uint8) {
		dst := make([]byte, int(width))
		if err := decodePreciseValue(dst, value); err != nil {
			return
		}
		again := make([]byte, len(dst))
		if err := decodePreciseValue(again, appendPreciseValue(nil, dst)); err != nil || !bytes.Equal(again, dst) {
			t.Fatalf("re-encoded %x: %x, %v", dst, again, err)
		}
	})
}

// FuzzPreciseRoundTrip: what the writer stores, the reader reads back as the
// reference vectors, for sections made from the fuzzer's seed.
func FuzzPreciseRoundTrip(f *testing.F) {
	f.Add(uint64(1), uint8(3), uint8(10), uint8(1))
	f.Add(uint64(2), uint8(1), uint8(0), uint8(2))
	f.Fuzz(func(t *testing.T, seed uint64, probes, maxValues, widthLog uint8) {
		g := Geometry{Bits: 2048 << (widthLog % 3), Probes: uint32(probes%PreciseMaxProbes) + 1, Key: [16]byte{byte(seed)}}
		rng := rand.New(rand.NewPCG(seed, 1))
		size := uint64(8 * (1 + rng.IntN(16)))
		c := newPreciseChain(t, size, g)
		blocks := randomBlocks(rng, int(size), int(maxValues%32), 1+rng.IntN(64))
		head := testHead(seed%5, canonicalVariant)
		c.index(t, seed%5, blocks, head)
		c.setCanonical(seed%5, head)
		ref := preciseRef(g, int(size), blocks)
		r := c.reader(t)
		for range 16 {
			p := uint(rng.IntN(int(g.Bits)))
			dst := garbage(1, int(size/8))
			if err := r.Bitsets(context.Background(), p, seed%5, dst); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(dst[0], ref[p]) {
				t.Fatalf("position %d: %x, want %x", p, dst[0], ref[p])
			}
		}
	})
}
