package rotate

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/bloomsimd/bloomsimd/internal/guardpage"
)

// The guard-page tests put the blooms and the vectors of the kernels right
// before an inaccessible page, and again right after one, each in a region of
// its own: a load or store one byte outside them faults.

// placements names where the buffers sit: against the page after, or the page before.
var placements = []struct {
	name    string
	atStart bool
}{{"end-at-guard", false}, {"start-at-guard", true}}

func TestTranspose8GuardPages(t *testing.T) {
	m := guardpage.ForTest(t, 2, BloomBitLength)
	rng := rand.New(rand.NewPCG(31, 32))
	var src [8][BloomByteLength]byte
	copy(src[:], randomBlooms(rng, 8, 0.5))
	var want [BloomBitLength]byte
	for i, v := range reference(src[:]) {
		want[i] = v[0]
	}
	withImpls(t, func(t *testing.T) {
		for _, pl := range placements {
			dst := (*[BloomBitLength]byte)(m.At(pl.atStart, 0, BloomBitLength))
			blooms := (*[8][BloomByteLength]byte)(guardpage.Blooms(m.At(pl.atStart, 1, 8*BloomByteLength)))
			*blooms = src
			clear(dst[:])
			Transpose8(dst, blooms)
			if *dst != want {
				t.Fatalf("%s: Transpose8 differs from the reference", pl.name)
			}
		}
	})
}

// Transpose with vectors that end exactly at the page: the last vector's last
// byte is the last accessible one.
func TestTransposeGuardPages(t *testing.T) {
	widths := []int{1, 2, 7, 8, 9, 15, 16, 17, 63, 64, 65, 127, 128, 129}
	maxWidth := widths[len(widths)-1]
	const maxExtra = 9
	m := guardpage.ForTest(t, 2, (BloomBitLength-1)*(maxWidth+maxExtra)+maxWidth)
	rng := rand.New(rand.NewPCG(33, 34))
	type section struct {
		bl   [][BloomByteLength]byte
		want [][]byte
	}
	sections := make(map[int]section)
	for _, w := range widths {
		bl := randomBlooms(rng, 8*w, 0.5)
		sections[w] = section{bl, reference(bl)}
	}
	withImpls(t, func(t *testing.T) {
		for _, pl := range placements {
			for _, w := range widths {
				s := sections[w]
				bl := guardpage.Blooms(m.At(pl.atStart, 1, 8*w*BloomByteLength))
				copy(bl, s.bl)
				for _, stride := range []int{w, w + 1, w + maxExtra} {
					name := fmt.Sprintf("%s width=%d stride=%d", pl.name, w, stride)
					dst := m.At(pl.atStart, 0, (BloomBitLength-1)*stride+w)
					for i := range dst {
						dst[i] = 0x5a
					}
					if err := Transpose(dst, stride, bl); err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					for i := range BloomBitLength {
						if got := dst[i*stride : i*stride+w]; !bytes.Equal(got, s.want[i]) {
							t.Fatalf("%s: vector %d = %x, want %x", name, i, got, s.want[i])
						}
						for j := i*stride + w; j < min((i+1)*stride, len(dst)); j++ {
							if dst[j] != 0x5a {
								t.Fatalf("%s: wrote byte %d between vectors", name, j)
							}
						}
					}
				}
			}
		}
	})
}

// The Generator reads the caller's blooms in place (whole groups of 8 go
// straight to the kernels): blooms that end at the page.
func TestGeneratorGuardPages(t *testing.T) {
	sizes := []int{8, 16, 72, 520}
	m := guardpage.ForTest(t, 1, 520*BloomByteLength)
	rng := rand.New(rand.NewPCG(35, 36))
	withImpls(t, func(t *testing.T) {
		for _, pl := range placements {
			for _, n := range sizes {
				bl := guardpage.Blooms(m.At(pl.atStart, 0, n*BloomByteLength))
				copy(bl, randomBlooms(rng, n, 0.5))
				want := reference(bl)
				for _, first := range []int{0, 3} { // 3: the rest starts off a group
					g, err := NewGenerator(uint(n))
					if err != nil {
						t.Fatal(err)
					}
					if err := g.AddBlooms(0, bl[:first]); err != nil {
						t.Fatal(err)
					}
					if err := g.AddBlooms(uint(first), bl[first:]); err != nil {
						t.Fatal(err)
					}
					for i := range want {
						if got, err := g.Bitset(uint(i)); err != nil || !bytes.Equal(got, want[i]) {
							t.Fatalf("%s n=%d first=%d: Bitset(%d) = %x, %v; want %x", pl.name, n, first, i, got, err, want[i])
						}
					}
				}
			}
		}
	})
}
