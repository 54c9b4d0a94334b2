package bitops

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/bloomsimd/bloomsimd/internal/blooms"
	"github.com/bloomsimd/bloomsimd/internal/impltest"
)

// The reference: the encoding's definition, recursively, one byte at a time.

func refEncode(x []byte) []byte {
	if len(x) == 0 {
		return nil
	}
	if len(x) == 1 {
		if x[0] == 0 {
			return nil
		}
		return []byte{x[0]}
	}
	bm := make([]byte, (len(x)+7)/8)
	var nz []byte
	for i, b := range x {
		if b != 0 {
			nz = append(nz, b)
			bm[i/8] |= 0x80 >> (i % 8)
		}
	}
	if len(nz) == 0 {
		return nil
	}
	return append(refEncode(bm), nz...)
}

func refCompress(x []byte) []byte {
	if e := refEncode(x); len(e) < len(x) {
		return e
	}
	return append([]byte{}, x...)
}

func refDecompress(data []byte, target int) ([]byte, error) {
	if len(data) > target {
		return nil, ErrExceededTarget
	}
	if len(data) == target {
		return append([]byte{}, data...), nil
	}
	out, n, err := refDecode(data, target)
	if err != nil {
		return nil, err
	}
	if n != len(data) {
		return nil, ErrUnreferencedData
	}
	return out, nil
}

// refDecode decodes a level of target bytes and returns how many input bytes the
// levels up to it consumed.
func refDecode(data []byte, target int) ([]byte, int, error) {
	out := make([]byte, target)
	if len(data) == 0 {
		return out, 0, nil
	}
	if target == 1 {
		out[0] = data[0]
		if data[0] != 0 {
			return out, 1, nil
		}
		return out, 0, nil
	}
	bm, ptr, err := refDecode(data, (target+7)/8)
	if err != nil {
		return nil, 0, err
	}
	for i := 0; i < 8*len(bm); i++ {
		if bm[i/8]&(0x80>>(i%8)) == 0 {
			continue
		}
		switch {
		case ptr >= len(data):
			return nil, 0, ErrMissingData
		case i >= target:
			return nil, 0, ErrExceededTarget
		case data[ptr] == 0:
			return nil, 0, ErrZeroContent
		}
		out[i] = data[ptr]
		ptr++
	}
	return out, ptr, nil
}

// sameBytes compares including nil-ness, as go-ethereum's results differ there.
func sameBytes(a, b []byte) bool { return bytes.Equal(a, b) && (a == nil) == (b == nil) }

// densities are fractions of set bits, each bit set independently.
var densities = []float64{0, 0.001, 0.01, 0.1, 0.5, 1}

func randomBits(r *rand.Rand, n int, density float64) []byte {
	p := make([]byte, n)
	for i := range 8 * n {
		if density >= 1 || r.Float64() < density {
			p[i/8] |= 0x80 >> (i % 8)
		}
	}
	return p
}

func compressSizes() []int {
	var out []int
	for n := 0; n <= 4096; n++ {
		if !testing.Short() || n < 200 || n%64 <= 1 || n%64 == 63 || n%512 == 8 {
			out = append(out, n)
		}
	}
	return out
}

// checkRoundTrip compresses data with every entry point and decompresses the
// result, comparing with the reference.
func checkRoundTrip(t *testing.T, name string, data []byte) {
	t.Helper()
	want := refCompress(data)
	got := CompressBytes(data)
	if !sameBytes(got, want) {
		t.Fatalf("%s: CompressBytes(%d bytes) = %x (nil %v), want %x (nil %v)", name, len(data), got, got == nil, want, want == nil)
	}
	// AppendCompressed behind a prefix, with guard bytes in the spare capacity.
	buf := bytes.Repeat([]byte{guard}, 3+len(data)+16)
	app := AppendCompressed(buf[:3], data)
	if !bytes.Equal(app[:3], []byte{guard, guard, guard}) || !bytes.Equal(app[3:], want) {
		t.Fatalf("%s: AppendCompressed(%d bytes) = %x, want %x", name, len(data), app[3:], want)
	}
	for i, b := range buf[3+len(want):] {
		if b != guard {
			t.Fatalf("%s: AppendCompressed wrote past its result at +%d", name, i)
		}
	}
	if app := AppendCompressed(nil, data); !bytes.Equal(app, want) {
		t.Fatalf("%s: AppendCompressed(nil, %d bytes) = %x, want %x", name, len(data), app, want)
	}
	dec, err := DecompressBytes(got, len(data))
	if err != nil || !bytes.Equal(dec, data) || dec == nil {
		t.Fatalf("%s: DecompressBytes(%x, %d) = %x, %v; want %x", name, got, len(data), dec, err, data)
	}
	// DecompressInto a dirty destination with guard bytes on both sides.
	slab := bytes.Repeat([]byte{guard}, len(data)+32)
	dst := slab[16 : 16+len(data)]
	if err := DecompressInto(dst, got); err != nil || !bytes.Equal(dst, data) {
		t.Fatalf("%s: DecompressInto(%x) = %x, %v; want %x", name, got, dst, err, data)
	}
	for i, b := range slab {
		if (i < 16 || i >= 16+len(data)) && b != guard {
			t.Fatalf("%s: DecompressInto wrote outside dst at %d", name, i-16)
		}
	}
}

