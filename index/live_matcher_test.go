package index

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/bloomsimd/bloomsimd/matcher"
)

// multiplexMatches runs one session of m over begin..end through Multiplex,
// with retrievals answered from src as a node's retrieval server would.
func multiplexMatches(t *testing.T, m *matcher.Matcher, src matcher.Source, begin, end uint64) []uint64 {
	t.Helper()
	mux := make(chan chan *matcher.Retrieval)
	quit := make(chan struct{})
	defer close(quit)
	matcher.ServeRetrievals(mux, quit, 2, 64, src)
	var wg sync.WaitGroup
	defer wg.Wait() // Multiplex returns once the session is closed
	results := make(chan uint64, 8)
	session, err := m.Start(context.Background(), begin, end, results)
	if err != nil {
		t.Fatal(err)
	}
	wg.Add(1)
	go func() { defer wg.Done(); session.Multiplex(16, 0, mux) }()
	var got []uint64
	for n := range results {
		got = append(got, n)
	}
	session.Close()
	if err := session.Error(); err != nil {
		t.Fatal(err)
	}
	return got
}

// TestLiveThroughMultiplex: the drop-in path (a session's retrievals answered
// from the Live) finds what the reference finds.
func TestLiveThroughMultiplex(t *testing.T) {
	g := newChainGen(t, 64, 31)
	for range 100 {
		g.grow(t)
	}
	filter := [][][]byte{{clause(1), clause(2), clause(3)}}
	m := matcher.NewMatcher(64, filter)
	got := multiplexMatches(t, m, g.live, 0, g.m.next-1)
	want := refAnswer(tip{blooms: chainOf(g.m)}, newRefFilter(filter), 0, g.m.next-1)
	if !slices.Equal(got, want) {
		t.Fatalf("Multiplex over the Live = %v, want %v", got, want)
	}
}

func chainOf(m *model) [][256]byte {
	out := make([][256]byte, m.next)
	for n := m.lo; n < m.next; n++ {
		out[n] = m.blooms[n]
	}
	return out
}

// TestMatcherReuseSeesNewBlocks: a Matcher reused for a second session after
// blocks arrived must see them. A Matcher keeps delivered vectors across sessions
// (go-ethereum's behaviour), so this holds only because Live is a
// matcher.ChangingSource and ServeRetrievals marks its vectors as not to be
// cached: without that, the second session is served the first session's vector
// of the live section, in which the new blocks are zero.
func TestMatcherReuseSeesNewBlocks(t *testing.T) {
	g := newChainGen(t, 64, 32)
	for range 70 {
		g.grow(t)
	}
	filter := [][][]byte{{clause(1), clause(2), clause(3)}}
	ref := newRefFilter(filter)
	m := matcher.NewMatcher(64, filter)
	multiplexMatches(t, m, g.live, 64, g.m.next-1)
	for len(refAnswer(tip{blooms: chainOf(g.m)}, ref, 70, g.m.next-1)) == 0 && g.m.next < 128 {
		g.grow(t)
	}
	want := refAnswer(tip{blooms: chainOf(g.m)}, ref, 64, g.m.next-1)
	if got := multiplexMatches(t, m, g.live, 64, g.m.next-1); !slices.Equal(got, want) {
		t.Fatalf("second session = %v, want %v", got, want)
	}
}
