package matcher

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// collect reads results until closed, failing after a timeout (a hang).
func collect(t *testing.T, results chan uint64) []uint64 {
	t.Helper()
	var out []uint64
	timeout := time.After(30 * time.Second)
	for {
		select {
		case b, ok := <-results:
			if !ok {
				return out
			}
			out = append(out, b)
		case <-timeout:
			t.Fatal("results not closed: the session hangs")
		}
	}
}

func expected(groups [][][3]uint, begin, end uint64) []uint64 {
	var out []uint64
	for n := begin; ; n++ {
		if expMatch(groups, n) {
			out = append(out, n)
		}
		if n == end {
			return out
		}
	}
}

// serve answers requests on mux from n goroutines with answer, until quit.
func serve(n int, mux chan chan *Retrieval, quit chan struct{}, wg *sync.WaitGroup, answer func(*Retrieval)) {
	serveReplies(n, mux, quit, wg, func(task *Retrieval) *Retrieval { answer(task); return task })
}

// serveReplies is serve for retrievers whose reply need not be the task: reply
// returns what is sent back (nil included).
func serveReplies(n int, mux chan chan *Retrieval, quit chan struct{}, wg *sync.WaitGroup, reply func(*Retrieval) *Retrieval) {
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-quit:
					return
				case request := <-mux:
					request <- reply(<-request)
				}
			}
		}()
	}
}

func vectorsOf(size uint64) func(*Retrieval) {
	return func(task *Retrieval) {
		task.Bitsets = make([][]byte, len(task.Sections))
		for i, s := range task.Sections {
			task.Bitsets[i] = testVector(task.Bit, s, size)
		}
	}
}

// runSession matches begin..end through Multiplex with answer serving the
// vectors, and returns the matches and the session's error.
func runSession(t *testing.T, m *Matcher, begin, end uint64, answer func(*Retrieval)) ([]uint64, error) {
	t.Helper()
	mux := make(chan chan *Retrieval)
	quit := make(chan struct{})
	var wg sync.WaitGroup
	serve(4, mux, quit, &wg, answer)
	defer func() { close(quit); wg.Wait() }()
	results := make(chan uint64, 8)
	session, err := m.Start(context.Background(), begin, end, results)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		wg.Add(1)
		go func() { defer wg.Done(); session.Multiplex(16, 0, mux) }()
	}
	got := collect(t, results)
	session.Close()
	return got, session.Error()
}

// Section sizes other than 4096, ranges at the end of the uint64 space, and a
// range inside one section.
func TestMatcherRanges(t *testing.T) {
	t.Parallel()
	groups := [][][3]uint{{{3, 5, 5}, {7, 7, 7}}, {{2, 2, 2}}}
	for _, c := range []struct {
		size, begin, end uint64
	}{
		{8, 0, 1000},
		{24, 5, 1000},
		{520, 3, 5000},
		{4096, 100, 200},
		{4096, 4095, 4096},
		{4096, math.MaxUint64 - 9000, math.MaxUint64},
		{24, math.MaxUint64 - 100, math.MaxUint64},
	} {
		m := newMatcher(c.size, groups)
		want := expected(groups, c.begin, c.end)
		got, err := runSession(t, m, c.begin, c.end, vectorsOf(c.size))
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("size %d, %d..%d: Multiplex got %d matches (err %v), want %d", c.size, c.begin, c.end, len(got), err, len(want))
		}
		var scanned []uint64
		err = m.Scan(context.Background(), c.begin, c.end, testSource{size: c.size}, func(b uint64) bool {
			scanned = append(scanned, b)
			return true
		})
		if err != nil || !slices.Equal(scanned, want) {
			t.Errorf("size %d, %d..%d: Scan got %d matches (err %v), want %d", c.size, c.begin, c.end, len(scanned), err, len(want))
		}
	}
}

// A second session over the same range finds every vector cached.
func TestMatcherCacheAcrossSessions(t *testing.T) {
	t.Parallel()
	groups := [][][3]uint{{{3, 5, 7}}, {{2, 4, 4}}}
	m := newMatcher(testSectionSize, groups)
	var n atomic.Int32
	answer := func(task *Retrieval) {
		n.Add(int32(len(task.Sections)))
		vectorsOf(testSectionSize)(task)
	}
	want := expected(groups, 0, 50000)
	for round := range 2 {
		got, err := runSession(t, m, 0, 50000, answer)
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("round %d: %d matches (err %v), want %d", round, len(got), err, len(want))
		}
	}
	if got, want := n.Load(), int32(13*(3+2)); got != want {
		t.Errorf("%d vectors retrieved over two sessions, want %d", got, want)
	}
}

