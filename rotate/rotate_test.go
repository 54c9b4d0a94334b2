package rotate

import (
	"bytes"
	"errors"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/bloomsimd/bloomsimd/internal/blooms"
	"github.com/bloomsimd/bloomsimd/internal/cpu"
	"github.com/bloomsimd/bloomsimd/internal/impltest"
)

// reference rotates blooms bit by bit: bit i of bloom j (bit i%8 of its byte
// 255-i/8) goes to vector i, byte j/8, mask 0x80>>(j%8) = 1<<(7-j%8). (Shifted
// into place rather than tested: a branch on random bits is three times slower.)
func reference(bl [][256]byte) [][]byte {
	out := make([][]byte, BloomBitLength)
	for i := range out {
		out[i] = make([]byte, len(bl)/8)
		for j := range bl {
			out[i][j/8] |= (bl[j][255-i/8] >> (i % 8) & 1) << (7 - j%8)
		}
	}
	return out
}

// randomBlooms returns n blooms whose bits are set with probability density.
func randomBlooms(rng *rand.Rand, n int, density float64) [][256]byte {
	out := make([][256]byte, n)
	for j := range out {
		switch {
		case density >= 1:
			for i := range out[j] {
				out[j][i] = 0xff
			}
		case density == 0.5:
			for i := range out[j] {
				out[j][i] = byte(rng.Uint32())
			}
		case density > 0:
			for i := 0; i < BloomBitLength; i++ {
				if rng.Float64() < density {
					out[j][255-i/8] |= 1 << (i % 8)
				}
			}
		}
	}
	return out
}

// withImpls runs f for every implementation this CPU runs and every masked
// variant (impltest.Run: the AVX2 kernel without GFNI, VPMOVMSKB, where the CPU
// has GFNI), in a subtest named by the kernels that run.
func withImpls(t *testing.T, f func(t *testing.T)) {
	impltest.Run(t, func(t *testing.T) { t.Run(Implementation(), f) })
}

func TestExpectedImplementation(t *testing.T) {
	impltest.CheckExpected(t)
	want := os.Getenv("BLOOMSIMD_EXPECT_IMPL")
	got := Implementation()
	if !strings.HasPrefix(got, want) {
		t.Fatalf("Implementation() = %q, want %s", got, want)
	}
	if !cpu.Has.GFNI && strings.HasSuffix(got, "gfni") {
		t.Fatalf("Implementation() = %q on a CPU without GFNI", got)
	}
	t.Logf("rotate kernels: %s", got)
}

func TestTranspose8(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var cases [][8][256]byte
	for _, d := range []float64{0, 1, 0.5, 0.01, 0.5, 0.5} {
		var g [8][256]byte
		copy(g[:], randomBlooms(rng, 8, d))
		cases = append(cases, g)
	}
	// Single bits: every bloom of the group, every bit under -short a sample.
	step := 1
	if testing.Short() {
		step = 37
	}
	for k := 0; k < 8; k++ {
		for i := k; i < BloomBitLength; i += step {
			var g [8][256]byte
			g[k][255-i/8] = 1 << (i % 8)
			cases = append(cases, g)
		}
	}
	want := make([][BloomBitLength]byte, len(cases))
	for n := range cases {
		for i, v := range reference(cases[n][:]) {
			want[n][i] = v[0]
		}
	}
	withImpls(t, func(t *testing.T) {
		for n := range cases {
			var got [BloomBitLength]byte
			Transpose8(&got, &cases[n])
			if got != want[n] {
				for i := range got {
					if got[i] != want[n][i] {
						t.Fatalf("case %d: byte %d = %#02x, want %#02x", n, i, got[i], want[n][i])
					}
				}
			}
		}
	})
}

func TestScatter(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	r := new(rows)
	for g := range r {
		for i := range r[g] {
			r[g][i] = byte(rng.Uint32())
		}
	}
	withImpls(t, func(t *testing.T) {
		for n := 1; n <= batchGroups; n++ {
			if testing.Short() && n > 17 && n%8 != 0 && n%8 != 7 {
				continue
			}
			for _, extra := range []int{0, 3, 64} {
				stride := n + extra
				const guard = 64
				buf := make([]byte, guard+(BloomBitLength-1)*stride+n+guard)
				for i := range buf {
					buf[i] = 0xa5
				}
				dst := buf[guard : len(buf)-guard]
				scatter(dst, stride, r, n)
				for i := 0; i < BloomBitLength; i++ {
					for g := 0; g < stride && i*stride+g < len(dst); g++ {
						want := byte(0xa5)
						if g < n {
							want = r[g][i]
						}
						if got := dst[i*stride+g]; got != want {
							t.Fatalf("n=%d stride=%d: vector %d byte %d = %#02x, want %#02x", n, stride, i, g, got, want)
						}
					}
				}
				for i := 0; i < guard; i++ {
					if buf[i] != 0xa5 || buf[len(buf)-1-i] != 0xa5 {
						t.Fatalf("n=%d stride=%d: wrote outside dst", n, stride)
					}
				}
			}
		}
	})
}

