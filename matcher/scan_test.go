package matcher

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/bloomsimd/bloomsimd/internal/impltest"
)

// testSource serves testVector, optionally failing at one section and reporting
// its reads.
type testSource struct {
	size    uint64
	failAt  uint64 // fail a read that covers this section, if failErr is set
	failErr error
	cancel  func()                              // called when a read covers failAt, if set
	onRead  func(bit uint, first uint64, n int) // called for every read, if set
}

func (s testSource) Bitsets(ctx context.Context, bit uint, first uint64, dst [][]byte) error {
	if s.onRead != nil {
		s.onRead(bit, first, len(dst))
	}
	if first <= s.failAt && s.failAt < first+uint64(len(dst)) {
		if s.failErr != nil {
			return s.failErr
		}
		if s.cancel != nil {
			s.cancel()
		}
	}
	for i := range dst {
		if len(dst[i]) != int(s.size/8) {
			return errors.New("dst of the wrong length")
		}
		copy(dst[i], testVector(bit, first+uint64(i), s.size))
	}
	return nil
}

func scanAll(m *Matcher, begin, end uint64, src Source) ([]uint64, error) {
	var out []uint64
	err := m.Scan(context.Background(), begin, end, src, func(b uint64) bool {
		out = append(out, b)
		return true
	})
	return out, err
}

// Scan against the plain reference on random filters, with every kernel
// implementation, on one core and on all of them.
func TestScanRandom(t *testing.T) {
	rounds := 20
	if testing.Short() {
		rounds = 4
	}
	impltest.Run(t, func(t *testing.T) {
		for _, procs := range []int{1, max(2, runtime.GOMAXPROCS(0))} {
			prev := runtime.GOMAXPROCS(procs)
			rng := rand.New(rand.NewPCG(3, 4))
			for range rounds {
				groups := randomGroups(rng, []int{1 + rng.IntN(3), 1 + rng.IntN(3), rng.IntN(2) + 1}[:1+rng.IntN(3)], 40)
				begin := rng.Uint64N(20000)
				end := begin + rng.Uint64N(300000)
				m := newMatcher(testSectionSize, groups)
				got, err := scanAll(m, begin, end, testSource{size: testSectionSize})
				if want := expected(groups, begin, end); err != nil || !slices.Equal(got, want) {
					t.Fatalf("procs %d, groups %v, %d..%d: %d matches (err %v), want %d", procs, groups, begin, end, len(got), err, len(want))
				}
			}
			runtime.GOMAXPROCS(prev)
		}
	})
}

func TestScanWildcardAll(t *testing.T) {
	t.Parallel()
	m := NewMatcher(testSectionSize, [][][]byte{nil, {}})
	got, err := scanAll(m, 5, 10004, testSource{size: testSectionSize})
	if err != nil || len(got) != 10000 || got[0] != 5 || got[9999] != 10004 {
		t.Fatalf("%d matches, err %v", len(got), err)
	}
}

// emit returning false stops the scan at once.
func TestScanStop(t *testing.T) {
	t.Parallel()
	m := newMatcher(testSectionSize, [][][3]uint{{{2, 3, 3}}})
	var n int
	err := m.Scan(context.Background(), 0, 1<<40, testSource{size: testSectionSize}, func(uint64) bool {
		n++
		return n < 10
	})
	if err != nil || n != 10 {
		t.Fatalf("n %d, err %v", n, err)
	}
}

// A Source error: returned, after the matches of every earlier section.
func TestScanSourceError(t *testing.T) {
	t.Parallel()
	boom := errors.New("read failed")
	groups := [][][3]uint{{{2, 3, 3}}, {{5, 5, 5}}}
	m := newMatcher(testSectionSize, groups)
	for _, failAt := range []uint64{0, 3, 100} {
		got, err := scanAll(m, 0, 200*testSectionSize, testSource{size: testSectionSize, failAt: failAt, failErr: boom})
		if !errors.Is(err, boom) || !strings.Contains(err.Error(), "bit ") || !strings.Contains(err.Error(), "section") {
			t.Fatalf("failAt %d: err %v, want one wrapping %v that names the bit and sections", failAt, err, boom)
		}
		if len(got) > 0 && got[len(got)-1] >= failAt*testSectionSize {
			t.Fatalf("failAt %d: match %d at or after the failing section", failAt, got[len(got)-1])
		}
		if !slices.Equal(got, expected(groups, 0, 200*testSectionSize)[:len(got)]) {
			t.Fatalf("failAt %d: %d matches, not the first ones", failAt, len(got))
		}
	}
}