func TestMatcherBadInput(t *testing.T) {
	t.Parallel()
	for _, size := range []uint64{0, 12, 4097, MaxSectionSize + 8, 1 << 32, 1 << 62, math.MaxUint64 &^ 7} {
		m := newMatcher(size, [][][3]uint{{{1, 2, 3}}})
		if _, err := m.Start(context.Background(), 0, 10, make(chan uint64)); err == nil || !strings.Contains(err.Error(), "section size") || !errors.Is(err, ErrSectionSize) {
			t.Errorf("Start with section size %d: err %v", size, err)
		}
		err := m.Scan(context.Background(), 0, 10, testSource{size: 8}, func(uint64) bool { return true })
		if err == nil || !strings.Contains(err.Error(), "section size") || !errors.Is(err, ErrSectionSize) {
			t.Errorf("Scan with section size %d: err %v", size, err)
		}
		// NewMatcher itself never fails: it keeps go-ethereum's signature.
		if NewMatcher(size, [][][]byte{{{1}}, {{2}, {3}}}) == nil {
			t.Errorf("NewMatcher(%d) = nil", size)
		}
	}
	m := newMatcher(testSectionSize, [][][3]uint{{{1, 2, 3}}})
	if _, err := m.Start(context.Background(), 0, 10, nil); err == nil {
		t.Error("Start with nil results: no error")
	}
	if err := m.Scan(context.Background(), 10, 0, testSource{size: testSectionSize}, func(uint64) bool { return true }); err == nil {
		t.Error("Scan with begin > end: no error")
	}
	if err := m.Scan(context.Background(), 0, 10, nil, func(uint64) bool { return true }); err == nil {
		t.Error("Scan with nil Source: no error")
	}
	if err := m.Scan(context.Background(), 0, 10, testSource{size: testSectionSize}, nil); err == nil {
		t.Error("Scan with nil emit: no error")
	}
	// begin > end: a session that sends nothing, as go-ethereum's.
	got, err := runSession(t, m, 10, 0, vectorsOf(testSectionSize))
	if len(got) != 0 || err != nil {
		t.Errorf("Start with begin > end: %d matches, err %v", len(got), err)
	}
	// Concurrent Start.
	m.running.Store(true)
	if _, err := m.Start(context.Background(), 0, 10, make(chan uint64)); err == nil || err.Error() != "matcher already running" {
		t.Errorf("concurrent Start: err %v", err)
	}
	m.running.Store(false)
}

// A delivered vector of the wrong length ends the session with an error.
func TestMatcherWrongLength(t *testing.T) {
	t.Parallel()
	m := newMatcher(testSectionSize, [][][3]uint{{{2, 3, 5}}})
	got, err := runSession(t, m, 0, 100000, func(task *Retrieval) {
		vectorsOf(testSectionSize)(task)
		if slices.Contains(task.Sections, 7) {
			task.Bitsets[slices.Index(task.Sections, 7)] = make([]byte, 100)
		}
	})
	if err == nil || !strings.Contains(err.Error(), "100 bytes") {
		t.Fatalf("err %v", err)
	}
	for _, b := range got {
		if b >= 7*testSectionSize {
			t.Fatalf("match %d at or after the broken section", b)
		}
	}
}

// A retrieval error ends the session: results close and Error returns it.
func TestMatcherRetrievalError(t *testing.T) {
	t.Parallel()
	boom := errors.New("disk on fire")
	m := newMatcher(testSectionSize, [][][3]uint{{{2, 3, 5}}})
	got, err := runSession(t, m, 0, 100000, func(task *Retrieval) {
		vectorsOf(testSectionSize)(task)
		if task.Sections[0] >= 5 {
			task.Error = boom
		}
	})
	if err != boom {
		t.Fatalf("Error() = %v, want %v", err, boom)
	}
	if want := expected([][][3]uint{{{2, 3, 5}}}, 0, 100000); len(got) >= len(want) || !slices.Equal(got, want[:len(got)]) {
		t.Fatalf("%d matches before the error; want a strict prefix of the %d", len(got), len(want))
	}
}

