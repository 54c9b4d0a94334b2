package scheduler

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
)

// vector returns a deterministic vector of bit in section.
func vector(bit uint, section uint64, size int) []byte {
	v := make([]byte, size)
	for i := range v {
		v[i] = byte(uint64(bit)*131 + section*7 + uint64(i)*13)
	}
	return v
}

// fakeSource serves vector(bit, section, vb) and records its calls.
type fakeSource struct {
	vb int
}

func (s fakeSource) Bitsets(_ context.Context, bit uint, first uint64, dst [][]byte) error {
	for i := range dst {
		copy(dst[i], vector(bit, first+uint64(i), s.vb))
	}
	return nil
}

// changingPanics is a ChangingSource whose Changing panics.
type changingPanics struct{ fakeSource }

func (changingPanics) Changing(section uint64) bool {
	panic(fmt.Sprint("disk count failed at ", section))
}

// serveOne sends one task through ServeRetrievals and returns the answer.
func serveOne(t *testing.T, sectionSize uint64, src Source, task *Retrieval) *Retrieval {
	t.Helper()
	requests := make(chan chan *Retrieval)
	quit := make(chan struct{})
	defer close(quit)
	ServeRetrievals(requests, quit, 2, sectionSize, src)
	request := make(chan *Retrieval)
	requests <- request
	request <- task
	return <-request
}

// Sizes above MaxSectionSize crashed the server ("makeslice: len out of
// range"); they must be an error wrapping ErrSectionSize, as in Scan and Start.
func TestServeRetrievalsSectionSize(t *testing.T) {
	for _, size := range []uint64{0, 12, MaxSectionSize + 8, 1 << 52, 1 << 62, 1<<64 - 8} {
		task := serveOne(t, size, fakeSource{vb: 1}, &Retrieval{Bit: 1, Sections: []uint64{0, 1}})
		if !errors.Is(task.Error, ErrSectionSize) || !strings.Contains(task.Error.Error(), fmt.Sprint(size)) {
			t.Errorf("size %d: error %v, want ErrSectionSize naming the size", size, task.Error)
		}
		if len(task.Bitsets) != 2 || task.Bitsets[0] != nil || task.Bitsets[1] != nil {
			t.Errorf("size %d: bitsets %v, want two nil", size, task.Bitsets)
		}
	}
	task := serveOne(t, MaxSectionSize, fakeSource{vb: MaxSectionSize / 8}, &Retrieval{Bit: 1, Sections: []uint64{3}})
	if task.Error != nil || len(task.Bitsets[0]) != MaxSectionSize/8 {
		t.Fatalf("MaxSectionSize: error %v, %d bytes", task.Error, len(task.Bitsets[0]))
	}
}

// A ChangingSource whose Changing panics (a Composed whose disk count panics)
// crashed the process; it must end the task with ErrSourcePanic.
func TestServeRetrievalsChangingPanics(t *testing.T) {
	const size = 64
	task := serveOne(t, size, changingPanics{fakeSource{vb: size / 8}}, &Retrieval{Bit: 2, Sections: []uint64{5, 6}})
	if !errors.Is(task.Error, ErrSourcePanic) || !strings.Contains(task.Error.Error(), "Changing(5)") {
		t.Fatalf("error %v, want ErrSourcePanic naming the section", task.Error)
	}
}

// committing is a ChangingSource whose sections stop changing during the read
// that serves them, as a live section committed to disk meanwhile does.
type committing struct {
	fakeSource
	committed atomic.Bool
}

func (s *committing) Bitsets(ctx context.Context, bit uint, first uint64, dst [][]byte) error {
	defer s.committed.Store(true)
	return s.fakeSource.Bitsets(ctx, bit, first, dst)
}

func (s *committing) Changing(uint64) bool { return !s.committed.Load() }

// A section read while it could still change is marked changing even if it
// no longer is when the read returns: asked after the read, Changing let the
// Matcher cache the old vector for its later sessions.
func TestServeRetrievalsChangingAskedBeforeRead(t *testing.T) {
	const size = 64
	task := serveOne(t, size, &committing{fakeSource: fakeSource{vb: size / 8}}, &Retrieval{Bit: 2, Sections: []uint64{5, 6}})
	if task.Error != nil {
		t.Fatal(task.Error)
	}
	for i := range task.Sections {
		if !task.Changing(i) {
			t.Errorf("section %d read while changing is not marked changing", task.Sections[i])
		}
	}
}

