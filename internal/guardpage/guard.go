// Package guardpage gives tests byte buffers that sit against inaccessible pages, so
// that a kernel loading or storing one byte past either end of a buffer faults
// instead of reading or corrupting its neighbours unseen.
package guardpage

import (
	"testing"
	"unsafe"
)

// Mem is a mapping of regions of usable pages, each between two PROT_NONE pages:
// guard, region 0, guard, region 1, ..., guard.
type Mem struct {
	mem    []byte
	page   int // page size
	region int // bytes in each region, a multiple of page
}

// New maps regions regions of at least size bytes each (rounded up to whole
// pages), each with an inaccessible page before and after it. It fails where the
// platform has no mmap and mprotect (tests then skip); the caller calls Free.
func New(regions, size int) (*Mem, error) { return mapRegions(regions, size) }

// ForTest is New for a test: it skips the test where guard pages cannot be
// mapped and frees the memory when the test ends.
func ForTest(tb testing.TB, regions, size int) *Mem {
	tb.Helper()
	m, err := New(regions, size)
	if err != nil {
		tb.Skip(err)
	}
	tb.Cleanup(m.Free)
	return m
}

// End returns n bytes of region r that end right before the guard page after
// it: a byte past the end is inaccessible. Its capacity ends there too.
func (m *Mem) End(r, n int) []byte {
	m.check(n)
	end := m.start(r) + m.region
	return m.mem[end-n : end : end]
}

// Start returns n bytes of region r that begin right after the guard page
// before it: a byte before the start is inaccessible.
func (m *Mem) Start(r, n int) []byte {
	m.check(n)
	start := m.start(r)
	return m.mem[start : start+n : start+n]
}

// At returns Start(r, n) when atStart, else End(r, n).
func (m *Mem) At(atStart bool, r, n int) []byte {
	if atStart {
		return m.Start(r, n)
	}
	return m.End(r, n)
}

// Size is the number of bytes in each region.
func (m *Mem) Size() int { return m.region }

func (m *Mem) check(n int) {
	if n < 0 || n > m.region {
		panic("guardpage: buffer larger than its region")
	}
}

func (m *Mem) start(r int) int {
	if r < 0 || (r+1)*(m.region+m.page) >= len(m.mem) {
		panic("guardpage: no such region")
	}
	return m.page + r*(m.region+m.page)
}

// Blooms views p, a multiple of 256 bytes long, as blooms: the blooms end where
// p ends.
func Blooms(p []byte) [][256]byte {
	if len(p)%256 != 0 {
		panic("guardpage: bloom buffer not a multiple of 256 bytes")
	}
	if len(p) == 0 {
		return nil
	}
	return unsafe.Slice((*[256]byte)(unsafe.Pointer(&p[0])), len(p)/256)
}
