package matcher

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/bloomsimd/bloomsimd/internal/impltest"
)

// The tests of the Source and retrieval contracts: every way a Source or a
// retriever can break it ends in an error or a defined outcome, never a panic,
// a hang, a leaked goroutine or memory shared with the caller.

// funcSource makes a function a Source.
type funcSource func(ctx context.Context, bit uint, first uint64, dst [][]byte) error

func (f funcSource) Bitsets(ctx context.Context, bit uint, first uint64, dst [][]byte) error {
	return f(ctx, bit, first, dst)
}

// brokenSource serves testVector, except that for bit `bit` in section `section`
// it lets breakage change dst[i] after filling it.
func brokenSource(bit uint, section uint64, breakage func(dst [][]byte, i int)) Source {
	return funcSource(func(ctx context.Context, b uint, first uint64, dst [][]byte) error {
		for i := range dst {
			copy(dst[i], testVector(b, first+uint64(i), testSectionSize))
			if b == bit && first+uint64(i) == section {
				breakage(dst, i)
			}
		}
		return nil
	})
}

// withProcs runs f with GOMAXPROCS 1 (Scan on the caller alone) and 4 (with
// helper goroutines).
func withProcs(t *testing.T, f func(t *testing.T)) {
	for _, procs := range []int{1, 4} {
		t.Run(fmt.Sprintf("procs=%d", procs), func(t *testing.T) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			f(t)
		})
	}
}

// checkPrefix fails unless got is a prefix of the matches of groups over
// begin..end that all lie before block stop.
func checkPrefix(t *testing.T, groups [][][3]uint, begin, end uint64, got []uint64, stop uint64) {
	t.Helper()
	if want := expected(groups, begin, end); len(got) > len(want) || !slices.Equal(got, want[:len(got)]) {
		t.Fatalf("%d matches, not a prefix of the %d expected", len(got), len(want))
	}
	if len(got) > 0 && got[len(got)-1] >= stop {
		t.Fatalf("match %d at or after block %d, where the failure is", got[len(got)-1], stop)
	}
}

// A vector of the wrong length (short, long, empty, nil, or a replacement of the
// wrong length) ends Scan with ErrVectorLength naming the bit and the section.
func TestScanSourceVectorLength(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	groups := [][][3]uint{{{2, 3, 5}}, {{7, 7, 7}}}
	const bit, section = 3, 40
	end := uint64(100*testSectionSize - 1)
	breakages := map[string]func(dst [][]byte, i int){
		"short":     func(dst [][]byte, i int) { dst[i] = dst[i][:len(dst[i])-1] },
		"long":      func(dst [][]byte, i int) { dst[i] = append(dst[i], 0xff) },
		"empty":     func(dst [][]byte, i int) { dst[i] = dst[i][:0] },
		"nil":       func(dst [][]byte, i int) { dst[i] = nil },
		"own short": func(dst [][]byte, i int) { dst[i] = make([]byte, 3) },
	}
	impltest.Run(t, func(t *testing.T) {
		withProcs(t, func(t *testing.T) {
			for name, breakage := range breakages {
				m := newMatcher(testSectionSize, groups)
				got, err := scanAll(m, 0, end, brokenSource(bit, section, breakage))
				if !errors.Is(err, ErrVectorLength) || !strings.Contains(err.Error(), "bit 3, section 40 ") {
					t.Fatalf("%s: err %v, want ErrVectorLength naming bit 3, section 40", name, err)
				}
				checkPrefix(t, groups, 0, end, got, section*testSectionSize)
			}
		})
	})
}

