package bitops

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"

	"github.com/bloomsimd/bloomsimd/internal/impltest"
)

// TestCompressGuardPages runs the kernels on inputs and outputs that end right
// before an inaccessible page, and outputs that start right after one: a load or
// store past either end faults.
func TestCompressGuardPages(t *testing.T) {
	page := syscall.Getpagesize()
	mem, err := syscall.Mmap(-1, 0, 4*page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Skip("mmap:", err)
	}
	defer syscall.Munmap(mem)
	for _, p := range []int{0, 3} {
		if err := syscall.Mprotect(mem[p*page:(p+1)*page], syscall.PROT_NONE); err != nil {
			t.Skip("mprotect:", err)
		}
	}
	// Two usable pages between the guards: put one buffer against each guard.
	first := func(n int) []byte { return mem[page : page+n : page+n] }
	last := func(n int) []byte { return mem[3*page-n : 3*page : 3*page] }
	impltest.Run(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(12, 12))
		for _, d := range densities {
			for n := 0; n <= 1100; n++ {
				if n > 140 && n%64 > 2 && n%64 < 62 {
					continue
				}
				data := randomBits(r, n, d)
				want := refCompress(data)
				name := fmt.Sprintf("density=%g n=%d", d, n)
				for _, inFirst := range []bool{false, true} {
					in, out := last(n), first(len(want))
					if inFirst {
						in, out = first(n), last(len(want))
					}
					copy(in, data)
					if got := AppendCompressed(out[:0], in); !bytes.Equal(got, want) {
						t.Fatalf("%s: compress at the guards = %x, want %x", name, got, want)
					}
					enc, dec := last(len(want)), first(n)
					if inFirst {
						enc, dec = first(len(want)), last(n)
					}
					copy(enc, want)
					if err := DecompressInto(dec, enc); err != nil || !bytes.Equal(dec, data) {
						t.Fatalf("%s: decompress at the guards = %x, %v; want %x", name, dec, err, data)
					}
				}
			}
		}
	})
}
