//go:build !purego && !noasm && (amd64 || arm64)

package asm

import (
	"bytes"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"testing"

	"github.com/bloomsimd/bloomsimd/internal/cpu"
)

// Every exported function must refuse bad arguments with a panic of its own
// (one of check.go's errors) before any memory is touched, and with good
// arguments must touch nothing outside the slices it was given. The buffers live
// inside larger slabs whose bytes around them are canaries.

const pad = 64 // canary bytes on each side of a buffer

// arena hands out buffers inside canary-filled slabs and checks them afterwards.
type arena struct {
	slabs [][]byte
	snaps [][]byte
	off   []int // where each buffer starts in its slab
	n     []int // each buffer's length
}

// buf returns an n-byte buffer of random bytes (zero with probability 1-density)
// whose capacity ends with it, surrounded by canaries.
func (a *arena) buf(r *rand.Rand, n int, density float64) []byte {
	slab := make([]byte, pad+n+pad)
	for i := range slab {
		slab[i] = 0xA5
	}
	p := slab[pad : pad+n : pad+n]
	for i := range p {
		p[i] = 0
		if r.Float64() < density {
			p[i] = byte(1 + r.IntN(255))
		}
	}
	a.slabs = append(a.slabs, slab)
	a.snaps = append(a.snaps, bytes.Clone(slab))
	a.off = append(a.off, pad)
	a.n = append(a.n, n)
	return p
}

// canariesIntact reports whether every byte around every buffer is unchanged.
func (a *arena) canariesIntact() bool {
	for i, s := range a.slabs {
		o, n := a.off[i], a.n[i]
		if !bytes.Equal(s[:o], a.snaps[i][:o]) || !bytes.Equal(s[o+n:], a.snaps[i][o+n:]) {
			return false
		}
	}
	return true
}

// untouched reports whether no byte of any slab changed.
func (a *arena) untouched() bool {
	for i, s := range a.slabs {
		if !bytes.Equal(s, a.snaps[i]) {
			return false
		}
	}
	return true
}

// ownPanic runs f and returns whether it panicked with one of check.go's errors;
// any other panic fails the test.
func ownPanic(t *testing.T, name string, f func()) (panicked bool) {
	t.Helper()
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		switch v {
		case errBlocks, errRoom, errArgs, errLevel:
			panicked = true
		default:
			t.Errorf("%s: foreign panic %v", name, v)
		}
	}()
	f()
	return false
}

// eachLevel runs f at every level this CPU runs, the generic one included.
func eachLevel(t *testing.T, f func(t *testing.T)) {
	for _, l := range cpu.Supported() {
		t.Run(l.String(), func(t *testing.T) {
			restore, err := cpu.Set(l.String())
			if err != nil {
				t.Fatal(err)
			}
			defer restore()
			f(t)
		})
	}
}

// badCase builds buffers in a and returns a call that must be refused.
type badCase struct {
	name string
	call func(a *arena, r *rand.Rand) func()
}

// refused reports whether the block functions must refuse these lengths: not all
// equal, or not a positive multiple of 64.
func refused(lens ...int) bool {
	for _, n := range lens {
		if n != lens[0] {
			return true
		}
	}
	return lens[0] <= 0 || lens[0]%64 != 0
}