// A Source may replace dst[i] with its own slice: Scan copies it and keeps no
// reference to it, so later Scans (with another Source) never write into it.
func TestScanSourceReplacesVectors(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	impltest.Run(t, func(t *testing.T) {
		withProcs(t, func(t *testing.T) {
			var (
				mu    sync.Mutex
				given [][]byte // the Source's slices
				saved [][]byte // copies of their contents
			)
			owning := funcSource(func(_ context.Context, bit uint, first uint64, dst [][]byte) error {
				mu.Lock()
				defer mu.Unlock()
				for i := range dst {
					v := testVector(bit, first+uint64(i), testSectionSize)
					given, saved = append(given, v), append(saved, slices.Clone(v))
					dst[i] = v
				}
				return nil
			})
			groups := [][][3]uint{{{2, 3, 5}, {7, 7, 11}}}
			m := newMatcher(testSectionSize, groups)
			got, err := scanAll(m, 0, 64*testSectionSize-1, owning)
			if want := expected(groups, 0, 64*testSectionSize-1); err != nil || !slices.Equal(got, want) {
				t.Fatalf("replacing Source: %d matches (err %v), want %d", len(got), err, len(want))
			}
			// Scans that fill their buffers in place, with other bits: whatever
			// buffers they reuse must be Scan's own.
			other := [][][3]uint{{{13, 17, 19}, {23, 29, 31}}, {{37, 41, 43}}}
			for range 20 {
				m := newMatcher(testSectionSize, other)
				if _, err := scanAll(m, 0, 64*testSectionSize-1, testSource{size: testSectionSize}); err != nil {
					t.Fatal(err)
				}
			}
			for i := range given {
				if !bytes.Equal(given[i], saved[i]) {
					t.Fatalf("a later Scan wrote into slice %d the Source handed to an earlier one", i)
				}
			}
		})
	})
}

// A Source that panics, on whichever goroutine calls it, ends Scan with
// ErrSourcePanic naming the bit and the sections; the process goes on, and the
// next Scan works.
func TestScanSourcePanic(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	groups := [][][3]uint{{{2, 3, 5}}}
	end := uint64(200*testSectionSize - 1)
	boom := errors.New("boom")
	values := map[string]func(){
		"string": func() { panic("source on fire") },
		"error":  func() { panic(boom) },
		"runtime": func() {
			var m map[int]int
			//lint:ignore SA5000 the runtime panic is what this checks
			m[0] = 1 // assignment to a nil map
		},
	}
	impltest.Run(t, func(t *testing.T) {
		withProcs(t, func(t *testing.T) {
			for name, doPanic := range values {
				// Every read of bit 3 that reaches section 40 panics: the caller
				// and the helpers all meet one.
				src := funcSource(func(_ context.Context, bit uint, first uint64, dst [][]byte) error {
					if bit == 3 && first+uint64(len(dst)) > 40 {
						doPanic()
					}
					return testSource{size: testSectionSize}.Bitsets(context.Background(), bit, first, dst)
				})
				m := newMatcher(testSectionSize, groups)
				got, err := scanAll(m, 0, end, src)
				if !errors.Is(err, ErrSourcePanic) || !strings.Contains(err.Error(), "bit 3, section") {
					t.Fatalf("%s: err %v, want ErrSourcePanic naming bit 3 and the sections", name, err)
				}
				if name == "error" && !errors.Is(err, boom) {
					t.Fatalf("error panic: err %v does not wrap the panic value", err)
				}
				checkPrefix(t, groups, 0, end, got, 40*testSectionSize)
				got, err = scanAll(m, 0, end, testSource{size: testSectionSize})
				if want := expected(groups, 0, end); err != nil || !slices.Equal(got, want) {
					t.Fatalf("%s: Scan after the panic: %d matches (err %v), want %d", name, len(got), err, len(want))
				}
			}
		})
	})
}

// A Source that returns the cancellation of ctx: Scan returns ctx.Err() itself.
func TestScanSourceReturnsCtxErr(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	m := newMatcher(testSectionSize, [][][3]uint{{{2, 3, 3}}})
	ctx, cancel := context.WithCancel(context.Background())
	src := funcSource(func(ctx context.Context, bit uint, first uint64, dst [][]byte) error {
		if first+uint64(len(dst)) > 30 {
			cancel()
			return fmt.Errorf("read interrupted: %w", ctx.Err())
		}
		return testSource{size: testSectionSize}.Bitsets(ctx, bit, first, dst)
	})
	err := m.Scan(ctx, 0, 1<<30, src, func(uint64) bool { return true })
	if err != context.Canceled {
		t.Fatalf("err %v, want context.Canceled", err)
	}
}

