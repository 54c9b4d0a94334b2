package matcher

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
)

// changingSource is testSource whose sections from `from` on may still change.
type changingSource struct {
	testSource
	from uint64
}

func (s changingSource) Changing(section uint64) bool { return section >= s.from }

// A Matcher reused for a second session takes the vectors of stable sections
// from its cache (go-ethereum's behaviour) but asks again for those that a
// ChangingSource reported as changing when ServeRetrievals read them.
func TestServeRetrievalsChangingNotCached(t *testing.T) {
	const sections = 6
	groups := [][][3]uint{{{3, 5, 7}}}
	for _, from := range []uint64{sections, 4, 0} { // nothing, the last two, everything changing
		var reads atomic.Int64
		src := changingSource{
			testSource: testSource{size: testSectionSize, failAt: ^uint64(0), onRead: func(_ uint, _ uint64, n int) { reads.Add(int64(n)) }},
			from:       from,
		}
		requests := startServer(t, 4, testSectionSize, src)
		m := newMatcher(testSectionSize, groups)
		end := uint64(sections*testSectionSize - 1)
		want := expected(groups, 0, end)
		for session := range 2 {
			if got := serveSession(t, m, 0, end, requests); !slices.Equal(got, want) {
				t.Fatalf("changing from section %d, session %d: %d matches, want %d", from, session+1, len(got), len(want))
			}
			// A session reads 3 bits of every section; the second only those not cached.
			want := int64(3 * sections)
			if session == 1 {
				want += 3 * int64(sections-min(from, sections))
			}
			if got := reads.Load(); got != want {
				t.Errorf("changing from section %d: %d vectors read after session %d, want %d", from, got, session+1, want)
			}
		}
	}
}

// The Live's answer to a reused Matcher changes between sessions: the second
// session must match against the new vectors.
func TestServeRetrievalsChangingSeesNewVectors(t *testing.T) {
	var mu sync.Mutex
	vec := make([]byte, testSectionSize/8) // the same vector for every bit: block 8 only
	vec[1] = 0x80
	src := funcSource(func(_ context.Context, _ uint, _ uint64, dst [][]byte) error {
		mu.Lock()
		defer mu.Unlock()
		for _, d := range dst {
			copy(d, vec)
		}
		return nil
	})
	requests := startServer(t, 2, testSectionSize, changingFunc{src})
	m := newMatcher(testSectionSize, [][][3]uint{{{1, 2, 3}}})
	for session, want := range []uint64{8, 16} {
		if got := serveSession(t, m, 0, testSectionSize-1, requests); len(got) != 1 || got[0] != want {
			t.Fatalf("session %d matched %v, want [%d]", session+1, got, want)
		}
		mu.Lock()
		vec[1], vec[2] = 0, 0x80 // a new tip: block 16 instead of 8
		mu.Unlock()
	}
}

// serveSession runs one session of m over begin..end, served through requests.
func serveSession(t *testing.T, m *Matcher, begin, end uint64, requests chan chan *Retrieval) []uint64 {
	t.Helper()
	got, err := serveSessionErr(m, begin, end, requests)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// serveSessionErr runs one session of m over begin..end, served through
// requests, and returns its matches and error.
func serveSessionErr(m *Matcher, begin, end uint64, requests chan chan *Retrieval) ([]uint64, error) {
	results := make(chan uint64, 64)
	s, err := m.Start(context.Background(), begin, end, results)
	if err != nil {
		return nil, err
	}
	done := make(chan struct{})
	go func() { defer close(done); s.Multiplex(16, 0, requests) }()
	var got []uint64
	for b := range results {
		got = append(got, b)
	}
	s.Close()
	<-done
	return got, s.Error()
}

// changingFunc reports every section as changing.
type changingFunc struct{ funcSource }

func (changingFunc) Changing(uint64) bool { return true }