// inputs are the sections the generator tests rotate.
func inputs(t testing.TB, n int) map[string][][256]byte {
	rng := rand.New(rand.NewPCG(5, 6))
	in := map[string][][256]byte{
		"zero":   make([][256]byte, n),
		"one":    randomBlooms(rng, n, 1),
		"sparse": randomBlooms(rng, n, 0.01),
		"dense":  randomBlooms(rng, n, 0.5),
	}
	if real, err := blooms.Section(n); err == nil {
		in["real"] = real
	} else {
		t.Logf("no real blooms: %v", err)
	}
	return in
}

func checkBitsets(t *testing.T, g *Generator, want [][]byte) {
	t.Helper()
	for i := range want {
		got, err := g.Bitset(uint(i))
		if err != nil {
			t.Fatalf("Bitset(%d): %v", i, err)
		}
		if !bytes.Equal(got, want[i]) {
			t.Fatalf("Bitset(%d) = %x, want %x", i, got, want[i])
		}
		if cap(got) != len(got) {
			t.Fatalf("Bitset(%d): cap %d, want %d", i, cap(got), len(got))
		}
	}
}

func TestGenerator(t *testing.T) {
	sizes := []int{8, 16, 64, 72, 504, 512, 520, 1032, 4096}
	if testing.Short() {
		sizes = []int{8, 72, 520, 4096}
	}
	type section struct {
		name string
		in   [][256]byte
		want [][]byte
	}
	var sections []section
	for _, n := range sizes {
		for name, bl := range inputs(t, n) {
			if testing.Short() && n == 4096 && name != "dense" {
				continue
			}
			sections = append(sections, section{name: fmt.Sprintf("sections=%d/input=%s", n, name), in: bl, want: reference(bl)})
		}
	}
	withImpls(t, func(t *testing.T) {
		for _, s := range sections {
			t.Run(s.name, func(t *testing.T) {
				n := len(s.in)
				g, err := NewGenerator(uint(n))
				if err != nil {
					t.Fatal(err)
				}
				for j := range s.in {
					if err := g.AddBloom(uint(j), s.in[j]); err != nil {
						t.Fatalf("AddBloom(%d): %v", j, err)
					}
				}
				checkBitsets(t, g, s.want)

				// The same section again after Reset, in uneven batches that
				// split groups and batches of groups.
				for _, chunk := range []int{1, 3, 8, 13, 64, 500, n} {
					if testing.Short() && chunk != 13 {
						continue
					}
					g.Reset()
					for j := 0; j < n; j += chunk {
						end := min(j+chunk, n)
						if err := g.AddBlooms(uint(j), s.in[j:end]); err != nil {
							t.Fatalf("AddBlooms(%d, %d blooms): %v", j, end-j, err)
						}
					}
					checkBitsets(t, g, s.want)
				}
			})
		}
	})
}