func TestCompressRoundTrip(t *testing.T) {
	impltest.Run(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(3, 3))
		for _, d := range densities {
			src := randomBits(r, 4096+64, d)
			for _, n := range compressSizes() {
				off := n % 61 // misaligned inputs too
				checkRoundTrip(t, fmt.Sprintf("density=%g n=%d", d, n), src[off:off+n])
			}
			// Past the stack buffers for the bitmaps (888 and 7160 bytes).
			for _, n := range []int{7160, 7161, 20000} {
				checkRoundTrip(t, fmt.Sprintf("density=%g n=%d", d, n), randomBits(r, n, d))
			}
		}
	})
}

// TestCompressShapes covers the shapes random data rarely hits: a single non-zero
// byte at every position, runs of zero and non-zero bytes around block edges.
func TestCompressShapes(t *testing.T) {
	impltest.Run(t, func(t *testing.T) {
		for _, n := range []int{1, 2, 7, 8, 9, 63, 64, 65, 127, 128, 129, 512, 513, 600} {
			p := make([]byte, n)
			for i := range p {
				p[i] = byte(i%255) + 1
				checkRoundTrip(t, fmt.Sprintf("single n=%d i=%d", n, i), p)
				p[i] = 0
			}
			for i := range p {
				p[i] = 0xff // growing prefix of non-zero bytes
				if i%7 == 0 || i == n-1 {
					checkRoundTrip(t, fmt.Sprintf("prefix n=%d i=%d", n, i), p)
				}
			}
		}
	})
}

// rotate turns a section of blooms into its bit vectors, bit by bit: vector i bit
// j is bloom j's bit i; bit i of a bloom is bit i%8 of byte 255-i/8; bit j of a
// vector is byte j/8, mask 0x80>>(j%8).
func rotate(section [][256]byte) [][]byte {
	vecs := make([][]byte, 2048)
	for i := range vecs {
		vecs[i] = make([]byte, (len(section)+7)/8)
		for j := range section {
			// Indexed, not ranged by value: that copied the 256-byte bloom for
			// every bit, minutes under qemu.
			vecs[i][j/8] |= (section[j][255-i/8] >> (i % 8) & 1) << (7 - j%8)
		}
	}
	return vecs
}

// realSections returns the vectors of a dense section (the file's blooms tiled) and
// of a sparse one (its mainnet-like blooms with few bits, every 37th block).
func realSections(t testing.TB) map[string][][]byte {
	all, err := blooms.Load()
	if err != nil {
		t.Fatal(err)
	}
	dense := make([][256]byte, 4096)
	for i := range dense {
		dense[i] = all[i%len(all)]
	}
	var few [][256]byte
	for _, b := range all {
		if Popcount(b[:]) < 64 {
			few = append(few, b)
		}
	}
	sparse := make([][256]byte, 4096)
	for i := 0; i < len(sparse) && len(few) > 0; i += 37 {
		sparse[i] = few[(i/37)%len(few)]
	}
	return map[string][][]byte{"dense": rotate(dense), "sparse": rotate(sparse)}
}

func TestCompressRealBlooms(t *testing.T) {
	sections := realSections(t)
	impltest.Run(t, func(t *testing.T) {
		for name, vecs := range sections {
			for i, v := range vecs {
				if testing.Short() && i%16 != 0 {
					continue
				}
				checkRoundTrip(t, fmt.Sprintf("%s vector %d", name, i), v)
			}
		}
	})
}