// Cancelling Start's context ends the session with ctx.Err().
func TestMatcherContextCancel(t *testing.T) {
	t.Parallel()
	m := newMatcher(testSectionSize, [][][3]uint{{{2, 2, 2}}})
	ctx, cancel := context.WithCancel(context.Background())
	mux := make(chan chan *Retrieval)
	quit := make(chan struct{})
	var wg sync.WaitGroup
	serve(2, mux, quit, &wg, vectorsOf(testSectionSize))
	defer func() { close(quit); wg.Wait() }()
	results := make(chan uint64)
	session, err := m.Start(ctx, 0, math.MaxUint64, results) // endless
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		wg.Add(1)
		go func() { defer wg.Done(); session.Multiplex(16, 0, mux) }()
	}
	for range 1000 {
		<-results
	}
	cancel()
	collect(t, results)
	if err := session.Error(); err != context.Canceled {
		t.Fatalf("Error() = %v, want context.Canceled", err)
	}
	session.Close()
	session.Close() // idempotent
}

// Close while retrievals are in flight waits for their answers, and Multiplex
// goroutines return; the servers' late answers go into the cache.
func TestMatcherCloseInFlight(t *testing.T) {
	t.Parallel()
	m := newMatcher(testSectionSize, [][][3]uint{{{2, 3, 4}}, {{5, 6, 7}}})
	mux := make(chan chan *Retrieval)
	release := make(chan struct{})
	var served atomic.Int32
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for request := range mux {
				task := <-request
				<-release
				vectorsOf(testSectionSize)(task)
				served.Add(1)
				request <- task
			}
		}()
	}
	results := make(chan uint64)
	session, err := m.Start(context.Background(), 0, 1000*testSectionSize, results)
	if err != nil {
		t.Fatal(err)
	}
	var mwg sync.WaitGroup
	for range 3 {
		mwg.Add(1)
		go func() { defer mwg.Done(); session.Multiplex(16, time.Millisecond, mux) }()
	}
	time.Sleep(10 * time.Millisecond) // let requests reach the servers
	closed := make(chan struct{})
	go func() { session.Close(); close(closed) }()
	select {
	case <-closed:
		if served.Load() == 0 {
			t.Fatal("Close returned before the requests in flight were answered")
		}
	case <-time.After(20 * time.Millisecond):
	}
	close(release)
	<-closed
	mwg.Wait()
	close(mux)
	wg.Wait()
	if _, ok := <-results; ok {
		t.Fatal("results open after Close")
	}
}

// The exported retrieval steps, driven by hand: a custom retriever.
func TestMatcherCustomRetriever(t *testing.T) {
	t.Parallel()
	groups := [][][3]uint{{{3, 5, 7}}}
	m := newMatcher(testSectionSize, groups)
	results := make(chan uint64, 1024)
	session, err := m.Start(context.Background(), 0, 20*testSectionSize-1, results)
	if err != nil {
		t.Fatal(err)
	}
	defer session.Close()
	if n := session.PendingSections(99); n != 0 {
		t.Errorf("PendingSections of an unknown bit = %d", n)
	}
	done := make(chan []uint64)
	go func() { // not collect: t.Fatal belongs to the test's goroutine
		var out []uint64
		for b := range results {
			out = append(out, b)
		}
		done <- out
	}()
	for {
		bit, ok := session.AllocateRetrieval()
		if !ok {
			break
		}
		if n := session.PendingSections(bit); n != 20 {
			t.Errorf("bit %d: %d pending sections, want 20", bit, n)
		}
		// Take a few; leave the rest for the next round, and deliver one missing.
		sections := session.AllocateSections(bit, 7)
		if !slices.IsSorted(sections) || len(sections) != 7 {
			t.Fatalf("AllocateSections gave %v", sections)
		}
		bitsets := make([][]byte, len(sections))
		for i, s := range sections[1:] {
			bitsets[i+1] = testVector(bit, s, testSectionSize)
		}
		session.DeliverSections(bit, sections, bitsets)
		// The rest: all at once.
		for session.PendingSections(bit) > 0 {
			rest := session.AllocateSections(bit, 100)
			bitsets := make([][]byte, len(rest))
			for i, s := range rest {
				bitsets[i] = testVector(bit, s, testSectionSize)
			}
			session.DeliverSections(bit, rest, bitsets)
		}
	}
	if got, want := <-done, expected(groups, 0, 20*testSectionSize-1); !slices.Equal(got, want) {
		t.Fatalf("%d matches, want %d", len(got), len(want))
	}
	if err := session.Error(); err != nil {
		t.Fatal(err)
	}
}

