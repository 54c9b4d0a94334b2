package scheduler

import (
	"context"
	"encoding/binary"
	"errors"
	"testing"
)

// fuzzSource is a ChangingSource driven by the fuzzer's bytes: per call it serves
// the right vectors, or fails, panics, replaces a vector with one of the wrong
// length or its own slice, and its Changing panics or reports some sections.
type fuzzSource struct {
	vb   int
	mode byte
}

func (h fuzzSource) Bitsets(_ context.Context, bit uint, first uint64, dst [][]byte) error {
	switch h.mode % 6 {
	case 1:
		return errors.New("read failed")
	case 2:
		panic("read panicked")
	case 3:
		dst[len(dst)-1] = make([]byte, h.vb+1)
		return nil
	}
	for i := range dst {
		v := vector(bit, first+uint64(i), h.vb)
		if h.mode%6 == 4 {
			dst[i] = v // its own slice
		} else {
			copy(dst[i], v)
		}
	}
	return nil
}

func (h fuzzSource) Changing(section uint64) bool {
	if h.mode%6 == 5 && section%3 == 0 {
		panic("count failed")
	}
	return section%2 == 1
}

// FuzzServeRetrievals: whatever the task (bit, sections in any order, repeated,
// up to 2^64-1), the section size and the Source's behaviour, ServeRetrievals
// and a Scheduler never panic nor hang; an answer without error holds the
// right vectors, and a failure wraps the Source's own error kind.
func FuzzServeRetrievals(f *testing.F) {
	f.Add(uint16(3), uint8(0), uint8(0), []byte{0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 4})
	f.Add(uint16(2047), uint8(2), uint8(4), []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Add(uint16(9), uint8(5), uint8(5), []byte{0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 3})
	sizes := []uint64{64, 8, 4096, 0, 12, MaxSectionSize + 8, 1 << 62}
	f.Fuzz(func(t *testing.T, bit uint16, sizeIdx, mode uint8, raw []byte) {
		size := sizes[int(sizeIdx)%len(sizes)]
		var sections []uint64
		for len(raw) >= 8 && len(sections) < 32 {
			sections = append(sections, binary.BigEndian.Uint64(raw))
			raw = raw[8:]
		}
		vb := 8
		if CheckSectionSize(size) == nil {
			vb = int(size / 8)
		}
		src := fuzzSource{vb: vb, mode: mode}
		task := serveOne(t, size, src, &Retrieval{Bit: uint(bit), Sections: sections})
		if len(task.Bitsets) != len(sections) {
			t.Fatalf("%d bitsets for %d sections", len(task.Bitsets), len(sections))
		}
		if task.Error == nil {
			for i, s := range sections {
				if string(task.Bitsets[i]) != string(vector(uint(bit), s, vb)) {
					t.Fatalf("section %d: wrong vector", s)
				}
			}
		}
		if CheckSectionSize(size) != nil || len(sections) == 0 {
			return
		}
		sch, err := New(src, size, Config{MaxReads: 2, CacheBytes: 4 << 10})
		if err != nil {
			t.Fatal(err)
		}
		defer sch.Close()
		first := sections[0]
		n := min(len(sections), 4)
		dst := make([][]byte, n)
		for i := range dst {
			dst[i] = make([]byte, vb)
		}
		if err := sch.Bitsets(context.Background(), uint(bit), first, dst); err == nil {
			for i := range dst {
				if string(dst[i]) != string(vector(uint(bit), first+uint64(i), vb)) {
					t.Fatalf("Scheduler: section %d: wrong vector", first+uint64(i))
				}
			}
		}
	})
}
