package bench

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/bloomsimd/bloomsimd/bitops"
	"github.com/bloomsimd/bloomsimd/internal/blooms"
	"github.com/bloomsimd/bloomsimd/internal/cpu"
	"github.com/ethereum/go-ethereum/common/bitutil"
)

// Equivalence with go-ethereum's common/bitutil compression, and the side-by-side
// benchmarks on 512-byte section vectors.

// bitVector returns n bytes with each bit set with probability density.
func bitVector(r *rand.Rand, n int, density float64) []byte {
	p := make([]byte, n)
	for i := range 8 * n {
		if density >= 1 || r.Float64() < density {
			p[i/8] |= 0x80 >> (i % 8)
		}
	}
	return p
}

// sameResult compares two decoder answers: the same bytes (nil-ness included) and
// the same error message (go-ethereum's error values are unexported).
func sameResult(a []byte, aerr error, b []byte, berr error) bool {
	if (aerr == nil) != (berr == nil) || aerr != nil && aerr.Error() != berr.Error() {
		return false
	}
	return bytes.Equal(a, b) && (a == nil) == (b == nil)
}

// checkDecompress runs both decoders on the same input and target.
func checkDecompress(t testing.TB, data []byte, target int) {
	want, werr := bitutil.DecompressBytes(data, target)
	got, err := bitops.DecompressBytes(data, target)
	if !sameResult(got, err, want, werr) {
		t.Fatalf("DecompressBytes(%x, %d): ours %x, %v; geth %x, %v", data, target, got, err, want, werr)
	}
	if target < 0 {
		return
	}
	dst := make([]byte, target)
	if err := bitops.DecompressInto(dst, data); (err == nil) != (werr == nil) ||
		err != nil && err.Error() != werr.Error() || err == nil && !bytes.Equal(dst, want) {
		t.Fatalf("DecompressInto(%x, [%d]): ours %x, %v; geth %x, %v", data, target, dst, err, want, werr)
	}
}

// checkCompress compares compression and the decoding of its result.
func checkCompress(t testing.TB, data []byte) {
	want := bitutil.CompressBytes(data)
	got := bitops.CompressBytes(data)
	if !bytes.Equal(got, want) || (got == nil) != (want == nil) {
		t.Fatalf("CompressBytes(%x): ours %x, geth %x", data, got, want)
	}
	if app := bitops.AppendCompressed([]byte{1, 2}, data); !bytes.Equal(app[2:], want) {
		t.Fatalf("AppendCompressed(%x): ours %x, geth %x", data, app[2:], want)
	}
	checkDecompress(t, want, len(data))
}

func TestCompressEquivalence(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(6, 6))
		for n := 0; n <= 4096; n++ {
			if n > 1100 && n%64 > 1 || testing.Short() && n > 130 && n%64 > 1 {
				continue
			}
			for _, d := range []float64{0, 0.001, 0.01, 0.1, 0.5, 1} {
				checkCompress(t, bitVector(r, n, d))
			}
		}
	})
}

func TestCompressEquivalenceRealBlooms(t *testing.T) {
	section, err := blooms.Section(4096)
	if err != nil {
		t.Fatal(err)
	}
	// A sparse section too: every 50th block's bloom, the rest empty.
	sparse := make([][256]byte, 4096)
	for i := 0; i < len(sparse); i += 50 {
		sparse[i] = section[i]
	}
	forEachImpl(t, func(t *testing.T) {
		for _, s := range [][][256]byte{section, sparse} {
			for bit := 0; bit < 2048; bit++ {
				if testing.Short() && bit%8 != 0 {
					continue
				}
				v := make([]byte, 512)
				for j, bloom := range s {
					if bloom[255-bit/8]&(1<<(bit%8)) != 0 {
						v[j/8] |= 0x80 >> (j % 8)
					}
				}
				checkCompress(t, v)
			}
		}
	})
}

// mutated returns a valid encoding with a few random changes.
func mutated(r *rand.Rand, enc []byte) []byte {
	p := bytes.Clone(enc)
	for range 1 + r.IntN(3) {
		switch op := r.IntN(5); {
		case op == 0 && len(p) > 0:
			p[r.IntN(len(p))] ^= 1 << r.IntN(8)
		case op == 1 && len(p) > 0:
			p[r.IntN(len(p))] = 0
		case op == 2:
			i := r.IntN(len(p) + 1)
			p = append(p[:i], append([]byte{byte(r.Uint32())}, p[i:]...)...)
		case op == 3 && len(p) > 0:
			p = append(p[:r.IntN(len(p))], p[r.IntN(len(p)):]...)
		default:
			p = append(p, byte(r.Uint32()))
		}
	}
	return p
}