func badCases() []badCase {
	var cs []badCase
	add := func(name string, call func(a *arena, r *rand.Rand) func()) {
		cs = append(cs, badCase{name, call})
	}
	// Lengths that are not positive multiples of 64, and mismatched lengths.
	type lens struct{ d, a, b, c int }
	bad := []lens{{0, 0, 0, 0}, {1, 1, 1, 1}, {63, 63, 63, 63}, {65, 65, 65, 65}, {100, 100, 100, 100},
		{64, 0, 64, 64}, {64, 64, 0, 64}, {64, 64, 64, 0}, {128, 64, 128, 128}, {64, 128, 64, 64},
		{128, 128, 64, 128}, {128, 128, 128, 64}, {64, 64, 64, 128}}
	add3 := func(name string, ld, la, lb int) {
		add("And"+name, func(a *arena, r *rand.Rand) func() {
			d, x, y := a.buf(r, ld, .5), a.buf(r, la, .5), a.buf(r, lb, .5)
			return func() { And(d, x, y) }
		})
		add("Or"+name, func(a *arena, r *rand.Rand) func() {
			d, x, y := a.buf(r, ld, .5), a.buf(r, la, .5), a.buf(r, lb, .5)
			return func() { Or(d, x, y) }
		})
		add("Xor"+name, func(a *arena, r *rand.Rand) func() {
			d, x, y := a.buf(r, ld, .5), a.buf(r, la, .5), a.buf(r, lb, .5)
			return func() { Xor(d, x, y) }
		})
	}
	add4 := func(name string, ld, la, lb, lc int) {
		add("And3"+name, func(a *arena, r *rand.Rand) func() {
			d, x, y, z := a.buf(r, ld, .5), a.buf(r, la, .5), a.buf(r, lb, .5), a.buf(r, lc, .5)
			return func() { And3(d, x, y, z) }
		})
		add("OrAnd3"+name, func(a *arena, r *rand.Rand) func() {
			d, x, y, z := a.buf(r, ld, .5), a.buf(r, la, .5), a.buf(r, lb, .5), a.buf(r, lc, .5)
			return func() { OrAnd3(d, x, y, z) }
		})
	}
	add2 := func(name string, ld, la int) {
		add("OrInto"+name, func(a *arena, r *rand.Rand) func() {
			d, s := a.buf(r, ld, .5), a.buf(r, la, .5)
			return func() { OrInto(d, s) }
		})
		add("AndInto"+name, func(a *arena, r *rand.Rand) func() {
			d, s := a.buf(r, ld, .5), a.buf(r, la, .5)
			return func() { AndInto(d, s) }
		})
	}
	add1 := func(n int) {
		add(fmt.Sprintf("Test(%d)", n), func(a *arena, r *rand.Rand) func() {
			p := a.buf(r, n, .5)
			return func() { Test(p) }
		})
		add(fmt.Sprintf("Popcount(%d)", n), func(a *arena, r *rand.Rand) func() {
			p := a.buf(r, n, .5)
			return func() { Popcount(p) }
		})
	}
	for _, l := range bad {
		if refused(l.d, l.a, l.b) {
			add3(fmt.Sprintf("%v", l), l.d, l.a, l.b)
		}
		if refused(l.d, l.a, l.b, l.c) {
			add4(fmt.Sprintf("%v", l), l.d, l.a, l.b, l.c)
		}
		if refused(l.d, l.a) {
			add2(fmt.Sprintf("%v", l), l.d, l.a)
		}
		if refused(l.d) {
			add1(l.d)
		}
	}
	// Bitmaps shorter than ceil(n/8).
	for _, n := range []int{1, 9, 64, 65, 512} {
		short := (n+7)/8 - 1
		add(fmt.Sprintf("Bitmap(n=%d,dst=%d)", n, short), func(a *arena, r *rand.Rand) func() {
			d, s := a.buf(r, short, .5), a.buf(r, n, .5)
			return func() { Bitmap(d, s) }
		})
		add(fmt.Sprintf("Pack(n=%d,bm=%d)", n, short), func(a *arena, r *rand.Rand) func() {
			d, s, bm := a.buf(r, n, .5), a.buf(r, n, .5), a.buf(r, short, .5)
			return func() { Pack(d, s, bm) }
		})
		add(fmt.Sprintf("Expand(n=%d,bm=%d)", n, short), func(a *arena, r *rand.Rand) func() {
			d, bm, s := a.buf(r, n, .5), a.buf(r, short, 1), a.buf(r, n, 1)
			return func() { Expand(d, bm, s) }
		})
	}
	// Scatter: words out of 1..8, strides shorter than the words, dst one byte short.
	type sc struct{ stride, words, dst int }
	for _, c := range []sc{{8, 0, 2048 * 8}, {72, 9, 2048 * 72}, {8, -1, 2048 * 8}, {-8, 1, 2048 * 8},
		{7, 1, 2048 * 8}, {16, 3, 2048 * 24}, {8, 1, 2047*8 + 7}, {64, 8, 2047*64 + 63}, {8, 1, 0},
		{1 << 62, 1, 4096}} {
		add(fmt.Sprintf("Scatter%v", c), func(a *arena, r *rand.Rand) func() {
			d := a.buf(r, c.dst, 0)
			rows := new([64][2048]byte)
			return func() { Scatter(d, c.stride, rows, c.words) }
		})
	}
	add("Scatter(rows=nil)", func(a *arena, r *rand.Rand) func() {
		d := a.buf(r, 2048*8, 0)
		return func() { Scatter(d, 8, nil, 1) }
	})
	add("Transpose8(nil dst)", func(a *arena, r *rand.Rand) func() {
		return func() { Transpose8(nil, new([8][256]byte)) }
	})
	add("Transpose8(nil src)", func(a *arena, r *rand.Rand) func() {
		return func() { Transpose8(new([2048]byte), nil) }
	})
	return cs
}