// The largest section size works; the bound is rotate's.
func TestMaxSectionSize(t *testing.T) {
	if testing.Short() {
		t.Skip("128 KiB vectors")
	}
	m := newMatcher(MaxSectionSize, [][][3]uint{{{1, 2, 3}}})
	ones := funcSource(func(_ context.Context, _ uint, _ uint64, dst [][]byte) error {
		for _, v := range dst {
			for i := range v {
				v[i] = 0xff
			}
		}
		return nil
	})
	begin, end := uint64(MaxSectionSize-5), uint64(MaxSectionSize+5)
	got, err := scanAll(m, begin, end, ones)
	if err != nil || len(got) != 11 || got[0] != begin || got[10] != end {
		t.Fatalf("Scan at MaxSectionSize: %v, err %v", got, err)
	}
	got, err = runSession(t, m, begin, end, func(task *Retrieval) {
		task.Bitsets = make([][]byte, len(task.Sections))
		for i := range task.Bitsets {
			task.Bitsets[i] = allOnes(MaxSectionSize / 8)
		}
	})
	if err != nil || len(got) != 11 || got[0] != begin || got[10] != end {
		t.Fatalf("Multiplex at MaxSectionSize: %v, err %v", got, err)
	}
}

// handSession starts a session over begin..end and answers its allocations by
// hand, on the calling goroutine, with reply (which must end with a
// DeliverSections of bit), until AllocateRetrieval reports nothing left. It
// returns the matches and the session's error. A session that hangs fails the
// test after timeout.
func handSession(t *testing.T, m *Matcher, begin, end uint64, reply func(s *MatcherSession, bit uint, sections []uint64)) ([]uint64, error) {
	t.Helper()
	return handSessionBatch(t, m, begin, end, 8, reply)
}

// handSessionBatch is handSession taking up to batch sections at a time.
func handSessionBatch(t *testing.T, m *Matcher, begin, end uint64, batch int, reply func(s *MatcherSession, bit uint, sections []uint64)) ([]uint64, error) {
	t.Helper()
	results := make(chan uint64, 64)
	session, err := m.Start(context.Background(), begin, end, results)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan []uint64)
	go func() {
		var out []uint64
		for b := range results {
			out = append(out, b)
		}
		done <- out
	}()
	hang := time.AfterFunc(20*time.Second, func() { panic("the session hangs") })
	defer hang.Stop()
	for {
		bit, ok := session.AllocateRetrieval()
		if !ok {
			break
		}
		reply(session, bit, session.AllocateSections(bit, batch))
	}
	got := <-done
	session.Close()
	return got, session.Error()
}

// vectors returns the test vectors of bit for sections.
func vectors(bit uint, sections []uint64) [][]byte {
	out := make([][]byte, len(sections))
	for i, s := range sections {
		out[i] = testVector(bit, s, testSectionSize)
	}
	return out
}

