package matcher

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/bloomsimd/bloomsimd/internal/impltest"
)

// startServer runs ServeRetrievals on a fresh request channel and stops it when
// the test ends, checking that every server goroutine has exited.
func startServer(t *testing.T, threads int, sectionSize uint64, src Source) chan chan *Retrieval {
	t.Helper()
	ignore := goleak.IgnoreCurrent()
	requests := make(chan chan *Retrieval)
	quit := make(chan struct{})
	ServeRetrievals(requests, quit, threads, sectionSize, src)
	t.Cleanup(func() {
		close(quit)
		goleak.VerifyNone(t, ignore)
	})
	return requests
}

// ask sends task through requests as Multiplex does and returns the reply.
func ask(t *testing.T, requests chan chan *Retrieval, task *Retrieval) *Retrieval {
	t.Helper()
	request := make(chan *Retrieval)
	timeout := time.After(30 * time.Second)
	select {
	case requests <- request:
	case <-timeout:
		t.Fatal("no server took the request")
	}
	request <- task
	select {
	case reply := <-request:
		return reply
	case <-timeout:
		t.Fatal("no reply")
	}
	return nil
}

// readLog is a Source's record of its Bitsets calls.
type readLog struct {
	mu    sync.Mutex
	reads []string // "bit:first+n"
}

func (l *readLog) record(bit uint, first uint64, n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reads = append(l.reads, fmt.Sprintf("%d:%d+%d", bit, first, n))
}

func (l *readLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.reads
	l.reads = nil
	return r
}

// The reply to any list of sections holds each section's vector at its index,
// read in contiguous ascending runs with one Source call each.
func TestServeRetrievalsSections(t *testing.T) {
	const size = 64
	var log readLog
	src := testSource{size: size, failAt: ^uint64(0), onRead: log.record}
	requests := startServer(t, 2, size, src)
	for _, tc := range []struct {
		sections []uint64
		reads    []string
	}{
		{[]uint64{}, nil},
		{[]uint64{0}, []string{"3:0+1"}},
		{[]uint64{4, 5, 6, 7}, []string{"3:4+4"}},
		{[]uint64{1, 2, 9, 10, 11, 20}, []string{"3:1+2", "3:9+3", "3:20+1"}},
		{[]uint64{11, 9, 2, 10, 1}, []string{"3:1+2", "3:9+3"}},
		{[]uint64{5, 5, 6, 5, 8, 6}, []string{"3:5+2", "3:8+1"}},
		{[]uint64{^uint64(0), ^uint64(0) - 1, 0}, []string{"3:0+1", fmt.Sprintf("3:%d+2", ^uint64(0)-1)}},
	} {
		reply := ask(t, requests, &Retrieval{Bit: 3, Sections: slices.Clone(tc.sections), Context: context.Background()})
		if reply.Error != nil {
			t.Fatalf("%v: %v", tc.sections, reply.Error)
		}
		if reply.Bit != 3 || !slices.Equal(reply.Sections, tc.sections) || len(reply.Bitsets) != len(tc.sections) {
			t.Fatalf("%v: reply for bit %d, sections %v, %d bitsets", tc.sections, reply.Bit, reply.Sections, len(reply.Bitsets))
		}
		for i, s := range tc.sections {
			if want := testVector(3, s, size); !slices.Equal(reply.Bitsets[i], want) {
				t.Fatalf("%v: bitset %d (section %d) = %x, want %x", tc.sections, i, s, reply.Bitsets[i], want)
			}
		}
		if reads := log.take(); !slices.Equal(reads, tc.reads) {
			t.Fatalf("%v: reads %v, want %v", tc.sections, reads, tc.reads)
		}
	}
}

// Vectors handed out stay as they are while the server answers other tasks: a
// Matcher keeps them for its later sessions.
func TestServeRetrievalsKeepsVectors(t *testing.T) {
	const size = 4096
	requests := startServer(t, 1, size, testSource{size: size, failAt: ^uint64(0)})
	var replies []*Retrieval
	for bit := uint(1); bit <= 20; bit++ {
		replies = append(replies, ask(t, requests, &Retrieval{Bit: bit, Sections: []uint64{0, 1, 2, 3}}))
	}
	for _, reply := range replies {
		for i, s := range reply.Sections {
			if !slices.Equal(reply.Bitsets[i], testVector(reply.Bit, s, size)) {
				t.Fatalf("bit %d, section %d changed after later tasks", reply.Bit, s)
			}
		}
	}
}

// errSource fails as told: an error, a panic or a vector of the wrong length at
// section bad, and serves testVector elsewhere.
type errSource struct {
	size uint64
	bad  uint64
	mode string // "error", "panic", "short", "long"
}