// A reader that stops reading, then Close: no hang, no leak.
func TestMatcherAbandonedResults(t *testing.T) {
	t.Parallel()
	m := newMatcher(testSectionSize, [][][3]uint{{{2, 2, 2}}})
	mux := make(chan chan *Retrieval)
	quit := make(chan struct{})
	var wg sync.WaitGroup
	serve(2, mux, quit, &wg, vectorsOf(testSectionSize))
	defer func() { close(quit); wg.Wait() }()
	results := make(chan uint64)
	session, err := m.Start(context.Background(), 0, 1<<30, results)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		wg.Add(1)
		go func() { defer wg.Done(); session.Multiplex(16, 0, mux) }()
	}
	<-results
	time.Sleep(5 * time.Millisecond)
	session.Close()
	for range results {
	}
}

// Replies with fewer bitsets than sections (the rest are asked again), with
// extra bitsets (ignored), and deliveries after Close (cached, no panic).
func TestMatcherOddReplies(t *testing.T) {
	t.Parallel()
	groups := [][][3]uint{{{2, 3, 3}}, {{5, 5, 7}}}
	m := newMatcher(testSectionSize, groups)
	var calls atomic.Int32
	got, err := runSession(t, m, 0, 40*testSectionSize, func(task *Retrieval) {
		vectorsOf(testSectionSize)(task)
		switch calls.Add(1) % 3 {
		case 0:
			task.Bitsets = task.Bitsets[:len(task.Bitsets)/2]
		case 1:
			task.Bitsets = append(task.Bitsets, make([]byte, 7))
		}
	})
	if want := expected(groups, 0, 40*testSectionSize); err != nil || !slices.Equal(got, want) {
		t.Fatalf("%d matches (err %v), want %d", len(got), err, len(want))
	}

	results := make(chan uint64)
	session, err := m.Start(context.Background(), 0, 100*testSectionSize, results)
	if err != nil {
		t.Fatal(err)
	}
	session.Close()
	session.DeliverSections(2, []uint64{50, 51}, [][]byte{testVector(2, 50, testSectionSize), nil})
	session.DeliverSections(12345, []uint64{1}, [][]byte{{1}})
	if _, ok := session.AllocateRetrieval(); ok {
		t.Fatal("AllocateRetrieval after Close handed out a bit")
	}
	if s := session.AllocateSections(2, 10); len(s) != 0 {
		// Queued sections may be taken after Close; they are answered like others.
		session.DeliverSections(2, s, nil)
	}
	if _, ok := <-results; ok {
		t.Fatal("results open after Close")
	}
}

// Replies are delivered for the Sections they name, as in go-ethereum: a
// retriever may answer in another order, or answer only some of the sections
// (the others are asked for again).
func TestMatcherReorderedReplies(t *testing.T) {
	t.Parallel()
	groups := [][][3]uint{{{2, 3, 3}, {9, 9, 9}}, {{5, 5, 7}}}
	want := expected(groups, 0, 40*testSectionSize)
	var odd, multi atomic.Int32
	for name, answer := range map[string]func(*Retrieval){
		"reversed": func(task *Retrieval) {
			if len(task.Sections) > 1 {
				multi.Add(1)
			}
			vectorsOf(testSectionSize)(task)
			task.Sections = slices.Clone(task.Sections)
			slices.Reverse(task.Sections)
			slices.Reverse(task.Bitsets)
		},
		"first half": func(task *Retrieval) {
			vectorsOf(testSectionSize)(task)
			n := (len(task.Sections) + 1) / 2
			task.Sections, task.Bitsets = task.Sections[:n], task.Bitsets[:n]
		},
		"other bit": func(task *Retrieval) {
			if task.Bit == 3 && odd.Add(1)%2 == 1 { // every other request for bit 3 answered as bit 9
				task.Bit = 9
			}
			vectorsOf(testSectionSize)(task)
		},
	} {
		got, err := runSession(t, newMatcher(testSectionSize, groups), 0, 40*testSectionSize, answer)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("%s: %d matches (err %v), want %d", name, len(got), err, len(want))
		}
	}
	if multi.Load() == 0 {
		t.Error("no request asked for more than one section: reversing tested nothing")
	}
}
