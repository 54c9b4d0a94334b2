package bitops

import (
	"bytes"
	"math/bits"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/bloomsimd/bloomsimd/internal/blooms"
	"github.com/bloomsimd/bloomsimd/internal/cpu"
	"github.com/bloomsimd/bloomsimd/internal/impltest"
)

// The references: one byte at a time, obviously right.

func refAND(dst, a, b []byte) {
	for i := range dst {
		dst[i] = a[i] & b[i]
	}
}

func refOR(dst, a, b []byte) {
	for i := range dst {
		dst[i] = a[i] | b[i]
	}
}

func refXOR(dst, a, b []byte) {
	for i := range dst {
		dst[i] = a[i] ^ b[i]
	}
}

const guard = 0xA5 // fills the bytes around dst, which must survive every call

// fill describes the data a case uses.
type fill struct {
	name string
	gen  func(r *rand.Rand, p []byte)
}

var fills = []fill{
	{"random", func(r *rand.Rand, p []byte) {
		for i := range p {
			p[i] = byte(r.Uint32())
		}
	}},
	{"zero", func(r *rand.Rand, p []byte) { clear(p) }},
	{"ones", func(r *rand.Rand, p []byte) {
		for i := range p {
			p[i] = 0xff
		}
	}},
	{"sparse", func(r *rand.Rand, p []byte) {
		clear(p)
		if len(p) > 0 {
			p[r.IntN(len(p))] = 1 << r.IntN(8)
		}
	}},
}

// lengths covers 0..1100 exhaustively (every tail and block count around the 64-
// and 256-byte loop boundaries) and 4096; -short keeps the boundaries only.
func lengths() []int {
	var out []int
	for n := 0; n <= 1100; n++ {
		if !testing.Short() || n < 140 || n%64 <= 1 || n%64 == 63 {
			out = append(out, n)
		}
	}
	return append(out, 4096)
}

// buffers returns slices of n bytes at the given offsets into separate slabs, dst
// with guard bytes on both sides.
func buffers(n, offDst, offA, offB int) (dstSlab, dst, a, b []byte) {
	dstSlab = bytes.Repeat([]byte{guard}, n+offDst+32)
	dst = dstSlab[offDst+16 : offDst+16+n]
	a = make([]byte, n+offA)[offA:]
	b = make([]byte, n+offB)[offB:]
	return
}

func checkGuards(t *testing.T, slab []byte, off, n int) {
	t.Helper()
	for i, c := range slab {
		if (i < off+16 || i >= off+16+n) && c != guard {
			t.Fatalf("guard byte %d of dst slab changed to %#x (dst is [%d:%d])", i, c, off+16, off+16+n)
		}
	}
}

func TestBinaryOps(t *testing.T) {
	ops := []struct {
		name string
		fn   func(dst, a, b []byte) int
		ref  func(dst, a, b []byte)
	}{
		{"AND", ANDBytes, refAND},
		{"OR", ORBytes, refOR},
		{"XOR", XORBytes, refXOR},
	}
	impltest.Run(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(1, 2))
		for _, op := range ops {
			for _, f := range fills {
				for _, n := range lengths() {
					off := n % 8 // walk the offsets 0..7 as lengths go by
					for _, offs := range [][3]int{{0, 0, 0}, {off, (off + 3) % 8, (off + 5) % 8}, {7, 1, 0}} {
						slab, dst, a, b := buffers(n, offs[0], offs[1], offs[2])
						f.gen(r, a)
						fills[0].gen(r, b)
						want := make([]byte, n)
						op.ref(want, a, b)
						if got := op.fn(dst, a, b); got != n {
							t.Fatalf("%s: n=%d returned %d", op.name, n, got)
						}
						if !bytes.Equal(dst, want) {
							t.Fatalf("%s %s n=%d offsets=%v: wrong result", op.name, f.name, n, offs)
						}
						checkGuards(t, slab, offs[0], n)
					}
				}
			}
		}
	})
}

