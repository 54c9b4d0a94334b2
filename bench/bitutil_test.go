package bench

import (
	"bytes"
	"crypto/subtle"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/bloomsimd/bloomsimd/bitops"
	"github.com/bloomsimd/bloomsimd/internal/blooms"
	"github.com/bloomsimd/bloomsimd/internal/cpu"
	"github.com/ethereum/go-ethereum/common/bitutil"
)

// forEachImpl runs f once per implementation of ours this CPU runs.
func forEachImpl(t *testing.T, f func(t *testing.T)) {
	for _, name := range bitops.Implementations() {
		restore, err := cpu.Set(name)
		if err != nil {
			t.Fatal(err)
		}
		t.Run("impl="+name, f)
		restore()
	}
}

func randomBytes(r *rand.Rand, n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(r.Uint32())
	}
	return p
}

// inputs are the data shapes of the equivalence tests: random, all-zero, all-one.
func inputs(r *rand.Rand, n int) map[string][]byte {
	return map[string][]byte{
		"random": randomBytes(r, n),
		"zero":   make([]byte, n),
		"ones":   bytes.Repeat([]byte{0xff}, n),
	}
}

// go-ethereum's word loop writes through dst reinterpreted as []uintptr, so we only
// compare on a dst at least as long as n (both panic otherwise; ours writes nothing).
func TestBitutilEquivalence(t *testing.T) {
	type op struct {
		name       string
		ours, geth func(dst, a, b []byte) int
	}
	ops := []op{
		{"AND", bitops.ANDBytes, bitutil.ANDBytes},
		{"OR", bitops.ORBytes, bitutil.ORBytes},
		{"XOR", bitops.XORBytes, bitutil.XORBytes},
	}
	forEachImpl(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(1, 1))
		for n := 0; n <= 1100; n++ {
			if testing.Short() && n > 130 && n%64 > 1 {
				continue
			}
			for off := 0; off < 8; off++ {
				for aName, a0 := range inputs(r, n+off) {
					a := a0[off:]
					b := randomBytes(r, n+7-off)[7-off:]
					for _, o := range ops {
						d1, d2 := make([]byte, n+off)[off:], make([]byte, n+off)[off:]
						if g, w := o.ours(d1, a, b), o.geth(d2, a, b); g != w || !bytes.Equal(d1, d2) {
							t.Fatalf("%s %s n=%d off=%d: ours %d %x, geth %d %x", o.name, aName, n, off, g, d1, w, d2)
						}
						// In place, dst aliasing a.
						x1, x2 := bytes.Clone(a), bytes.Clone(a)
						o.ours(x1, x1, b)
						o.geth(x2, x2, b)
						if !bytes.Equal(x1, x2) {
							t.Fatalf("%s %s n=%d off=%d in place: results differ", o.name, aName, n, off)
						}
					}
					if bitops.TestBytes(a) != bitutil.TestBytes(a) {
						t.Fatalf("TestBytes %s n=%d off=%d differs", aName, n, off)
					}
				}
			}
		}
		// Every single set byte is seen by both.
		p := make([]byte, 4096)
		for i := range p {
			p[i] = 1
			if !bitops.TestBytes(p) || !bitutil.TestBytes(p) {
				t.Fatalf("TestBytes misses byte %d", i)
			}
			p[i] = 0
		}
	})
}

func TestBitutilRealBlooms(t *testing.T) {
	all, err := blooms.Load()
	if err != nil {
		t.Fatal(err)
	}
	forEachImpl(t, func(t *testing.T) {
		for i := 1; i < len(all); i++ {
			a, b := all[i-1][:], all[i][:]
			d1, d2 := make([]byte, 256), make([]byte, 256)
			bitops.ANDBytes(d1, a, b)
			bitutil.ANDBytes(d2, a, b)
			bitops.ORBytes(d1[:128], d1, b[:128])
			bitutil.ORBytes(d2[:128], d2, b[:128])
			if !bytes.Equal(d1, d2) || bitops.TestBytes(d1) != bitutil.TestBytes(d2) {
				t.Fatalf("bloom %d: results differ", i)
			}
		}
	})
}