// checkDecode compares DecompressBytes and DecompressInto with the reference.
func checkDecode(t *testing.T, data []byte, target int) {
	t.Helper()
	want, werr := refDecompress(data, target)
	got, err := DecompressBytes(data, target)
	if err != werr || !sameBytes(got, want) {
		t.Fatalf("DecompressBytes(%x, %d) = %x, %v; want %x, %v", data, target, got, err, want, werr)
	}
	dst := bytes.Repeat([]byte{guard}, target)
	if err := DecompressInto(dst, data); err != werr || werr == nil && !bytes.Equal(dst, want) {
		t.Fatalf("DecompressInto(%x, [%d]) = %x, %v; want %x, %v", data, target, dst, err, want, werr)
	}
	if len(data) >= target {
		return
	}
	// The sparse decoder that DecompressBytes uses for huge targets.
	got, err = decodeSparse(data, target)
	if err != werr || werr == nil && !bytes.Equal(got, want) {
		t.Fatalf("decodeSparse(%x, %d) = %x, %v; want %x, %v", data, target, got, err, want, werr)
	}
}

// mutate changes an encoding a little: flips bits, zeroes, inserts or drops bytes.
func mutate(r *rand.Rand, p []byte) []byte {
	p = append([]byte{}, p...)
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
			i := r.IntN(len(p))
			p = append(p[:i], p[i+1:]...)
		default:
			p = append(p, byte(r.Uint32()))
		}
	}
	return p
}

func TestDecompressMatchesReference(t *testing.T) {
	impltest.Run(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(4, 4))
		iters := 20000
		if testing.Short() {
			iters = 2000
		}
		for it := range iters {
			var data []byte
			var target int
			switch it % 4 {
			case 0: // short random input, small target
				data = randomBits(r, r.IntN(12), 0.5)
				target = r.IntN(80)
			case 1, 2: // a mutated valid encoding, its own target or one nearby
				n := r.IntN(1200)
				if it%8 == 1 {
					n = 512
				}
				data = mutate(r, refEncode(randomBits(r, n, densities[r.IntN(len(densities))])))
				target = n
				if it%3 == 0 {
					target += r.IntN(130) - 65
				}
			default: // a valid encoding at another target
				n := r.IntN(700)
				data = refEncode(randomBits(r, n, 0.02))
				target = r.IntN(900)
			}
			checkDecode(t, data, max(target, 0))
		}
	})
}

// TestDecompressCases pins the decisions worth spelling out: raw copies, the error
// order within a bitmap byte and across levels.
func TestDecompressCases(t *testing.T) {
	cases := []struct {
		data   []byte
		target int
		want   []byte
		err    error
	}{
		{nil, 0, []byte{}, nil},
		{nil, 5, make([]byte, 5), nil},
		{[]byte{0, 0}, 2, []byte{0, 0}, nil},             // raw: zeros are fine
		{[]byte{1, 2, 3}, 2, nil, ErrExceededTarget},     // longer than the target
		{[]byte{0}, 2, nil, ErrUnreferencedData},         // empty deepest level
		{[]byte{0x40, 7}, 3, []byte{0, 7, 0}, nil},       // byte 1 of 3
		{[]byte{0x10, 7}, 3, nil, ErrExceededTarget},     // byte 3 of 3
		{[]byte{0x60, 7}, 3, nil, ErrMissingData},        // byte 1 present, byte 2 missing
		{[]byte{0x60, 7, 8}, 4, []byte{0, 7, 8, 0}, nil}, //
		{[]byte{0x18, 7, 8}, 4, nil, ErrExceededTarget},  // byte 4 of 4, with input left
		{[]byte{0x18, 7}, 4, nil, ErrMissingData},        // missing is checked first
		{[]byte{0x18, 0, 8}, 4, nil, ErrZeroContent},     // a zero before the excess
		{[]byte{0x60, 7, 0}, 4, nil, ErrZeroContent},     //
		{[]byte{0x60, 7, 8, 9}, 5, nil, ErrUnreferencedData},
		{[]byte{0x80, 0x80}, 16, nil, ErrMissingData}, // level 1 ok, level 0 short
		{[]byte{0x80, 0x80, 5}, 16, append([]byte{5}, make([]byte, 15)...), nil},
		{[]byte{0x40, 0xff, 1, 2, 3, 4, 5, 6, 7, 8}, 16, append(make([]byte, 8), 1, 2, 3, 4, 5, 6, 7, 8), nil},
		{[]byte{0x40, 0xff, 1, 2, 3, 4, 5, 6, 7, 8}, 15, nil, ErrExceededTarget},
		{[]byte{0x40, 0xff, 1, 2, 3, 4, 5, 6, 0, 8}, 15, nil, ErrZeroContent},
	}
	impltest.Run(t, func(t *testing.T) {
		for _, c := range cases {
			got, err := DecompressBytes(c.data, c.target)
			if err != c.err || !sameBytes(got, c.want) {
				t.Errorf("DecompressBytes(%x, %d) = %x, %v; want %x, %v", c.data, c.target, got, err, c.want, c.err)
			}
			checkDecode(t, c.data, c.target)
		}
	})
}

