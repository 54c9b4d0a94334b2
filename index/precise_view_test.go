package index

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/bloomsimd/bloomsimd/matcher"
)

// allOnes is a bloom-bit Source in which every block matches every filter: the
// fallback's candidates are then exactly the blocks of the sections it scans.
type allOnes struct{}

func (allOnes) Bitsets(ctx context.Context, bit uint, first uint64, dst [][]byte) error {
	for _, d := range dst {
		for i := range d {
			d[i] = 0xff
		}
	}
	return nil
}

// preciseCandidate reports whether a block with values passes filters in a
// precise index of geometry g: in every group, some value has all its positions
// among the block's.
func preciseCandidate(g Geometry, values [][]byte, filters [][][]byte) bool {
	set := map[uint]bool{}
	for _, v := range values {
		for _, p := range g.AppendPositions(nil, v) {
			set[p] = true
		}
	}
	for _, group := range filters {
		any := false
		for _, clause := range group {
			all := true
			for _, p := range g.AppendPositions(nil, clause) {
				all = all && set[p]
			}
			any = any || all
		}
		if !any {
			return false
		}
	}
	return true
}

// TestPreciseViewScan: disk sections 0 and 2 (1 under a stale head), live
// sections 3 and 4 up to a tip inside section 4, the bloom bits over sections
// 0..2. ScanPrecise must scan up to the live tip, section 1 by the bloom bits,
// the others by their positions, and leave the rest of the range to headers.
func TestPreciseViewScan(t *testing.T) {
	const size = 64
	g := DefaultGeometry([16]byte{3})
	rng := rand.New(rand.NewPCG(3, 4))
	blocks := randomBlocks(rng, 6*size, 6, 40)
	c := newPreciseChain(t, size, g)
	for s := range uint64(3) {
		head := testHead(s, canonicalVariant)
		c.setCanonical(s, head)
		if s == 1 {
			head = testHead(s, 1)
		}
		c.index(t, s, blocks[s*size:(s+1)*size], head)
	}
	disk := c.reader(t)
	live, err := NewPreciseLive(size, g)
	if err != nil {
		t.Fatal(err)
	}
	tip := uint64(4*size + 30)
	for n := uint64(3 * size); n <= tip; n++ {
		if err := live.Add(n, liveChainHash(n, 0), liveChainHash(n-1, 0), blocks[n]); err != nil {
			t.Fatal(err)
		}
	}
	filters := [][][]byte{{blocks[200][0], blocks[10][0]}, {blocks[70][0], blocks[200][len(blocks[200])-1]}}
	if len(blocks[200]) == 0 || len(blocks[10]) == 0 || len(blocks[70]) == 0 {
		t.Fatal("the seed left a chosen block without values")
	}
	fallback := matcher.NewMatcher(size, filters)

	scan := func(t *testing.T, sn PreciseLiveSnapshot, begin, end uint64) ([]uint64, uint64) {
		t.Helper()
		v, err := NewPreciseView(disk, sn)
		if err != nil {
			t.Fatal(err)
		}
		var got []uint64
		next, err := matcher.ScanPrecise(context.Background(), begin, end, filters, v, fallback, allOnes{}, 3, func(n uint64) bool {
			got = append(got, n)
			return true
		})
		if err != nil {
			t.Fatal(err)
		}
		return got, next
	}
	want := func(begin, last uint64) []uint64 {
		var out []uint64
		for n := begin; n <= last; n++ {
			if n/size == 1 || preciseCandidate(g, blocks[n], filters) {
				out = append(out, n)
			}
		}
		return out
	}
	t.Run("LiveTip", func(t *testing.T) {
		got, next := scan(t, live.Snapshot(), 5, 6*size-1)
		if w := want(5, tip); next != tip+1 || !slices.Equal(got, w) {
			t.Fatalf("next %d (want %d), candidates %v, want %v", next, tip+1, got, w)
		}
		if len(want(5, tip)) >= int(tip-5)/2 {
			t.Fatal("the filter passes most blocks: the test cannot tell precise from not")
		}
	})
	t.Run("EndBeforeTip", func(t *testing.T) {
		got, next := scan(t, live.Snapshot(), 150, 210)
		if w := want(150, 210); next != 211 || !slices.Equal(got, w) {
			t.Fatalf("next %d, candidates %v, want %v", next, got, w)
		}
	})
	t.Run("NoLive", func(t *testing.T) {
		// Without the live snapshot (a reorg not followed yet), the bloom
		// bits' last block is the reach: the rest is left to headers.
		got, next := scan(t, PreciseLiveSnapshot{}, 5, 6*size-1)
		if w := want(5, 3*size-1); next != 3*size || !slices.Equal(got, w) {
			t.Fatalf("next %d, candidates %v, want %v", next, got, w)
		}
	})
	t.Run("BeyondReach", func(t *testing.T) {
		got, next := scan(t, live.Snapshot(), tip+1, tip+10)
		if next != tip+1 || len(got) != 0 {
			t.Fatalf("next %d, candidates %v", next, got)
		}
	})
	t.Run("Gap", func(t *testing.T) {
		// Live from section 4: section 3 is neither on disk nor live, so the
		// reach stops before it.
		gap, err := NewPreciseLive(size, g)
		if err != nil {
			t.Fatal(err)
		}
		for n := uint64(4 * size); n <= tip; n++ {
			if err := gap.Add(n, liveChainHash(n, 0), liveChainHash(n-1, 0), blocks[n]); err != nil {
				t.Fatal(err)
			}
		}
		got, next := scan(t, gap.Snapshot(), 5, 6*size-1)
		if w := want(5, 3*size-1); next != 3*size || !slices.Equal(got, w) {
			t.Fatalf("next %d, candidates %v, want %v", next, got, w)
		}
	})
	t.Run("Geometry", func(t *testing.T) {
		other, err := NewPreciseLive(size, DefaultGeometry([16]byte{4}))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := NewPreciseView(disk, other.Snapshot()); err == nil {
			t.Fatal("a live index of another key accepted")
		}
	})
}
