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
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-quit:
					return
				case request := <-mux:
					task := <-request
					task.Bitsets = make([][]byte, len(task.Sections))
					for i, s := range task.Sections {
						task.Bitsets[i] = make([]byte, 64/8)
						if err := src.Bitsets(context.Background(), task.Bit, s, task.Bitsets[i:i+1]); err != nil {
							task.Error = err
						}
					}
					request <- task
				}
			}
		}()
	}
	defer func() { close(quit); wg.Wait() }()
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
// blocks arrived must see them. It fails while the Matcher's schedulers keep
// delivered vectors across sessions (go-ethereum's behaviour): the second session
// is served the first session's vector of the live section, in which the new
// blocks are zero.
func TestMatcherReuseSeesNewBlocks(t *testing.T) {
	t.Skip("the Matcher caches delivered vectors across sessions; see the H7 report for the fix")
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
