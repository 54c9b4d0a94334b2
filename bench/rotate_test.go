package bench

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/bloomsimd/bloomsimd/bitops"
	"github.com/bloomsimd/bloomsimd/internal/blooms"
	"github.com/bloomsimd/bloomsimd/internal/cpu"
	"github.com/bloomsimd/bloomsimd/rotate"
	"github.com/ethereum/go-ethereum/core/bloombits"
	"github.com/ethereum/go-ethereum/core/types"
)

// rotateImpls calls f once per implementation of ourRotate, selected, with its
// name: the bitops implementations, and on AVX2 machines with GFNI also
// "avx2-vpmovmskb", the AVX2 kernel for CPUs without GFNI.
func rotateImpls(tb testing.TB, f func(name string)) {
	for _, name := range bitops.Implementations() {
		restore, err := cpu.Set(name)
		if err != nil {
			tb.Fatal(err)
		}
		f(name)
		if name == "avx2" && cpu.Has.GFNI {
			cpu.Has.GFNI = false
			f("avx2-vpmovmskb")
			cpu.Has.GFNI = true
		}
		restore()
	}
}

// rotateInputs are the 4096-bloom sections of the equivalence tests and
// benchmarks: all-zero, 1% and 50% of bits set at random, all-one, and the real
// real blooms (internal/blooms/testdata) tiled.
func rotateInputs(t testing.TB, n int) []rotateInput {
	rng := rand.New(rand.NewPCG(11, 12))
	random := func(density float64) [][256]byte {
		out := make([][256]byte, n)
		for j := range out {
			for i := 0; i < 2048; i++ {
				if rng.Float64() < density {
					out[j][255-i/8] |= 1 << (i % 8)
				}
			}
		}
		return out
	}
	real, err := blooms.Section(n)
	if err != nil {
		t.Fatal(err)
	}
	return []rotateInput{
		{"zero", make([][256]byte, n)},
		{"sparse", random(0.01)},
		{"dense", random(0.5)},
		{"one", random(1)},
		{"real", real},
	}
}

type rotateInput struct {
	name   string
	blooms [][256]byte
}

// gethRotate rotates a section with go-ethereum's Generator.
func gethRotate(t *testing.T, bl [][256]byte) [][]byte {
	g, err := bloombits.NewGenerator(uint(len(bl)))
	if err != nil {
		t.Fatal(err)
	}
	for j := range bl {
		if err := g.AddBloom(uint(j), types.Bloom(bl[j])); err != nil {
			t.Fatal(err)
		}
	}
	out := make([][]byte, types.BloomBitLength)
	for i := range out {
		if out[i], err = g.Bitset(uint(i)); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func TestGeneratorMatchesGeth(t *testing.T) {
	for _, n := range []int{8, 64, 520, 4096} {
		for _, in := range rotateInputs(t, n) {
			want := gethRotate(t, in.blooms)
			rotateImpls(t, func(name string) {
				t.Run(fmt.Sprintf("sections=%d/input=%s/impl=%s", n, in.name, name), func(t *testing.T) {
					checkRotate(t, n, in.blooms, want)
				})
			})
		}
	}
}

// checkRotate adds blooms one by one with go-ethereum's types.Bloom, then
// again after Reset in uneven batches (partial groups of 8 and of 512 blooms),
// and compares the vectors with go-ethereum's.
func checkRotate(t *testing.T, n int, bl [][256]byte, want [][]byte) {
	g, err := rotate.NewGenerator(uint(n))
	if err != nil {
		t.Fatal(err)
	}
	for j := range bl {
		if err := g.AddBloom(uint(j), types.Bloom(bl[j])); err != nil {
			t.Fatal(err)
		}
	}
	compareRotated(t, g, want)
	g.Reset()
	for j, chunk := 0, 5; j < n; j, chunk = j+chunk, chunk*3 {
		end := min(j+chunk, n)
		if err := g.AddBlooms(uint(j), bl[j:end]); err != nil {
			t.Fatal(err)
		}
	}
	compareRotated(t, g, want)
}

func compareRotated(t *testing.T, g *rotate.Generator, want [][]byte) {
	t.Helper()
	for i := range want {
		got, err := g.Bitset(uint(i))
		if err != nil {
			t.Fatalf("Bitset(%d): %v", i, err)
		}
		if !bytes.Equal(got, want[i]) {
			t.Fatalf("Bitset(%d) = %x, go-ethereum %x", i, got, want[i])
		}
	}
}

// rotateGenerator is what the error test drives on both sides.
type rotateGenerator interface {
	AddBloom(uint, types.Bloom) error
	Bitset(uint) ([]byte, error)
}

type ourRotate struct{ *rotate.Generator }

func (g ourRotate) AddBloom(i uint, b types.Bloom) error { return g.Generator.AddBloom(i, b) }

// TestGeneratorErrorsMatchGeth replays the same calls on both generators and
// requires the same results and error messages.
func TestGeneratorErrorsMatchGeth(t *testing.T) {
	for _, sections := range []uint{0, 1, 4, 7, 8, 9, 12, 16, 24, 4095, 4096} {
		gg, gerr := bloombits.NewGenerator(sections)
		og, oerr := rotate.NewGenerator(sections)
		sameRotateErr(t, fmt.Sprintf("NewGenerator(%d)", sections), oerr, gerr)
		if gerr != nil {
			if og != nil {
				t.Errorf("NewGenerator(%d) returned a rotateGenerator with an error", sections)
			}
			continue
		}
		geth, mine := rotateGenerator(gg), rotateGenerator(ourRotate{og})
		bitset := func(idx uint) {
			gb, gerr := geth.Bitset(idx)
			ob, oerr := mine.Bitset(idx)
			sameRotateErr(t, fmt.Sprintf("sections=%d Bitset(%d)", sections, idx), oerr, gerr)
			if !bytes.Equal(gb, ob) || (gb == nil) != (ob == nil) {
				t.Errorf("sections=%d Bitset(%d) = %x, go-ethereum %x", sections, idx, ob, gb)
			}
		}
		add := func(idx uint) {
			var b types.Bloom
			b[idx%256] = byte(idx) | 1
			sameRotateErr(t, fmt.Sprintf("sections=%d AddBloom(%d)", sections, idx), mine.AddBloom(idx, b), geth.AddBloom(idx, b))
		}
		bitset(0)
		add(1) // out of order
		for i := uint(0); i < sections; i++ {
			if i == sections/2 {
				bitset(3) // not yet generated
				add(i + 1)
				add(i - 1)
			}
			add(i)
		}
		add(sections)     // section full
		add(sections + 1) // full and out of order
		add(0)
		for _, idx := range []uint{0, 7, 2047, 2048, 2049, 1 << 20, ^uint(0)} {
			bitset(idx)
		}
	}
}

func sameRotateErr(t *testing.T, what string, ourRotate, geth error) {
	t.Helper()
	switch {
	case (ourRotate == nil) != (geth == nil):
		t.Errorf("%s: error %v, go-ethereum %v", what, ourRotate, geth)
	case ourRotate != nil && ourRotate.Error() != geth.Error():
		t.Errorf("%s: error %q, go-ethereum %q", what, ourRotate, geth)
	}
}
