package guardpage

import (
	"runtime/debug"
	"testing"
	"unsafe"
)

// touch reads the byte at p+off through a pointer no bounds check sees, and
// reports whether it faulted.
func touch(p []byte, off int) (faulted bool) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() { faulted = recover() != nil }()
	base := unsafe.Pointer(unsafe.SliceData(p))
	sink = *(*byte)(unsafe.Add(base, off))
	return false
}

var sink byte // keeps touch's load

// The bytes of every buffer are usable; the byte past an End buffer and the
// byte before a Start buffer fault.
func TestGuardsFault(t *testing.T) {
	m := ForTest(t, 3, 5000)
	if m.Size() < 5000 {
		t.Fatalf("region of %d bytes, asked for 5000", m.Size())
	}
	for r := range 3 {
		for _, n := range []int{1, 7, 64, m.Size()} {
			end, start := m.End(r, n), m.Start(r, n)
			for i := range n {
				end[i], start[i] = byte(i), byte(i)
			}
			if len(end) != n || cap(end) != n || len(start) != n || cap(start) != n {
				t.Fatalf("region %d n=%d: lengths %d/%d, %d/%d", r, n, len(end), cap(end), len(start), cap(start))
			}
			if !touch(end, n) {
				t.Fatalf("region %d n=%d: byte after End readable", r, n)
			}
			if !touch(start, -1) {
				t.Fatalf("region %d n=%d: byte before Start readable", r, n)
			}
			if touch(end, n-1) || touch(start, 0) {
				t.Fatalf("region %d n=%d: buffer byte faulted", r, n)
			}
		}
	}
	for name, f := range map[string]func(){
		"region":   func() { m.End(3, 1) },
		"size":     func() { m.Start(0, m.Size()+1) },
		"blooms":   func() { Blooms(make([]byte, 300)) },
		"negative": func() { m.End(0, -1) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
	bl := Blooms(m.End(1, 512))
	if len(bl) != 2 || &bl[1][255] != &m.End(1, 1)[0] {
		t.Fatal("Blooms does not view the buffer")
	}
}