// Every odd reply through DeliverSections has its defined outcome, and the
// matches stay exact.
func TestDeliverOddReplies(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	groups := [][][3]uint{{{2, 3, 5}, {7, 7, 7}}, {{3, 11, 11}}}
	const end = 40*testSectionSize - 1
	want := expected(groups, 0, end)
	// once reports true the first time it sees bit and section.
	type key struct {
		bit     uint
		section uint64
	}
	cases := map[string]func(seen map[key]bool) func(s *MatcherSession, bit uint, sections []uint64){
		// nil, empty and missing bitsets: asked again.
		"nil bitsets": func(seen map[key]bool) func(*MatcherSession, uint, []uint64) {
			return func(s *MatcherSession, bit uint, sections []uint64) {
				bitsets := vectors(bit, sections)
				for i, sec := range sections {
					if !seen[key{bit, sec}] {
						seen[key{bit, sec}] = true
						bitsets[i] = nil
					}
				}
				s.DeliverSections(bit, sections, bitsets)
			}
		},
		"empty bitsets": func(seen map[key]bool) func(*MatcherSession, uint, []uint64) {
			return func(s *MatcherSession, bit uint, sections []uint64) {
				bitsets := vectors(bit, sections)
				if len(sections) > 0 && !seen[key{bit, sections[0]}] {
					seen[key{bit, sections[0]}] = true
					bitsets[0] = []byte{}
				}
				s.DeliverSections(bit, sections, bitsets)
			}
		},
		"fewer bitsets": func(map[key]bool) func(*MatcherSession, uint, []uint64) {
			return func(s *MatcherSession, bit uint, sections []uint64) {
				s.DeliverSections(bit, sections, vectors(bit, sections)[:(len(sections)+1)/2])
			}
		},
		// Extra bitsets (of any length) past the sections: ignored.
		"more bitsets": func(map[key]bool) func(*MatcherSession, uint, []uint64) {
			return func(s *MatcherSession, bit uint, sections []uint64) {
				bitsets := append(vectors(bit, sections), allOnes(testSectionSize/8), []byte{1}, nil)
				s.DeliverSections(bit, sections, bitsets)
			}
		},
		// Sections never asked for (outside the range, or of bits the filter does
		// not use), with vectors that would change the matches if used: ignored.
		"unasked sections": func(map[key]bool) func(*MatcherSession, uint, []uint64) {
			return func(s *MatcherSession, bit uint, sections []uint64) {
				s.DeliverSections(13, []uint64{0, 1}, [][]byte{allOnes(testSectionSize / 8), allOnes(testSectionSize / 8)})
				s.DeliverSections(bit, []uint64{1000, 1 << 40}, [][]byte{allOnes(testSectionSize / 8), allOnes(testSectionSize / 8)})
				s.DeliverSections(bit, sections, vectors(bit, sections))
			}
		},
		// The same reply twice, and an earlier reply again later: ignored.
		"duplicates": func(seen map[key]bool) func(*MatcherSession, uint, []uint64) {
			var last []uint64
			var lastBit uint
			return func(s *MatcherSession, bit uint, sections []uint64) {
				dup := append(slices.Clone(sections), sections...)
				s.DeliverSections(bit, dup, vectors(bit, dup))
				s.DeliverSections(bit, sections, vectors(bit, sections))
				if last != nil {
					s.DeliverSections(lastBit, last, vectors(lastBit, last))
				}
				last, lastBit = sections, bit
			}
		},
		// Answering without AllocateSections first: the bit is handed out again.
		"no AllocateSections": func(map[key]bool) func(*MatcherSession, uint, []uint64) {
			return func(s *MatcherSession, bit uint, sections []uint64) {
				s.DeliverSections(bit, sections, vectors(bit, sections))
				next, ok := s.AllocateRetrieval()
				if !ok {
					return
				}
				s.DeliverSections(next, nil, nil) // nothing taken: offer it again
			}
		},
	}
	impltest.Run(t, func(t *testing.T) {
		for name, answer := range cases {
			got, err := handSession(t, newMatcher(testSectionSize, groups), 0, end, answer(map[key]bool{}))
			if err != nil || !slices.Equal(got, want) {
				t.Fatalf("%s: %d matches (err %v), want %d", name, len(got), err, len(want))
			}
		}
	})
}

// A vector of the wrong length ends the session with ErrVectorLength naming the
// bit and the section; results close, nothing more is handed out.
func TestDeliverWrongLength(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	groups := [][][3]uint{{{2, 3, 5}}}
	const end = 40*testSectionSize - 1
	impltest.Run(t, func(t *testing.T) {
		for _, n := range []int{1, testSectionSize/8 - 1, testSectionSize/8 + 1} {
			got, err := handSession(t, newMatcher(testSectionSize, groups), 0, end, func(s *MatcherSession, bit uint, sections []uint64) {
				bitsets := vectors(bit, sections)
				if i := slices.Index(sections, 20); i >= 0 && bit == 5 {
					bitsets[i] = make([]byte, n)
				}
				s.DeliverSections(bit, sections, bitsets)
			})
			if !errors.Is(err, ErrVectorLength) || !strings.Contains(err.Error(), "bit 5, section 20 ") {
				t.Fatalf("length %d: err %v, want ErrVectorLength naming bit 5, section 20", n, err)
			}
			checkPrefix(t, groups, 0, end, got, 20*testSectionSize)
		}
	})
}

// A repeated DeliverSections answers nothing: Close still waits for the
// allocation of another bit that is still out.
func TestDeliverDuplicateKeepsCloseWaiting(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	impltest.Run(t, func(t *testing.T) {
		m := newMatcher(testSectionSize, [][][3]uint{{{2, 3, 5}}})
		results := make(chan uint64)
		session, err := m.Start(context.Background(), 0, 10*testSectionSize, results)
		if err != nil {
			t.Fatal(err)
		}
		a, _ := session.AllocateRetrieval()
		b, _ := session.AllocateRetrieval()
		if a == b {
			t.Fatalf("the same bit %d handed out twice", a)
		}
		as, bs := session.AllocateSections(a, 100), session.AllocateSections(b, 100)
		session.DeliverSections(a, as, vectors(a, as))
		session.DeliverSections(a, as, vectors(a, as)) // a duplicate
		closed := make(chan struct{})
		go func() { session.Close(); close(closed) }()
		select {
		case <-closed:
			t.Fatal("Close returned while the allocation of bit b was still out")
		case <-time.After(20 * time.Millisecond):
		}
		session.DeliverSections(b, bs, vectors(b, bs))
		<-closed
		if err := session.Error(); err != nil {
			t.Fatal(err)
		}
	})
}