// TestDecompressEquivalence feeds both decoders random, mutated and valid inputs at
// their own and other targets, and requires the same answers.
func TestDecompressEquivalence(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(7, 7))
		iters := 30000
		if testing.Short() {
			iters = 3000
		}
		for it := range iters {
			n := r.IntN(1100)
			if it%4 == 0 {
				n = 512
			}
			enc := bitutil.CompressBytes(bitVector(r, n, []float64{0.001, 0.01, 0.1, 0.3}[it%4]))
			switch it % 5 {
			case 0:
				checkDecompress(t, enc, n)
			case 1:
				checkDecompress(t, mutated(r, enc), n)
			case 2:
				checkDecompress(t, mutated(r, enc), n+r.IntN(200)-100)
			case 3:
				checkDecompress(t, enc, r.IntN(1200)-8)
			default:
				checkDecompress(t, bitVector(r, r.IntN(16), 0.5), r.IntN(300))
			}
		}
	})
}

// eachImpl runs f under each of our implementations (for fuzz targets, which
// cannot run subtests).
func eachImpl(t *testing.T, f func()) {
	for _, name := range bitops.Implementations() {
		restore, err := cpu.Set(name)
		if err != nil {
			t.Fatal(err)
		}
		f()
		restore()
	}
}

// FuzzDecompress requires both decoders to give the same answer for the same input
// and target, under each of our implementations. Seeds: testdata/fuzz. Targets
// beyond 1 MiB are not given to go-ethereum, which allocates the target first (and
// panics or runs out of memory for huge ones).
func FuzzDecompress(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, target int) {
		eachImpl(t, func() {
			if target <= 1<<20 {
				checkDecompress(t, data, target)
				return
			}
			got, err := bitops.DecompressBytes(data, target)
			if err == nil && len(got) != target {
				t.Fatalf("DecompressBytes(%x, %d) = %d bytes", data, target, len(got))
			}
		})
	})
}

// FuzzCompress requires the same encoding as go-ethereum and a round trip.
func FuzzCompress(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		eachImpl(t, func() { checkCompress(t, data) })
	})
}

// Benchmarks: 512-byte vectors (a section of 4096 blocks) at a fraction of set bits;
// each row cycles through 64 different vectors so that branch predictors cannot
// learn one. SetBytes counts the uncompressed bytes.

var compressDensities = []float64{0.001, 0.01, 0.1, 0.5}

const benchVectors = 64

func benchInputs(density float64) (raw, enc [][]byte) {
	r := rand.New(rand.NewPCG(9, uint64(density*1e6)))
	for range benchVectors {
		v := bitVector(r, 512, density)
		raw = append(raw, v)
		enc = append(enc, bitutil.CompressBytes(v))
	}
	return raw, enc
}

// benchRows runs f as impl=<ours>/density=… for each of our implementations, then
// as impl=geth when geth is set.
func benchRows(b *testing.B, ours, geth func(b *testing.B, raw, enc [][]byte)) {
	run := func(impl string, f func(b *testing.B, raw, enc [][]byte)) {
		for _, d := range compressDensities {
			raw, enc := benchInputs(d)
			b.Run(fmt.Sprintf("impl=%s/density=%g", impl, d), func(b *testing.B) {
				b.SetBytes(512)
				b.ReportAllocs()
				f(b, raw, enc)
			})
		}
	}
	for _, name := range bitops.Implementations() {
		restore, err := cpu.Set(name)
		if err != nil {
			b.Fatal(err)
		}
		run(name, ours)
		restore()
	}
	if geth != nil {
		run("geth", geth)
	}
}

func BenchmarkCompress(b *testing.B) {
	rows := func(compress func([]byte) []byte) func(b *testing.B, raw, enc [][]byte) {
		return func(b *testing.B, raw, _ [][]byte) {
			i := 0
			for b.Loop() {
				compress(raw[i%benchVectors])
				i++
			}
		}
	}
	benchRows(b, rows(bitops.CompressBytes), rows(bitutil.CompressBytes))
}

func BenchmarkDecompress(b *testing.B) {
	rows := func(decompress func([]byte, int) ([]byte, error)) func(b *testing.B, raw, enc [][]byte) {
		return func(b *testing.B, _, enc [][]byte) {
			i := 0
			for b.Loop() {
				if _, err := decompress(enc[i%benchVectors], 512); err != nil {
					b.Fatal(err)
				}
				i++
			}
		}
	}
	benchRows(b, rows(bitops.DecompressBytes), rows(bitutil.DecompressBytes))
}

// The allocation-free variants, into reused buffers.

func BenchmarkAppendCompressed(b *testing.B) {
	benchRows(b, func(b *testing.B, raw, _ [][]byte) {
		buf := make([]byte, 0, 512)
		i := 0
		for b.Loop() {
			buf = bitops.AppendCompressed(buf[:0], raw[i%benchVectors])
			i++
		}
	}, nil)
}

func BenchmarkDecompressInto(b *testing.B) {
	benchRows(b, func(b *testing.B, _, enc [][]byte) {
		dst := make([]byte, 512)
		i := 0
		for b.Loop() {
			if err := bitops.DecompressInto(dst, enc[i%benchVectors]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	}, nil)
}
