package matcher

import (
	"context"
	"encoding/hex"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The tests follow go-ethereum's core/bloombits matcher tests: the vector of
// "bit" b sets block n exactly when n%b == 0, so the expected matches are known
// without any bloom, and every retrieval can be counted.

const testSectionSize = 4096

// testVector is the vector of bit b in section: block n is set when n%b == 0.
func testVector(bit uint, section uint64, sectionSize uint64) []byte {
	v := make([]byte, sectionSize/8)
	for j := uint64(0); j < sectionSize; j++ {
		if (section*sectionSize+j)%uint64(bit) == 0 {
			v[j/8] |= 0x80 >> (j % 8)
		}
	}
	return v
}

func expMatch(groups [][][3]uint, n uint64) bool {
	for _, g := range groups {
		any := false
		for _, c := range g {
			if n%uint64(c[0]) == 0 && n%uint64(c[1]) == 0 && n%uint64(c[2]) == 0 {
				any = true
				break
			}
		}
		if !any {
			return false
		}
	}
	return true
}

func TestMatcherWildcards(t *testing.T) {
	addr := func(b byte) []byte { a := make([]byte, 20); a[0] = b; return a }
	hash := func(b byte) []byte { h := make([]byte, 32); h[0] = b; return h }
	m := NewMatcher(testSectionSize, [][][]byte{
		{addr(0), addr(1)}, // a zero address is not a wildcard
		{hash(0), hash(1)}, // nor a zero hash
		{hash(1)},          // plain rule
		{hash(1), nil},     // wildcard suffix: dropped
		{nil, hash(1)},     // wildcard prefix: dropped
		{nil, nil},         // dropped
		{},                 // empty: dropped
		nil,                // nil: dropped
	})
	if len(m.groups) != 3 {
		t.Fatalf("%d groups, want 3", len(m.groups))
	}
	for i, want := range []int{2, 2, 1} {
		if got := len(m.groups[i].clauses); got != want {
			t.Errorf("group %d: %d clauses, want %d", i, got, want)
		}
	}
}

// go-ethereum computes the bits of a clause as ((h[2k]<<8)&2047) + h[2k+1] of its
// Keccak-256 hash h; check ours against known hashes.
func TestBloomBits(t *testing.T) {
	for _, c := range []struct {
		in   string
		hash string // Keccak-256 of in
	}{
		{"", "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"},
		{"abc", "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"},
	} {
		h, _ := hex.DecodeString(c.hash)
		var want [3]uint
		for k := range want {
			want[k] = (uint(h[2*k])<<8)&2047 + uint(h[2*k+1])
		}
		if got := bloomBits([]byte(c.in)); got != want {
			t.Errorf("bloomBits(%q) = %v, want %v", c.in, got, want)
		}
	}
}

func TestMatcherContinuous(t *testing.T) {
	t.Parallel()
	testMatcherDiffBatches(t, [][][3]uint{{{10, 20, 30}}}, 0, 100000, false, 75)
	testMatcherDiffBatches(t, [][][3]uint{{{32, 3125, 100}}, {{40, 50, 10}}}, 0, 100000, false, 81)
	testMatcherDiffBatches(t, [][][3]uint{{{4, 8, 11}, {7, 8, 17}}, {{9, 9, 12}, {15, 20, 13}}, {{18, 15, 15}, {12, 10, 4}}}, 0, 10000, false, 36)
}

// Restarting the session after every match must not fetch any vector twice.
func TestMatcherIntermittent(t *testing.T) {
	t.Parallel()
	blocks := uint64(100000)
	if testing.Short() {
		blocks = 20000
	}
	testMatcherDiffBatches(t, [][][3]uint{{{10, 20, 30}}}, 0, blocks, true, uint32(3*((blocks-1)/testSectionSize+1)))
	testMatcherDiffBatches(t, [][][3]uint{{{32, 3125, 100}}, {{40, 50, 10}}}, 0, 100000, true, 81)
	testMatcherDiffBatches(t, [][][3]uint{{{4, 8, 11}, {7, 8, 17}}, {{9, 9, 12}, {15, 20, 13}}, {{18, 15, 15}, {12, 10, 4}}}, 0, 10000, true, 36)
}

func TestMatcherRandom(t *testing.T) {
	t.Parallel()
	rounds := 10
	if testing.Short() {
		rounds = 2
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range rounds {
		testMatcherBothModes(t, randomGroups(rng, []int{1}, 50), 0, 10000, 0)
		testMatcherBothModes(t, randomGroups(rng, []int{3}, 50), 0, 10000, 0)
		testMatcherBothModes(t, randomGroups(rng, []int{2, 2, 2}, 20), 0, 10000, 0)
		testMatcherBothModes(t, randomGroups(rng, []int{5, 5, 5}, 50), 0, 10000, 0)
		testMatcherBothModes(t, randomGroups(rng, []int{4, 4, 4}, 20), 0, 10000, 0)
	}
}

// A start that is not a multiple of 8, whose first byte of matches is zero.
func TestMatcherShifted(t *testing.T) {
	t.Parallel()
	testMatcherBothModes(t, [][][3]uint{{{16, 16, 16}}}, 9, 64, 0)
}

// No group: every block matches and nothing is retrieved.
func TestMatcherWildcardAll(t *testing.T) {
	t.Parallel()
	testMatcherBothModes(t, nil, 0, 10000, 0)
}

func randomGroups(rng *rand.Rand, lengths []int, maxBit int) [][][3]uint {
	out := make([][][3]uint, len(lengths))
	for i, n := range lengths {
		out[i] = make([][3]uint, n)
		for j := range out[i] {
			for k := range out[i][j] {
				out[i][j][k] = uint(rng.IntN(maxBit-1) + 2)
			}
		}
	}
	return out
}

func testMatcherDiffBatches(t *testing.T, groups [][][3]uint, start, blocks uint64, intermittent bool, retrievals uint32) {
	t.Helper()
	single := testMatcher(t, groups, start, blocks, intermittent, retrievals, 1)
	batched := testMatcher(t, groups, start, blocks, intermittent, retrievals, 16)
	if single != batched {
		t.Errorf("groups %v: %d retrievals with batch 1, %d with batch 16", groups, single, batched)
	}
}

func testMatcherBothModes(t *testing.T, groups [][][3]uint, start, blocks uint64, retrievals uint32) {
	t.Helper()
	continuous := testMatcher(t, groups, start, blocks, false, retrievals, 16)
	intermittent := testMatcher(t, groups, start, blocks, true, retrievals, 16)
	if continuous != intermittent {
		t.Errorf("groups %v: %d retrievals continuous, %d intermittent", groups, continuous, intermittent)
	}
}

// testMatcher matches blocks start..blocks-1 through Multiplex with ten
// retrievers that leave a quarter of the vectors out, checks every match, and
// returns how many vectors were delivered. In intermittent mode it closes the
// session after each match and starts a new one after it.
func testMatcher(t *testing.T, groups [][][3]uint, start, blocks uint64, intermittent bool, retrievals uint32, batch int) uint32 {
	t.Helper()
	m := newMatcher(testSectionSize, groups)
	var requested atomic.Uint32
	srv := startRetrievers(&requested)
	defer srv.stop()

	matches := make(chan uint64, 16)
	session, err := m.Start(context.Background(), start, blocks-1, matches)
	if err != nil {
		t.Fatal(err)
	}
	srv.multiplex(session, batch)
	for i := start; i < blocks; i++ {
		if !expMatch(groups, i) {
			continue
		}
		match, ok := <-matches
		if !ok {
			t.Fatalf("groups %v intermittent=%v: results closed, want block %d", groups, intermittent, i)
		}
		if match != i {
			t.Fatalf("groups %v intermittent=%v: got block %d, want %d", groups, intermittent, match, i)
		}
		if intermittent {
			session.Close()
			matches = make(chan uint64, 16)
			if session, err = m.Start(context.Background(), i+1, blocks-1, matches); err != nil {
				t.Fatal(err)
			}
			srv.multiplex(session, batch)
		}
	}
	if match, ok := <-matches; ok {
		t.Fatalf("groups %v intermittent=%v: got block %d after the last match", groups, intermittent, match)
	}
	if err := session.Error(); err != nil {
		t.Fatalf("session error: %v", err)
	}
	session.Close()
	if retrievals != 0 && requested.Load() != retrievals {
		t.Errorf("groups %v intermittent=%v batch=%d: %d retrievals, want %d", groups, intermittent, batch, requested.Load(), retrievals)
	}
	return requested.Load()
}

// retrievers serves Multiplex requests from ten goroutines, answering a
// random quarter of the sections as missing.
type retrievers struct {
	mux  chan chan *Retrieval
	quit chan struct{}
	wg   sync.WaitGroup
}

func startRetrievers(delivered *atomic.Uint32) *retrievers {
	r := &retrievers{mux: make(chan chan *Retrieval), quit: make(chan struct{})}
	for i := range 10 {
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 7))
			for {
				select {
				case <-r.quit:
					return
				case request := <-r.mux:
					task := <-request
					task.Bitsets = make([][]byte, len(task.Sections))
					for j, section := range task.Sections {
						if rng.IntN(4) != 0 {
							task.Bitsets[j] = testVector(task.Bit, section, testSectionSize)
							delivered.Add(1)
						}
					}
					request <- task
				}
			}
		}()
	}
	return r
}

// multiplex starts ten Multiplex goroutines for session.
func (r *retrievers) multiplex(session *MatcherSession, batch int) {
	for range 10 {
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			session.Multiplex(batch, 100*time.Microsecond, r.mux)
		}()
	}
}

// stop ends the servers after the sessions: Multiplex returns once its session
// is closed or done.
func (r *retrievers) stop() {
	close(r.quit)
	r.wg.Wait()
}

// allOnes returns n bytes of 0xff.
func allOnes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = 0xff
	}
	return b
}