// After Close: deliveries of every kind are accepted without effect (no panic,
// no error), and nothing is handed out.
func TestDeliverAfterClose(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	impltest.Run(t, func(t *testing.T) {
		m := newMatcher(testSectionSize, [][][3]uint{{{2, 3, 5}}})
		results := make(chan uint64)
		session, err := m.Start(context.Background(), 0, 10*testSectionSize, results)
		if err != nil {
			t.Fatal(err)
		}
		bit, _ := session.AllocateRetrieval()
		sections := session.AllocateSections(bit, 4)
		session.DeliverSections(bit, sections, vectors(bit, sections))
		session.Close()
		session.DeliverSections(bit, sections, vectors(bit, sections))
		session.DeliverSections(bit, []uint64{5, 6}, [][]byte{{1, 2}, nil, {3}})
		session.DeliverSections(99, []uint64{1}, [][]byte{{1}})
		session.DeliverSections(3, nil, nil)
		if err := session.Error(); err != nil {
			t.Fatalf("Error() after late deliveries = %v", err)
		}
		if b, ok := session.AllocateRetrieval(); ok {
			t.Fatalf("AllocateRetrieval after Close handed out bit %d", b)
		}
		for range results {
		}
	})
}

// Multiplex: a nil reply ends the session with ErrNilReply instead of a panic;
// replies with odd shapes keep the matches exact.
func TestMultiplexOddReplies(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	groups := [][][3]uint{{{2, 3, 5}}, {{7, 11, 11}}}
	const end = 30*testSectionSize - 1
	want := expected(groups, 0, end)
	impltest.Run(t, func(t *testing.T) {
		m := newMatcher(testSectionSize, groups)
		var nilOnce sync.Once
		mux := make(chan chan *Retrieval)
		quit := make(chan struct{})
		var wg sync.WaitGroup
		serveReplies(2, mux, quit, &wg, func(task *Retrieval) *Retrieval {
			reply := task
			nilOnce.Do(func() { reply = nil })
			if reply != nil {
				vectorsOf(testSectionSize)(task)
			}
			return reply
		})
		results := make(chan uint64, 64)
		session, err := m.Start(context.Background(), 0, end, results)
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() { defer wg.Done(); session.Multiplex(4, 0, mux) }()
		got := collect(t, results)
		session.Close()
		close(quit)
		wg.Wait()
		if err := session.Error(); !errors.Is(err, ErrNilReply) {
			t.Fatalf("err %v, want ErrNilReply", err)
		}
		checkPrefix(t, groups, 0, end, got, end+1)

		var calls atomic.Int32 // every other reply is odd: the others make progress
		shapes := map[string]func(*Retrieval){
			"more bitsets": func(task *Retrieval) {
				vectorsOf(testSectionSize)(task)
				task.Bitsets = append(task.Bitsets, allOnes(testSectionSize/8), nil, []byte{1})
			},
			"repeated sections": func(task *Retrieval) {
				task.Sections = append(slices.Clone(task.Sections), task.Sections...)
				vectorsOf(testSectionSize)(task)
			},
			"unknown bit": func(task *Retrieval) {
				if calls.Add(1)%2 == 0 {
					vectorsOf(testSectionSize)(task)
					return
				}
				task.Bit = 2047 // none of the filter's: every section asked again
				task.Bitsets = [][]byte{allOnes(testSectionSize / 8)}
			},
			"no sections": func(task *Retrieval) {
				if calls.Add(1)%2 == 0 {
					task.Sections = nil
				}
				vectorsOf(testSectionSize)(task)
			},
		}
		for name, answer := range shapes {
			got, err := runSession(t, newMatcher(testSectionSize, groups), 0, end, answer)
			if err != nil || !slices.Equal(got, want) {
				t.Fatalf("%s: %d matches (err %v), want %d", name, len(got), err, len(want))
			}
		}
	})
}