// The result covers min(len(a), len(b)) bytes and dst may be longer.
func TestUnequalLengths(t *testing.T) {
	impltest.Run(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(3, 4))
		for _, fn := range []func(dst, a, b []byte) int{ANDBytes, ORBytes, XORBytes} {
			for _, la := range []int{0, 5, 64, 300, 512} {
				for _, lb := range []int{0, 7, 64, 511, 600} {
					a, b := make([]byte, la), make([]byte, lb)
					fills[0].gen(r, a)
					fills[0].gen(r, b)
					dst := bytes.Repeat([]byte{guard}, 700)
					n := min(la, lb)
					if got := fn(dst, a, b); got != n {
						t.Fatalf("len(a)=%d len(b)=%d: returned %d, want %d", la, lb, got, n)
					}
					for i := n; i < len(dst); i++ {
						if dst[i] != guard {
							t.Fatalf("len(a)=%d len(b)=%d: wrote dst[%d] beyond n", la, lb, i)
						}
					}
				}
			}
		}
	})
}

func TestAliasing(t *testing.T) {
	ops := []struct {
		name string
		fn   func(dst, a, b []byte) int
		ref  func(dst, a, b []byte)
	}{{"AND", ANDBytes, refAND}, {"OR", ORBytes, refOR}, {"XOR", XORBytes, refXOR}}
	impltest.Run(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(5, 6))
		for _, op := range ops {
			for _, n := range []int{1, 63, 64, 65, 255, 256, 512, 1000, 4096} {
				a, b := make([]byte, n), make([]byte, n)
				fills[0].gen(r, a)
				fills[0].gen(r, b)
				want := make([]byte, n)
				op.ref(want, a, b)
				for _, alias := range []string{"dst=a", "dst=b", "a=b=dst"} {
					x, y := slices.Clone(a), slices.Clone(b)
					var dst []byte
					switch alias {
					case "dst=a":
						dst = x
					case "dst=b":
						dst = y
					default:
						dst, y = x, x
						want2 := make([]byte, n)
						op.ref(want2, a, a)
						op.fn(dst, x, y)
						if !bytes.Equal(dst, want2) {
							t.Fatalf("%s %s n=%d: wrong result", op.name, alias, n)
						}
						continue
					}
					op.fn(dst, x, y)
					if !bytes.Equal(dst, want) {
						t.Fatalf("%s %s n=%d: wrong result", op.name, alias, n)
					}
				}
			}
		}
	})
}

// A dst shorter than n panics, as in go-ethereum, but before writing anything.
func TestShortDstPanics(t *testing.T) {
	impltest.Run(t, func(t *testing.T) {
		for _, op := range []func(dst, a, b []byte) int{ANDBytes, ORBytes, XORBytes} {
			for _, n := range []int{1, 9, 64, 512} {
				a, b := make([]byte, n), make([]byte, n)
				for i := range a {
					a[i], b[i] = 0xff, 0xff
				}
				// Capacity beyond len must not be written either.
				dst := make([]byte, n-1, n+64)
				func() {
					defer func() {
						if recover() == nil {
							t.Fatalf("n=%d: no panic for a short dst", n)
						}
					}()
					op(dst, a, b)
				}()
				if slices.ContainsFunc(dst[:cap(dst)], func(c byte) bool { return c != 0 }) {
					t.Fatalf("n=%d: wrote before panicking", n)
				}
			}
		}
	})
}

// Inexact overlaps panic, both on lengths with a Go rest and on whole blocks (the
// fast path of XORBytes); exact aliasing is fine.
func TestXORInvalidOverlapPanics(t *testing.T) {
	impltest.Run(t, func(t *testing.T) {
		buf := make([]byte, 400)
		for name, f := range map[string]func(){
			"dst=a+1":          func() { XORBytes(buf[1:101], buf[:100], buf[100:200]) },
			"b=dst+5":          func() { XORBytes(buf[:100], buf[100:200], buf[5:105]) },
			"blocks dst=a+1":   func() { XORBytes(buf[1:129], buf[:128], buf[200:328]) },
			"blocks b=dst+64":  func() { XORBytes(buf[:128], buf[200:328], buf[64:192]) },
			"blocks a=dst-127": func() { XORBytes(buf[127:255], buf[:128], buf[256:384]) },
		} {
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("%s: no panic for an inexact overlap", name)
					}
				}()
				f()
			}()
		}
		XORBytes(buf[:100], buf[:100], buf[100:]) // exact aliasing is fine
		XORBytes(buf[:128], buf[200:328], buf[:128])
		XORBytes(buf[:128], buf[:128], buf[128:256]) // adjacent, not overlapping
	})
}