// allChanging reports every section as changing.
type allChanging struct{ fakeSource }

func (allChanging) Changing(uint64) bool { return true }

// A Retrieval sent again with more sections is marked anew: its marks of the
// first answer, one per old section, crashed the server (index out of range).
func TestServeRetrievalsTaskSentAgain(t *testing.T) {
	const size = 64
	src := allChanging{fakeSource{vb: size / 8}}
	task := serveOne(t, size, src, &Retrieval{Bit: 1, Sections: []uint64{4}})
	task.Sections = []uint64{4, 5, 6}
	task = serveOne(t, size, src, task)
	if task.Error != nil {
		t.Fatal(task.Error)
	}
	for i := range task.Sections {
		if !task.Changing(i) || string(task.Bitsets[i]) != string(vector(1, task.Sections[i], size/8)) {
			t.Errorf("section %d: changing %v, wrong vector or none", task.Sections[i], task.Changing(i))
		}
	}
}

// wrongLength replaces the vector of one section with one of the wrong length.
type wrongLength struct {
	fakeSource
	section uint64
}

func (s wrongLength) Bitsets(ctx context.Context, bit uint, first uint64, dst [][]byte) error {
	if err := s.fakeSource.Bitsets(ctx, bit, first, dst); err != nil {
		return err
	}
	if s.section >= first && s.section < first+uint64(len(dst)) {
		dst[s.section-first] = make([]byte, 3)
	}
	return nil
}

type panics struct{ v any }

func (p panics) Bitsets(context.Context, uint, uint64, [][]byte) error { panic(p.v) }

type fails struct{ err error }

func (f fails) Bitsets(context.Context, uint, uint64, [][]byte) error { return f.err }

// Read, ServeRetrievals and a Scheduler report a breach of the Source contract
// with the same error, naming the bit and the section, wrapping the same
// sentinel, whether the Source is read directly or through a Scheduler.
func TestReadErrorsOnEveryPath(t *testing.T) {
	const size = 64
	boom := errors.New("disk on fire")
	cases := []struct {
		name string
		src  Source
		want error
		text string
	}{
		{"length", wrongLength{fakeSource{vb: size / 8}, 41}, ErrVectorLength, "bit 3, section 41 3 bytes"},
		{"panic", panics{"oops"}, ErrSourcePanic, "bit 3, sections 40..42: oops"},
		{"panic error", panics{boom}, boom, "bit 3, sections 40..42"},
		{"error", fails{boom}, boom, "bit 3, sections 40..42: disk on fire"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bufs := func() [][]byte { return [][]byte{make([]byte, size/8), make([]byte, size/8), make([]byte, size/8)} }
			err := Read(context.Background(), c.src, 3, 40, bufs(), size/8)
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.text) {
				t.Fatalf("Read: %v, want %v containing %q", err, c.want, c.text)
			}
			task := serveOne(t, size, c.src, &Retrieval{Bit: 3, Sections: []uint64{42, 40, 41}})
			if task.Error == nil || task.Error.Error() != err.Error() || !errors.Is(task.Error, c.want) {
				t.Fatalf("ServeRetrievals: %v, want %v", task.Error, err)
			}
			// Through a Scheduler: the same error, not wrapped again by the
			// Read of the Scheduler (a Scan's, a server's).
			sch, serr := New(c.src, size, Config{})
			if serr != nil {
				t.Fatal(serr)
			}
			defer sch.Close()
			if got := sch.Bitsets(context.Background(), 3, 40, bufs()); got == nil || got.Error() != err.Error() || !errors.Is(got, c.want) {
				t.Fatalf("Scheduler: %v, want %v", got, err)
			}
			if got := Read(context.Background(), sch, 3, 40, bufs(), size/8); got == nil || got.Error() != err.Error() || !errors.Is(got, c.want) {
				t.Fatalf("Read of a Scheduler: %v, want %v", got, err)
			}
			task = serveOne(t, size, sch, &Retrieval{Bit: 3, Sections: []uint64{42, 40, 41}})
			if task.Error == nil || task.Error.Error() != err.Error() || !errors.Is(task.Error, c.want) {
				t.Fatalf("ServeRetrievals of a Scheduler: %v, want %v", task.Error, err)
			}
		})
	}
}