// TestBadArguments: every exported function refuses n = 0, lengths that are not
// whole blocks, mismatched lengths and short outputs with its own panic, at every
// level, writing nothing.
func TestBadArguments(t *testing.T) {
	eachLevel(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(1, 2))
		for _, c := range badCases() {
			var a arena
			call := c.call(&a, r)
			if !ownPanic(t, c.name, call) {
				t.Errorf("%s: not refused", c.name)
			}
			if !a.untouched() {
				t.Errorf("%s: memory written before the refusal", c.name)
			}
		}
	})
}

// TestGoodArgumentsStayInside: with valid arguments the block functions and the
// compression functions write only inside their output slices, at every level,
// and agree with plain Go; Pack stops at any room.
func TestGoodArgumentsStayInside(t *testing.T) {
	eachLevel(t, func(t *testing.T) {
		if cpu.Active == cpu.Generic {
			// The block functions refuse this level; the compression ones do nothing.
			var a arena
			r := rand.New(rand.NewPCG(3, 4))
			d, x, y := a.buf(r, 64, .5), a.buf(r, 64, .5), a.buf(r, 64, .5)
			if !ownPanic(t, "And at generic", func() { And(d, x, y) }) || !a.untouched() {
				t.Error("And ran at the generic level")
			}
			if done, _ := Bitmap(a.buf(r, 8, 0), a.buf(r, 64, .5)); done != 0 || !a.untouched() {
				t.Error("Bitmap ran at the generic level")
			}
			return
		}
		r := rand.New(rand.NewPCG(5, 6))
		for _, n := range []int{64, 128, 192, 256, 320, 512, 4096} {
			var a arena
			d, x, y, z := a.buf(r, n, .5), a.buf(r, n, .5), a.buf(r, n, .5), a.buf(r, n, .5)
			want := make([]byte, n)
			for i := range want {
				want[i] = x[i] & y[i] & z[i]
			}
			And3(d, x, y, z)
			if !bytes.Equal(d, want) || !a.canariesIntact() {
				t.Fatalf("And3 n=%d: wrong result or canary overwritten", n)
			}
			if got, w := Popcount(x), popcount(x); got != w || !a.canariesIntact() {
				t.Fatalf("Popcount n=%d = %d, want %d", n, got, w)
			}
		}
		for _, n := range []int{1, 7, 8, 63, 64, 65, 127, 128, 200, 512} {
			for _, density := range []float64{0, .1, .5, 1} {
				checkCompression(t, r, n, density)
			}
		}
		checkScatter(t, r)
	})
}

func popcount(p []byte) int {
	c := 0
	for _, b := range p {
		c += bits.OnesCount8(b)
	}
	return c
}

