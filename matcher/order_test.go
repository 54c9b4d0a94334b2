package matcher

import (
	"slices"
	"testing"

	"go.uber.org/goleak"
)

// A session asks for vectors in go-ethereum's order: the first group's bits of
// the first sections come first, each as a full batch of the lowest sections,
// and a later group's bit only for sections that the earlier groups match.
func TestSessionAllocationOrder(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	// The first group matches in sections 0 and 508 only (2*1019*1021 blocks apart).
	groups := [][][3]uint{{{1021, 1019, 2}}, {{7, 11, 13}}}
	const sections, batch = 600, 16
	const end = sections*testSectionSize - 1
	m := newMatcher(testSectionSize, groups)
	type request struct {
		bit      uint
		sections []uint64
	}
	var asked []request
	got, err := handSessionBatch(t, m, 0, end, batch, func(s *MatcherSession, bit uint, secs []uint64) {
		asked = append(asked, request{bit, secs})
		s.DeliverSections(bit, secs, vectors(bit, secs))
	})
	if err != nil || !slices.Equal(got, expected(groups, 0, end)) {
		t.Fatalf("%d matches (err %v), want %d", len(got), err, len(expected(groups, 0, end)))
	}
	first := map[uint]bool{1021: true, 1019: true, 2: true}
	for i, r := range asked[:3] {
		if !first[r.bit] || !slices.Equal(r.sections, []uint64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}) {
			t.Fatalf("request %d: bit %d, sections %v; want a first-group bit, sections 0..15", i, r.bit, r.sections)
		}
		delete(first, r.bit)
	}
	seen := make(map[uint][]uint64) // per bit, the sections asked for
	for _, r := range asked {
		if !slices.IsSorted(r.sections) {
			t.Fatalf("bit %d: sections %v not in order", r.bit, r.sections)
		}
		seen[r.bit] = append(seen[r.bit], r.sections...)
	}
	for _, bit := range []uint{1021, 1019, 2} {
		if s := seen[bit]; len(s) != sections || !slices.IsSorted(s) {
			t.Fatalf("first-group bit %d: %d sections asked, in order %v; want each of %d once, in order",
				bit, len(s), slices.IsSorted(s), sections)
		}
	}
	for _, bit := range []uint{7, 11, 13} {
		if len(seen[bit]) == 0 {
			t.Fatalf("second-group bit %d never asked for", bit)
		}
		for _, s := range seen[bit] {
			if len(expected(groups[:1], s*testSectionSize, (s+1)*testSectionSize-1)) == 0 {
				t.Fatalf("second-group bit %d asked for section %d, which the first group does not match", bit, s)
			}
		}
	}
}