// reusing hands out its own slices, which it overwrites on the next call.
type reusing struct {
	fakeSource
	bufs [8][]byte
}

func (s *reusing) Bitsets(_ context.Context, bit uint, first uint64, dst [][]byte) error {
	for i := range dst {
		s.bufs[i] = append(s.bufs[i][:0], vector(bit, first+uint64(i), s.vb)...)
		dst[i] = s.bufs[i]
	}
	return nil
}

// A vector the Source replaced with its own (reused) slice is copied: the
// answer keeps the right vectors after the Source moves on.
func TestServeRetrievalsCopiesReplacedVectors(t *testing.T) {
	const size = 64
	src := &reusing{fakeSource: fakeSource{vb: size / 8}}
	task := serveOne(t, size, src, &Retrieval{Bit: 7, Sections: []uint64{9, 3, 4}})
	if task.Error != nil {
		t.Fatal(task.Error)
	}
	for i, s := range task.Sections {
		if string(task.Bitsets[i]) != string(vector(7, s, size/8)) {
			t.Fatalf("section %d: wrong vector", s)
		}
	}
}

func TestCheckSectionSize(t *testing.T) {
	for _, size := range []uint64{8, 4096, 32768, MaxSectionSize} {
		if err := CheckSectionSize(size); err != nil {
			t.Errorf("%d: %v", size, err)
		}
	}
	for _, size := range []uint64{0, 1, 4100, MaxSectionSize + 8, 1 << 63} {
		if err := CheckSectionSize(size); !errors.Is(err, ErrSectionSize) {
			t.Errorf("%d: %v, want ErrSectionSize", size, err)
		}
	}
}

type copySource struct{ vec []byte }

func (s copySource) Bitsets(_ context.Context, _ uint, _ uint64, dst [][]byte) error {
	for _, d := range dst {
		copy(d, s.vec)
	}
	return nil
}

// BenchmarkServeRetrievals times answering one task of 16 contiguous sections
// (a node's batch), without the channel hand-off: vectors=slab is what
// ServeRetrievals does (one allocation per task); vectors=each allocates every
// vector on its own, as eth/bloombits.go's DecompressBytes does; vectors=reused
// writes into the same buffer every time, which a server must not do (a Matcher
// keeps delivered vectors) and is here only as the bound of what pooling the
// handed-out vectors could save.
func BenchmarkServeRetrievals(b *testing.B) {
	const size = 4096
	src := copySource{vec: vector(3, 0, size/8)}
	sections := make([]uint64, 16)
	for i := range sections {
		sections[i] = uint64(100 + i)
	}
	b.Run("vectors=slab", func(b *testing.B) {
		srv := &server{sectionSize: size, src: src}
		task := &Retrieval{Bit: 3, Sections: sections, Context: context.Background()}
		b.ReportAllocs()
		for range b.N {
			srv.answer(task)
		}
		if task.Error != nil {
			b.Fatal(task.Error)
		}
	})
	b.Run("vectors=each", func(b *testing.B) {
		ctx := context.Background()
		b.ReportAllocs()
		for range b.N {
			bitsets := make([][]byte, len(sections))
			for i, s := range sections {
				bitsets[i] = make([]byte, size/8)
				if err := src.Bitsets(ctx, 3, s, bitsets[i:i+1]); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("vectors=reused", func(b *testing.B) {
		ctx := context.Background()
		slab := make([]byte, len(sections)*size/8)
		bitsets := make([][]byte, len(sections))
		b.ReportAllocs()
		for range b.N {
			for i := range bitsets {
				bitsets[i] = slab[i*size/8 : (i+1)*size/8]
			}
			if err := src.Bitsets(ctx, 3, sections[0], bitsets); err != nil {
				b.Fatal(err)
			}
		}
	})
}