// checkCompression runs Bitmap, Pack (at every room from 0 to n+8) and Expand on an
// n-byte input and checks the parts they report done against plain Go, and the
// canaries.
func checkCompression(t *testing.T, r *rand.Rand, n int, density float64) {
	t.Helper()
	var a arena
	src := a.buf(r, n, density)
	bm := a.buf(r, (n+7)/8, 0)
	done, count := Bitmap(bm, src)
	var nz []byte
	for i, b := range src {
		if b != 0 {
			nz = append(nz, b)
		}
		if i < done && (bm[i/8]&(0x80>>(i%8)) != 0) != (b != 0) {
			t.Fatalf("Bitmap n=%d: bit %d wrong", n, i)
		}
	}
	if done < 0 || done > n || count != countNonZero(src[:done]) || !a.canariesIntact() {
		t.Fatalf("Bitmap n=%d: done %d count %d, or canary overwritten", n, done, count)
	}
	if done < n {
		bitmapGo(bm, src) // finish the bitmap for Pack and Expand
	}
	for room := 0; room <= n+8; room++ {
		var b arena
		dst := b.buf(r, room, 0)
		pd, w := Pack(dst, src, bm)
		if pd < 0 || pd > n || w > room || !b.canariesIntact() {
			t.Fatalf("Pack n=%d room=%d: done %d written %d, or a write past room", n, room, pd, w)
		}
		if want := countNonZero(src[:pd]); w != want || !bytes.Equal(dst[:w], nz[:w]) {
			t.Fatalf("Pack n=%d room=%d: wrote %x, want %x", n, room, dst[:w], nz[:want])
		}
	}
	var c arena
	out := c.buf(r, n, 1)
	in := c.buf(r, len(nz), 0)
	copy(in, nz)
	ed, read := Expand(out, bm, in)
	if ed < 0 || ed > n || read != countNonZero(src[:ed]) || !bytes.Equal(out[:ed], src[:ed]) || !c.canariesIntact() {
		t.Fatalf("Expand n=%d: done %d read %d, wrong bytes or canary overwritten", n, ed, read)
	}
	// Missing input: Expand stops without reading or writing past the slices.
	if len(nz) > 0 {
		var d arena
		out := d.buf(r, n, 1)
		in := d.buf(r, len(nz)-1, 0)
		copy(in, nz)
		if ed, read := Expand(out, bm, in); read > len(in) || ed > n || !d.canariesIntact() {
			t.Fatalf("Expand short input n=%d: done %d read %d or canary overwritten", n, ed, read)
		}
	}
}

func countNonZero(p []byte) int {
	c := 0
	for _, b := range p {
		if b != 0 {
			c++
		}
	}
	return c
}

func bitmapGo(bm, src []byte) {
	clear(bm)
	for i, b := range src {
		if b != 0 {
			bm[i/8] |= 0x80 >> (i % 8)
		}
	}
}

// checkScatter scatters into a dst that ends exactly at the last vector's words.
func checkScatter(t *testing.T, r *rand.Rand) {
	t.Helper()
	rows := new([64][2048]byte)
	for g := range rows {
		for i := range rows[g] {
			rows[g][i] = byte(r.Uint32())
		}
	}
	for words := 1; words <= 8; words++ {
		for _, stride := range []int{8 * words, 8*words + 3, 64} {
			var a arena
			dst := a.buf(r, 2047*stride+8*words, 0)
			if !Scatter(dst, stride, rows, words) {
				t.Fatalf("Scatter words=%d: no kernel", words)
			}
			for i := 0; i < 2048; i++ {
				for g := 0; g < 8*words; g++ {
					if dst[i*stride+g] != rows[g][i] {
						t.Fatalf("Scatter words=%d stride=%d: vector %d byte %d wrong", words, stride, i, g)
					}
				}
			}
			if !a.canariesIntact() {
				t.Fatalf("Scatter words=%d stride=%d: write past dst", words, stride)
			}
		}
	}
}