// TestDecompressHugeTargets: any target, however large or negative, gives an
// answer without a panic or a giant allocation.
func TestDecompressHugeTargets(t *testing.T) {
	if bits.UintSize < 64 {
		t.Skip("targets past 2^31 need a 64-bit int")
	}
	p2 := func(k int) int { return 1 << k } // not constants: they overflow a 32-bit int
	// A valid chain of single bytes through all levels of a 2^k-byte target.
	chain := func(levels int, last byte) []byte {
		return append(bytes.Repeat([]byte{0x80}, levels), last)
	}
	cases := []struct {
		data   []byte
		target int
		err    error
	}{
		{nil, -1, ErrExceededTarget}, // len(data) > target, as in go-ethereum
		{[]byte{1}, -5, ErrExceededTarget},
		{nil, math.MinInt, ErrExceededTarget},
		{nil, math.MaxInt, ErrTargetTooLarge},
		{nil, MaxDecompressedSize + 1, ErrTargetTooLarge},
		// 2^40 bytes: levels of 2^40, 2^37, ..., 2^1 bytes and the deepest byte.
		{[]byte{7}, p2(40), ErrMissingData},
		{[]byte{0}, p2(40), ErrUnreferencedData},
		{[]byte{0x80, 0}, p2(40), ErrZeroContent},
		{chain(13, 9), p2(40), ErrMissingData},
		{chain(14, 9), p2(40), ErrTargetTooLarge},
		{chain(15, 9), p2(40), ErrUnreferencedData},
		// 2^39+1 bytes: ..., 9, 2, 1: the 2-byte level has 6 bits too many.
		{[]byte{0xff, 1, 2}, p2(39) + 1, ErrMissingData},
		{[]byte{0xff, 1, 2, 3}, p2(39) + 1, ErrExceededTarget},
		{[]byte{0xff, 1, 0, 3}, p2(39) + 1, ErrZeroContent},
		// MaxInt: levels of 2^63-1, 2^60, ..., 2^0 bytes.
		{chain(20, 0x81), math.MaxInt, ErrMissingData},
		{chain(21, 1), math.MaxInt, ErrTargetTooLarge},
		{chain(21, 0), math.MaxInt, ErrZeroContent},
		{chain(22, 1), math.MaxInt, ErrUnreferencedData},
	}
	for _, c := range cases {
		got, err := DecompressBytes(c.data, c.target)
		if err != c.err || got != nil {
			t.Errorf("DecompressBytes(%x, %d) = %d bytes, %v; want %v", c.data, c.target, len(got), err, c.err)
		}
	}
	// A valid input whose target is big but allowed decodes sparsely.
	got, err := DecompressBytes(chain(7, 9), 1<<20)
	if err != nil || len(got) != 1<<20 || got[0] != 9 || Popcount(got) != 2 {
		t.Errorf("DecompressBytes(chain, 1<<20) = %d bytes, %v", len(got), err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 10 {
		DecompressBytes(chain(14, 9), p2(40))
		DecompressBytes([]byte{0xff, 1, 2, 3}, p2(39)+1)
		DecompressBytes(nil, math.MaxInt)
	}
	runtime.ReadMemStats(&after)
	if d := after.TotalAlloc - before.TotalAlloc; d > 1<<20 {
		t.Errorf("huge targets allocated %d bytes", d)
	}
}

func TestDecompressErrorsAreGethMessages(t *testing.T) {
	for err, msg := range map[error]string{
		ErrMissingData:      "missing bytes on input",
		ErrUnreferencedData: "extra bytes on input",
		ErrExceededTarget:   "target data size exceeded",
		ErrZeroContent:      "zero byte in input content",
	} {
		if err.Error() != msg {
			t.Errorf("error %q, want %q", err, msg)
		}
	}
	if errors.Is(ErrTargetTooLarge, ErrExceededTarget) {
		t.Error("ErrTargetTooLarge must be distinct")
	}
}

func TestCompressAllocations(t *testing.T) {
	sections := realSections(t)
	impltest.Run(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(5, 5))
		var vecs [][]byte
		for _, d := range densities {
			vecs = append(vecs, randomBits(r, 512, d))
		}
		vecs = append(vecs, sections["dense"][7], sections["sparse"][100])
		buf := make([]byte, 0, 600)
		out := make([]byte, 512)
		for _, v := range vecs {
			enc := CompressBytes(v)
			if a := testing.AllocsPerRun(20, func() { buf = AppendCompressed(buf[:0], v) }); a != 0 {
				t.Errorf("AppendCompressed allocates %v times", a)
			}
			if a := testing.AllocsPerRun(20, func() { DecompressInto(out, enc) }); a != 0 {
				t.Errorf("DecompressInto allocates %v times", a)
			}
			if a := testing.AllocsPerRun(20, func() { CompressBytes(v) }); a > 1 {
				t.Errorf("CompressBytes allocates %v times", a)
			}
			if a := testing.AllocsPerRun(20, func() { DecompressBytes(enc, 512) }); a > 1 {
				t.Errorf("DecompressBytes allocates %v times", a)
			}
		}
		// The larger stack buffer for the bitmaps.
		big := randomBits(r, 7000, 0.02)
		buf = make([]byte, 0, 7000)
		if a := testing.AllocsPerRun(20, func() { buf = AppendCompressed(buf[:0], big) }); a != 0 {
			t.Errorf("AppendCompressed of 7000 bytes allocates %v times", a)
		}
	})
}