var errTestSource = errors.New("test source failure")

func (s errSource) Bitsets(ctx context.Context, bit uint, first uint64, dst [][]byte) error {
	if first <= s.bad && s.bad < first+uint64(len(dst)) {
		switch s.mode {
		case "error":
			return errTestSource
		case "panic":
			var m map[string]int
			m["x"]++ // a nil map write, as a buggy Source would
		case "short":
			dst[s.bad-first] = dst[s.bad-first][:1]
		case "long":
			dst[s.bad-first] = make([]byte, s.size)
		}
	}
	for i := range dst {
		if len(dst[i]) == int(s.size/8) {
			copy(dst[i], testVector(bit, first+uint64(i), s.size))
		}
	}
	return nil
}

// A failing run sets task.Error naming its bit and sections and leaves its
// bitsets nil; the other runs are answered and the server keeps serving.
func TestServeRetrievalsSourceFailures(t *testing.T) {
	const size = 64
	for _, mode := range []string{"error", "panic", "short", "long"} {
		t.Run(mode, func(t *testing.T) {
			requests := startServer(t, 1, size, errSource{size: size, bad: 6, mode: mode})
			sections := []uint64{2, 5, 6, 7, 9}
			reply := ask(t, requests, &Retrieval{Bit: 4, Sections: sections})
			if reply.Error == nil {
				t.Fatal("no error")
			}
			msg := reply.Error.Error()
			// An error or panic names the run it broke; a bad vector its section.
			where := "sections 5..7"
			if mode == "short" || mode == "long" {
				where = "section 6"
			}
			if !strings.Contains(msg, "bit 4") || !strings.Contains(msg, where) {
				t.Fatalf("error %q does not name bit 4 and %s", msg, where)
			}
			if mode == "error" && !errors.Is(reply.Error, errTestSource) {
				t.Fatalf("error %q does not wrap the Source's", msg)
			}
			for i, s := range sections {
				if got, failed := reply.Bitsets[i], s >= 5 && s <= 7; failed != (got == nil) ||
					!failed && !slices.Equal(got, testVector(4, s, size)) {
					t.Fatalf("section %d: bitset %x (failed run: %v)", s, got, failed)
				}
			}
			// The server goroutine survived.
			if reply := ask(t, requests, &Retrieval{Bit: 4, Sections: []uint64{1}}); reply.Error != nil || len(reply.Bitsets[0]) != size/8 {
				t.Fatalf("after the failure: %v, %d bytes", reply.Error, len(reply.Bitsets[0]))
			}
		})
	}
}

// A cancelled task.Context is answered with its error and no read.
func TestServeRetrievalsCancelled(t *testing.T) {
	var log readLog
	requests := startServer(t, 1, 64, testSource{size: 64, failAt: ^uint64(0), onRead: log.record})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	reply := ask(t, requests, &Retrieval{Bit: 2, Sections: []uint64{0, 1}, Context: ctx})
	if !errors.Is(reply.Error, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", reply.Error)
	}
	if reads := log.take(); len(reads) != 0 {
		t.Fatalf("reads %v after cancellation", reads)
	}
	// Cancelled during a read: the Source's cancellation error, and no more runs.
	ctx, cancel = context.WithCancel(context.Background())
	src := testSource{size: 64, failAt: 3, cancel: cancel, onRead: log.record}
	reqs := startServer(t, 1, 64, ctxSource{src})
	reply = ask(t, reqs, &Retrieval{Bit: 2, Sections: []uint64{0, 3, 7}, Context: ctx})
	if !errors.Is(reply.Error, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", reply.Error)
	}
	if reads := log.take(); !slices.Equal(reads, []string{"2:0+1", "2:3+1"}) {
		t.Fatalf("reads %v, want none after the cancelling one", reads)
	}
}

// ctxSource is a Source that honours its context after each read.
type ctxSource struct{ testSource }

func (s ctxSource) Bitsets(ctx context.Context, bit uint, first uint64, dst [][]byte) error {
	if err := s.testSource.Bitsets(ctx, bit, first, dst); err != nil {
		return err
	}
	return ctx.Err()
}

// A nil Source or a bad section size answers every task with an error, never a
// panic or a hang.
func TestServeRetrievalsBadSetup(t *testing.T) {
	for _, tc := range []struct {
		size uint64
		src  Source
	}{{64, nil}, {0, testSource{size: 64}}, {60, testSource{size: 64}}} {
		requests := startServer(t, 0, tc.size, tc.src)
		if reply := ask(t, requests, &Retrieval{Bit: 1, Sections: []uint64{0}}); reply.Error == nil {
			t.Fatalf("size %d, src %v: no error", tc.size, tc.src)
		}
	}
}