// slab hands out benchmark buffers from one allocation, 64-byte aligned and spaced so
// that no destination sits a multiple of 4 KiB from a source (4K aliasing on Zen 4
// doubles the time of a 512-byte AND).
func slab(size, count int) [][]byte {
	stride := (size+63)&^63 + 320
	mem := make([]byte, stride*count+64)
	out := make([][]byte, count)
	for i := range out {
		out[i] = mem[i*stride : i*stride+size]
	}
	return out
}

var benchSizes = []int{64, 512, 4096}

func benchBinary(b *testing.B, size int, f func(dst, a, b []byte) int) {
	bufs := slab(size, 3)
	r := rand.New(rand.NewPCG(2, 2))
	copy(bufs[1], randomBytes(r, size))
	copy(bufs[2], randomBytes(r, size))
	b.SetBytes(int64(size))
	b.ReportAllocs()
	cpu0, ok := processCPU()
	for b.Loop() {
		f(bufs[0], bufs[1], bufs[2])
	}
	reportCPU(b, cpu0, ok)
}

// benchOps runs the benchmark rows: ours for each implementation, then the others.
func benchOps(b *testing.B, ours func(*testing.B, int), others map[string]func(*testing.B, int)) {
	for _, name := range bitops.Implementations() {
		restore, err := cpu.Set(name)
		if err != nil {
			b.Fatal(err)
		}
		for _, size := range benchSizes {
			b.Run(fmt.Sprintf("impl=%s/size=%d", name, size), func(b *testing.B) { ours(b, size) })
		}
		restore()
	}
	for _, name := range []string{"geth", "stdlib"} {
		if f, ok := others[name]; ok {
			for _, size := range benchSizes {
				b.Run(fmt.Sprintf("impl=%s/size=%d", name, size), func(b *testing.B) { f(b, size) })
			}
		}
	}
}

func binaryRows(f func(dst, a, b []byte) int) func(*testing.B, int) {
	return func(b *testing.B, size int) { benchBinary(b, size, f) }
}

func BenchmarkAND(b *testing.B) {
	benchOps(b, binaryRows(bitops.ANDBytes), map[string]func(*testing.B, int){"geth": binaryRows(bitutil.ANDBytes)})
}

func BenchmarkOR(b *testing.B) {
	benchOps(b, binaryRows(bitops.ORBytes), map[string]func(*testing.B, int){"geth": binaryRows(bitutil.ORBytes)})
}

func BenchmarkXOR(b *testing.B) {
	benchOps(b, binaryRows(bitops.XORBytes), map[string]func(*testing.B, int){
		"geth":   binaryRows(bitutil.XORBytes),
		"stdlib": binaryRows(subtle.XORBytes),
	})
}

// BenchmarkTest measures TestBytes on an all-zero vector: the whole vector is read.
func BenchmarkTest(b *testing.B) {
	benchOps(b, testRows(bitops.TestBytes, nil), map[string]func(*testing.B, int){"geth": testRows(bitutil.TestBytes, nil)})
}

// BenchmarkTestSet measures TestBytes on vectors with a set byte: at=first is a
// vector of random bytes, where go-ethereum's word loop returns at the first word;
// at=last has only its last byte set, so every implementation reads it all.
func BenchmarkTestSet(b *testing.B) {
	for _, at := range []string{"first", "last"} {
		set := func(p []byte) {
			if at == "first" {
				copy(p, randomBytes(rand.New(rand.NewPCG(3, 3)), len(p)))
			} else {
				p[len(p)-1] = 1
			}
		}
		b.Run("at="+at, func(b *testing.B) {
			benchOps(b, testRows(bitops.TestBytes, set), map[string]func(*testing.B, int){"geth": testRows(bitutil.TestBytes, set)})
		})
	}
}

// testRows measures f on a vector that set fills (all zero when set is nil), and
// checks every answer.
func testRows(f func([]byte) bool, set func([]byte)) func(*testing.B, int) {
	return func(b *testing.B, size int) {
		p := slab(size, 1)[0]
		if set != nil {
			set(p)
		}
		want := set != nil
		b.SetBytes(int64(size))
		b.ReportAllocs()
		cpu0, ok := processCPU()
		for b.Loop() {
			if f(p) != want {
				b.Fatalf("TestBytes = %v, want %v", !want, want)
			}
		}
		reportCPU(b, cpu0, ok)
	}
}