func TestTestBytes(t *testing.T) {
	impltest.Run(t, func(t *testing.T) {
		for _, n := range lengths() {
			p := make([]byte, n+8)[n%8 : n%8+n]
			if TestBytes(p) {
				t.Fatalf("n=%d: all-zero reported set", n)
			}
			// Every position is found alone, including the last of the 256-byte loop and the tail,
			// and a byte in each half (each AVX2 register) of every 64-byte block, at a
			// place that moves from block to block: a kernel that skips a block or a
			// register of its unrolled loop fails here.
			at := []int{0, n / 2, n - 1, n - 64, n - 65, n &^ 63, (n &^ 63) - 1}
			for k := 0; k < n/64; k++ {
				at = append(at, 64*k+(23*k)%32, 64*k+32+(11*k+5)%32)
			}
			for _, i := range at {
				if i < 0 || i >= n {
					continue
				}
				p[i] = 0x10
				if !TestBytes(p) {
					t.Fatalf("n=%d: byte %d set but not reported", n, i)
				}
				p[i] = 0
			}
		}
	})
}

func TestPopcount(t *testing.T) {
	impltest.Run(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(7, 8))
		for _, f := range fills {
			for _, n := range lengths() {
				p := make([]byte, n+3)[3:]
				f.gen(r, p)
				want := 0
				for _, c := range p {
					want += bits.OnesCount8(c)
				}
				if got := Popcount(p); got != want {
					t.Fatalf("%s n=%d: Popcount = %d, want %d", f.name, n, got, want)
				}
			}
		}
		// Large all-ones input: byte and lane counters must not overflow.
		p := bytes.Repeat([]byte{0xff}, 1<<20)
		if got := Popcount(p); got != 8<<20 {
			t.Fatalf("1 MiB of ones: Popcount = %d", got)
		}
	})
}

func TestSectionKernels(t *testing.T) {
	impltest.Run(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(9, 10))
		for _, f := range fills {
			for _, n := range lengths() {
				if testing.Short() && n > 600 && n != 4096 {
					continue
				}
				a, b, c, d := make([]byte, n), make([]byte, n+1)[1:], make([]byte, n+2)[2:], make([]byte, n)
				fills[0].gen(r, a)
				f.gen(r, b)
				fills[0].gen(r, c)
				fills[0].gen(r, d)

				want := make([]byte, n)
				for i := range want {
					want[i] = a[i] & b[i] & c[i]
				}
				slab := bytes.Repeat([]byte{guard}, n+32)
				dst := slab[16 : 16+n]
				And3(dst, a, b, c)
				expect(t, "And3", f.name, dst, want)
				checkGuards(t, slab, 0, n)

				for i := range want {
					want[i] = d[i] | a[i]&b[i]&c[i]
				}
				dst = slices.Clone(d)
				OrAnd3(dst, a, b, c)
				expect(t, "OrAnd3", f.name, dst, want)

				for i := range want {
					want[i] = d[i] | b[i]
				}
				dst = slices.Clone(d)
				OrInto(dst, b)
				expect(t, "OrInto", f.name, dst, want)

				anyLeft := false
				for i := range want {
					want[i] = d[i] & b[i]
					anyLeft = anyLeft || want[i] != 0
				}
				copy(slab[16:], d)
				if got := AndInto(slab[16:16+n], b); got != anyLeft {
					t.Fatalf("AndInto %s n=%d: reported %v, want %v", f.name, n, got, anyLeft)
				}
				expect(t, "AndInto", f.name, slab[16:16+n], want)
				checkGuards(t, slab, 0, n)
			}
		}
	})
}

// AndInto must report a bit left in any single position, also in the tail.
func TestAndIntoReportsEveryPosition(t *testing.T) {
	impltest.Run(t, func(t *testing.T) {
		for _, n := range []int{8, 64, 100, 512, 520} {
			src := bytes.Repeat([]byte{0xff}, n)
			for i := 0; i < n; i++ {
				dst := make([]byte, n)
				dst[i] = 0x01
				if !AndInto(dst, src) {
					t.Fatalf("n=%d: bit in byte %d not reported", n, i)
				}
			}
			if AndInto(make([]byte, n), src) {
				t.Fatalf("n=%d: zero vector reported set", n)
			}
		}
	})
}

func TestSectionKernelsAliasing(t *testing.T) {
	impltest.Run(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(11, 12))
		a, b := make([]byte, 512), make([]byte, 512)
		fills[0].gen(r, a)
		fills[0].gen(r, b)
		want := make([]byte, 512)
		refAND(want, a, b)
		dst := slices.Clone(a)
		And3(dst, dst, b, dst) // dst = dst & b & dst
		expect(t, "And3 aliased", "random", dst, want)
		dst = slices.Clone(a)
		OrAnd3(dst, dst, dst, dst) // dst |= dst
		expect(t, "OrAnd3 aliased", "random", dst, a)
	})
}