// Closing quit stops every server goroutine, idle or not; so does closing the
// request channel. (startServer checks for leaks.)
func TestServeRetrievalsQuit(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	requests := make(chan chan *Retrieval)
	quit := make(chan struct{})
	ServeRetrievals(requests, quit, 16, 64, testSource{size: 64, failAt: ^uint64(0)})
	ask(t, requests, &Retrieval{Bit: 1, Sections: []uint64{0}})
	close(quit)
	goleak.VerifyNone(t, ignore)

	requests = make(chan chan *Retrieval)
	ServeRetrievals(requests, make(chan struct{}), 4, 64, testSource{size: 64, failAt: ^uint64(0)})
	close(requests)
	goleak.VerifyNone(t, ignore)
}

// A Source error reaches MatcherSession.Error through Multiplex.
func TestServeRetrievalsSessionError(t *testing.T) {
	const size = 4096
	for _, mode := range []string{"error", "panic", "short"} {
		t.Run(mode, func(t *testing.T) {
			requests := startServer(t, 4, size, errSource{size: size, bad: 3, mode: mode})
			m := newMatcher(size, [][][3]uint{{{2, 3, 5}}})
			results := make(chan uint64, 64)
			session, err := m.Start(context.Background(), 0, 10*size-1, results)
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			for range 3 {
				wg.Add(1)
				go func() { defer wg.Done(); session.Multiplex(16, 0, requests) }()
			}
			collect(t, results)
			session.Close()
			wg.Wait()
			err = session.Error()
			if err == nil || !strings.Contains(err.Error(), "section") {
				t.Fatalf("session error %v, want the server's", err)
			}
			if mode == "error" && !errors.Is(err, errTestSource) {
				t.Fatalf("session error %v does not wrap the Source's", err)
			}
		})
	}
}

// End to end: sessions of one Matcher, and of several at once, served by
// ServeRetrievals give the matches of Scan over the same Source and of the
// reference, with every kernel implementation. Later sessions of a Matcher use
// the vectors it cached from earlier ones, so a server reusing handed-out
// buffers would corrupt them.
func TestServeRetrievalsEndToEnd(t *testing.T) {
	rounds := 6
	if testing.Short() {
		rounds = 2
	}
	impltest.Run(t, func(t *testing.T) {
		var reads atomic.Int64
		src := testSource{size: testSectionSize, failAt: ^uint64(0), onRead: func(uint, uint64, int) { reads.Add(1) }}
		requests := startServer(t, 16, testSectionSize, src)
		rng := rand.New(rand.NewPCG(5, 6))
		for range rounds {
			var wg sync.WaitGroup
			errs := make(chan error, 6)
			for range 3 { // three filters at once on the one server
				groups := randomGroups(rng, []int{1 + rng.IntN(3), 1 + rng.IntN(2)}[:1+rng.IntN(2)], 40)
				m := newMatcher(testSectionSize, groups)
				var ranges [2][2]uint64 // the second session reads vectors cached by the first
				for i := range ranges {
					ranges[i][0] = rng.Uint64N(50000)
					ranges[i][1] = ranges[i][0] + rng.Uint64N(200000)
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					for _, r := range ranges {
						errs <- checkServed(m, groups, r[0], r[1], requests, src)
					}
				}()
			}
			go func() { wg.Wait(); close(errs) }()
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
		}
		if reads.Load() == 0 {
			t.Fatal("the server never read the Source")
		}
	})
}

// checkServed runs a session of m over begin..end served through requests and
// compares its matches with Scan over src and with the reference.
func checkServed(m *Matcher, groups [][][3]uint, begin, end uint64, requests chan chan *Retrieval, src Source) error {
	results := make(chan uint64, 64)
	session, err := m.Start(context.Background(), begin, end, results)
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() { defer wg.Done(); session.Multiplex(16, 0, requests) }()
	}
	var got []uint64
	for b := range results {
		got = append(got, b)
	}
	session.Close()
	wg.Wait()
	if err := session.Error(); err != nil {
		return err
	}
	scanned, err := scanAll(newMatcher(testSectionSize, groups), begin, end, src)
	if err != nil {
		return err
	}
	want := expected(groups, begin, end)
	if !slices.Equal(got, want) || !slices.Equal(scanned, want) {
		return fmt.Errorf("groups %v, %d..%d: served %d matches, Scan %d, want %d", groups, begin, end, len(got), len(scanned), len(want))
	}
	return nil
}

// copySource fills every vector with a copy of one: the cheapest Source, so
// that the benchmarks below show the server's own cost.