func TestGeneratorErrors(t *testing.T) {
	for _, n := range []uint{1, 7, 9, 4095} {
		if g, err := NewGenerator(n); err != ErrSectionCount || g != nil {
			t.Errorf("NewGenerator(%d) = %v, %v; want nil, %v", n, g, err, ErrSectionCount)
		}
	}
	if bits.UintSize == 64 { // 2^50 blooms: a 2^47-byte matrix, more than Go allocates
		huge := uint(1) << (bits.UintSize - 14)
		if _, err := NewGenerator(huge); err != ErrSectionsTooLarge {
			t.Errorf("NewGenerator(%d) error %v, want %v", huge, err, ErrSectionsTooLarge)
		}
	}
	if _, err := NewGenerator(^uint(0) &^ 7); err != ErrSectionsTooLarge {
		t.Errorf("NewGenerator(huge) error %v, want %v", err, ErrSectionsTooLarge)
	}
	// The documented bound: the largest size is accepted, the next one is not.
	if _, err := NewGenerator(MaxSectionSize + 8); err != ErrSectionsTooLarge {
		t.Errorf("NewGenerator(MaxSectionSize+8) error %v, want %v", err, ErrSectionsTooLarge)
	}
	if !testing.Short() { // a 256 MiB matrix
		if g, err := NewGenerator(MaxSectionSize); err != nil || g == nil {
			t.Errorf("NewGenerator(MaxSectionSize) = %v, %v", g, err)
		}
	}
	// Zero sections, as in go-ethereum: full at once, with empty vectors.
	g, err := NewGenerator(0)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.AddBloom(0, [256]byte{}); err != ErrSectionOutOfBounds {
		t.Errorf("AddBloom on 0 sections: %v", err)
	}
	if b, err := g.Bitset(5); err != nil || b == nil || len(b) != 0 {
		t.Errorf("Bitset on 0 sections = %v, %v", b, err)
	}

	g, _ = NewGenerator(16)
	var bloom [256]byte
	if _, err := g.Bitset(0); err != ErrNotGenerated {
		t.Errorf("Bitset on empty generator: %v", err)
	}
	if err := g.AddBloom(1, bloom); err != ErrUnexpectedIndex {
		t.Errorf("AddBloom out of order: %v", err)
	}
	if err := g.AddBlooms(1, make([][256]byte, 2)); err != ErrUnexpectedIndex {
		t.Errorf("AddBlooms out of order: %v", err)
	}
	if err := g.AddBlooms(0, make([][256]byte, 17)); err != ErrSectionOutOfBounds {
		t.Errorf("AddBlooms over capacity: %v", err)
	}
	if err := g.AddBlooms(0, nil); err != nil {
		t.Errorf("AddBlooms of nothing: %v", err)
	}
	for j := uint(0); j < 15; j++ {
		if err := g.AddBloom(j, bloom); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := g.Bitset(0); err != ErrNotGenerated {
		t.Errorf("Bitset before the last bloom: %v", err)
	}
	if err := g.AddBlooms(15, make([][256]byte, 2)); err != ErrSectionOutOfBounds {
		t.Errorf("AddBlooms past the end: %v", err)
	}
	if err := g.AddBloom(15, bloom); err != nil {
		t.Fatal(err)
	}
	if err := g.AddBloom(16, bloom); err != ErrSectionOutOfBounds {
		t.Errorf("AddBloom on a full section: %v", err)
	}
	if err := g.AddBloom(3, bloom); err != ErrSectionOutOfBounds {
		t.Errorf("AddBloom with a wrong index on a full section: %v", err)
	}
	if err := g.AddBlooms(16, make([][256]byte, 1)); err != ErrSectionOutOfBounds {
		t.Errorf("AddBlooms on a full section: %v", err)
	}
	if _, err := g.Bitset(BloomBitLength); err != ErrBloomBitOutOfBounds {
		t.Errorf("Bitset(2048): %v", err)
	}
	if _, err := g.Bitset(^uint(0)); !errors.Is(err, ErrBloomBitOutOfBounds) {
		t.Errorf("Bitset(max): %v", err)
	}
	if b, err := g.Bitset(BloomBitLength - 1); err != nil || len(b) != 2 {
		t.Errorf("Bitset(2047) = %x, %v", b, err)
	}
}

func TestGeneratorAllocs(t *testing.T) {
	bl := randomBlooms(rand.New(rand.NewPCG(7, 8)), 4096, 0.5)
	g, _ := NewGenerator(4096)
	allocs := testing.AllocsPerRun(3, func() {
		g.Reset()
		for j := range bl {
			if err := g.AddBloom(uint(j), bl[j]); err != nil {
				t.Fatal(err)
			}
		}
		g.Reset()
		if err := g.AddBlooms(0, bl); err != nil {
			t.Fatal(err)
		}
		for i := uint(0); i < BloomBitLength; i++ {
			if _, err := g.Bitset(i); err != nil {
				t.Fatal(err)
			}
		}
	})
	if allocs != 0 {
		t.Errorf("a section allocates %v times, want 0", allocs)
	}
}

func TestTranspose(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	withImpls(t, func(t *testing.T) {
		for _, n := range []int{0, 8, 24, 512, 520, 1040} {
			bl := randomBlooms(rng, n, 0.5)
			want := reference(bl)
			width := n / 8
			for _, stride := range []int{width, width + 5} {
				if stride == 0 {
					stride = 1
				}
				dst := make([]byte, (BloomBitLength-1)*stride+width)
				for i := range dst {
					dst[i] = 0x5a
				}
				if err := Transpose(dst, stride, bl); err != nil {
					t.Fatal(err)
				}
				for i := 0; i < BloomBitLength; i++ {
					if !bytes.Equal(dst[i*stride:i*stride+width], want[i]) {
						t.Fatalf("n=%d stride=%d: vector %d = %x, want %x", n, stride, i, dst[i*stride:i*stride+width], want[i])
					}
					for j := i*stride + width; j < min((i+1)*stride, len(dst)); j++ {
						if dst[j] != 0x5a {
							t.Fatalf("n=%d stride=%d: wrote byte %d between vectors", n, stride, j)
						}
					}
				}
			}
		}
	})
	bl := make([][256]byte, 16)
	for _, c := range []struct {
		dst    []byte
		stride int
		bl     [][256]byte
		want   error
	}{
		{make([]byte, 4096), 2, bl[:7], ErrTransposeBloomCount},
		{make([]byte, 4096), 1, bl, ErrTransposeStride},
		{make([]byte, 2047*2+1), 2, bl, ErrTransposeDst},
		{nil, 2, bl, ErrTransposeDst},
		{make([]byte, 4096), -2, bl, ErrTransposeStride},
	} {
		if err := Transpose(c.dst, c.stride, c.bl); !errors.Is(err, c.want) {
			t.Errorf("Transpose(len %d, stride %d, %d blooms): %v, want %v", len(c.dst), c.stride, len(c.bl), err, c.want)
		}
	}
}