// Cancelling ctx mid-scan returns ctx.Err().
func TestScanCancel(t *testing.T) {
	t.Parallel()
	m := newMatcher(testSectionSize, [][][3]uint{{{2, 3, 3}}})
	ctx, cancel := context.WithCancel(context.Background())
	err := m.Scan(ctx, 0, 1<<40, testSource{size: testSectionSize, failAt: 50, cancel: cancel}, func(uint64) bool { return true })
	if err != context.Canceled {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	cancel()
	if err := m.Scan(ctx, 0, 100, testSource{size: testSectionSize}, func(uint64) bool { return true }); err != context.Canceled {
		t.Fatalf("cancelled before the start: err %v", err)
	}
}

// Later groups are read only for sections the earlier ones left alive: with a
// first group that matches in section 0 only, the second group's bits are read
// for section 0 alone, once each.
func TestScanLazyGroups(t *testing.T) {
	t.Parallel()
	var (
		mu    sync.Mutex
		later []string // reads of the second group's bits
	)
	onRead := func(bit uint, first uint64, n int) {
		if bit < 1<<20 {
			mu.Lock()
			later = append(later, fmt.Sprintf("bit %d sections %d+%d", bit, first, n))
			mu.Unlock()
		}
	}
	// Bit 1<<20 sets only block 0 of the whole range, in section 0.
	m := newMatcher(testSectionSize, [][][3]uint{{{1 << 20, 1 << 20, 1 << 20}}, {{2, 3, 5}}})
	got, err := scanAll(m, 0, 64*testSectionSize-1, testSource{size: testSectionSize, onRead: onRead})
	if err != nil || !slices.Equal(got, []uint64{0}) {
		t.Fatalf("got %v, err %v", got, err)
	}
	slices.Sort(later)
	if want := []string{"bit 2 sections 0+1", "bit 3 sections 0+1", "bit 5 sections 0+1"}; !slices.Equal(later, want) {
		t.Fatalf("second group read as %v, want %v", later, want)
	}
}

// scanRangeSource is a testSource told the sections of each Scan, as an
// index.Snapshot is.
type scanRangeSource struct {
	testSource
	mu     sync.Mutex
	ranges [][2]uint64
	reads  [][2]uint64 // first and end of each read, checked against the range told
}

func (s *scanRangeSource) ScanSections(first, count uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ranges = append(s.ranges, [2]uint64{first, count})
}

func (s *scanRangeSource) Bitsets(ctx context.Context, bit uint, first uint64, dst [][]byte) error {
	s.mu.Lock()
	s.reads = append(s.reads, [2]uint64{first, first + uint64(len(dst))})
	s.mu.Unlock()
	return s.testSource.Bitsets(ctx, bit, first, dst)
}

// Scan tells a Source that wants it the sections it reads, before its first
// read, and reads none outside them.
func TestScanTellsSections(t *testing.T) {
	const size = 64
	m := NewMatcher(size, [][][]byte{{[]byte("a")}, {[]byte("b"), []byte("c")}})
	for _, r := range [][2]uint64{{0, 0}, {5, 5}, {63, 64}, {100, 1000}, {130, 5000}} {
		src := &scanRangeSource{testSource: testSource{size: size}}
		if _, err := scanAll(m, r[0], r[1], src); err != nil {
			t.Fatal(err)
		}
		first, count := r[0]/size, r[1]/size-r[0]/size+1
		if len(src.ranges) != 1 || src.ranges[0] != [2]uint64{first, count} {
			t.Errorf("blocks %d..%d: told %v, want sections %d+%d", r[0], r[1], src.ranges, first, count)
		}
		for _, rd := range src.reads {
			if rd[0] < first || rd[1] > first+count {
				t.Errorf("blocks %d..%d: read sections %d..%d outside %d+%d", r[0], r[1], rd[0], rd[1]-1, first, count)
			}
		}
		if len(src.reads) == 0 {
			t.Errorf("blocks %d..%d: no reads", r[0], r[1])
		}
	}
}