func nonZero(p []byte) int {
	c := 0
	for _, b := range p {
		if b != 0 {
			c++
		}
	}
	return c
}

// TestCompressKernels checks the vector kernels of each implementation directly
// against the word kernels, and that they take the blocks they should: a kernel
// that always declined would pass the round trips.
func TestCompressKernels(t *testing.T) {
	impltest.Run(t, func(t *testing.T) {
		vector := Implementation() != "generic"
		r := rand.New(rand.NewPCG(10, 10))
		for _, n := range []int{1, 8, 63, 64, 65, 127, 128, 200, 512, 600, 4096} {
			for _, d := range densities {
				src := randomBits(r, n, d)
				name := fmt.Sprintf("n=%d density=%g", n, d)
				whole := n &^ 63
				if maskedTails() {
					whole = n // masked loads and stores take the tail too
				}

				// Bitmap.
				bm, want := make([]byte, (n+7)/8), make([]byte, (n+7)/8)
				count := bitmapWords(want, src)
				done, c := bitmapVec(bm, src)
				if vector && done != whole || !vector && done != 0 {
					t.Fatalf("%s: bitmapVec took %d bytes, want %d", name, done, whole)
				}
				if c != count-bitmapWords(make([]byte, len(want)), src[done:]) ||
					!bytes.Equal(bm[:(done+7)/8], want[:(done+7)/8]) {
					t.Fatalf("%s: bitmapVec = %x, %d; want %x", name, bm, c, want)
				}

				// Pack, into exactly count bytes with a guard after.
				packed := bytes.Repeat([]byte{guard}, count+1)
				wantPacked := make([]byte, count)
				packWords(wantPacked, src, want)
				done, w := packVec(packed[:count], src, want)
				if !bytes.Equal(packed[:w], wantPacked[:w]) || packed[count] != guard || w != nonZero(src[:done]) {
					t.Fatalf("%s: packVec = %d, %d: %x; want %x", name, done, w, packed[:w], wantPacked)
				}
				if vector && count >= 80 && done == 0 {
					t.Fatalf("%s: packVec took nothing", name)
				}

				// Expand into a separate buffer with a guard after; then with a
				// zero input byte, which must stop it before that byte's block.
				for _, zeroAt := range []int{-1, count / 2} {
					in := bytes.Clone(wantPacked)
					if zeroAt >= 0 && count > 0 {
						in[zeroAt] = 0
					}
					in = append(in, 0xee) // one extra byte: not to be read as input
					out := bytes.Repeat([]byte{guard}, n+1)
					done, read := 0, 0
					if count > 0 {
						done, read = expandVec(out[:n], want, in[:count], 0)
					}
					if !bytes.Equal(out[:done], src[:done]) || read != nonZero(src[:done]) ||
						out[n] != guard || done < n && out[done] != guard {
						t.Fatalf("%s zero at %d: expandVec = %d, %d: %x; want %x", name, zeroAt, done, read, out[:done], src[:done])
					}
					if zeroAt < 0 && vector && count >= 8 && done != whole {
						t.Fatalf("%s: expandVec took %d bytes, want %d", name, done, whole)
					}
					if zeroAt >= 0 && count > 0 && read > zeroAt {
						t.Fatalf("%s: expandVec read the zero byte", name)
					}
				}
			}
		}
	})
}

// maskedTails reports whether the active compression kernels take a vector's
// tail too (the amd64 AVX-512 ones, with masked loads and stores): whether they
// do a 1-byte bitmap.
func maskedTails() bool {
	done, _ := bitmapVec(make([]byte, 1), []byte{1})
	return done == 1
}