func TestSectionShortInputPanics(t *testing.T) {
	short, dst := make([]byte, 63, 512), make([]byte, 64)
	for name, f := range map[string]func(){
		"And3":    func() { And3(dst, dst, dst, short) },
		"OrAnd3":  func() { OrAnd3(dst, short, dst, dst) },
		"OrInto":  func() { OrInto(dst, short) },
		"AndInto": func() { AndInto(dst, short) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic for an input shorter than dst", name)
				}
			}()
			f()
		}()
	}
}

func expect(t *testing.T, op, fill string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		i := 0
		for got[i] == want[i] {
			i++
		}
		t.Fatalf("%s %s n=%d: byte %d = %#x, want %#x", op, fill, len(want), i, got[i], want[i])
	}
}

func TestSetBits(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, n := range []int{0, 1, 7, 8, 9, 63, 64, 65, 512} {
		for _, f := range fills {
			p := make([]byte, n)
			f.gen(r, p)
			var want []uint64
			for i := 0; i < n*8; i++ {
				if p[i/8]&(0x80>>(i%8)) != 0 {
					want = append(want, 1000+uint64(i))
				}
			}
			got := AppendSetBits(nil, p, 1000)
			if !slices.Equal(got, want) {
				t.Fatalf("AppendSetBits %s n=%d: got %v, want %v", f.name, n, got, want)
			}
			var seq []uint64
			SetBits(p)(func(i int) bool { seq = append(seq, 1000+uint64(i)); return true })
			if !slices.Equal(seq, want) {
				t.Fatalf("SetBits %s n=%d: got %v, want %v", f.name, n, seq, want)
			}
			// yield returning false stops the iterator (as breaking out of a
			// range loop does).
			if len(want) > 2 {
				k := 0
				SetBits(p)(func(int) bool { k++; return k != 2 })
				if k != 2 {
					t.Fatalf("SetBits %s n=%d: stopped after %d bits", f.name, n, k)
				}
			}
		}
	}
}

// Real blooms as 256-byte vectors: every operation agrees with the reference.
func TestRealBlooms(t *testing.T) {
	all, err := blooms.Load()
	if err != nil {
		t.Fatal(err)
	}
	impltest.Run(t, func(t *testing.T) {
		for i := 0; i+2 < len(all); i++ {
			a, b, c := all[i][:], all[i+1][:], all[i+2][:]
			got, want := make([]byte, 256), make([]byte, 256)
			ANDBytes(got, a, b)
			refAND(want, a, b)
			expect(t, "AND", "real", got, want)
			ORBytes(got, a, b)
			refOR(want, a, b)
			expect(t, "OR", "real", got, want)
			if TestBytes(a) != slices.ContainsFunc(a, func(c byte) bool { return c != 0 }) {
				t.Fatalf("TestBytes wrong on bloom %d", i)
			}
			And3(got, a, b, c)
			for k := range want {
				want[k] = a[k] & b[k] & c[k]
			}
			expect(t, "And3", "real", got, want)
			if Popcount(a) != popcountGeneric(a) {
				t.Fatalf("Popcount wrong on bloom %d", i)
			}
		}
	})
}

func TestExpectedImplementation(t *testing.T) { impltest.CheckExpected(t) }

func TestImplementations(t *testing.T) {
	impls := Implementations()
	if !slices.Contains(impls, Implementation()) {
		t.Fatalf("active implementation %s is not among %v", Implementation(), impls)
	}
	if impls[len(impls)-1] != "generic" {
		t.Fatalf("generic is not the last implementation: %v", impls)
	}
	// The test hook that switches them (internal/cpu) accepts exactly these.
	for _, name := range []string{"bogus", ""} {
		if _, err := cpu.Set(name); err == nil {
			t.Fatalf("cpu.Set(%q) accepted", name)
		}
	}
	for _, name := range []string{"avx512", "avx2", "neon"} {
		restore, err := cpu.Set(name)
		if slices.Contains(impls, name) != (err == nil) {
			t.Fatalf("cpu.Set(%q): err=%v with implementations %v", name, err, impls)
		}
		if err == nil && Implementation() != name {
			t.Fatalf("cpu.Set(%q) left %q active", name, Implementation())
		}
		restore()
	}
}
