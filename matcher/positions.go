package matcher

import (
	"context"
	"errors"
	"fmt"

	"github.com/bloomsimd/bloomsimd/internal/section"
)

// NewPositionMatcher compiles filters for an index of positions other than the
// header bloom's bits, such as a precise log index: positions maps a clause (an
// address or a topic) to its positions, appended to dst. A clause matches a
// block when all its positions are set; groups AND and clauses OR as in
// NewMatcher, with the same wildcards. The Matcher's Source then gives position
// vectors (Bitsets' bit is a position). A clause has one to three positions
// (fewer are repeated: AND is idempotent); more, or none, is an error.
func NewPositionMatcher(sectionSize uint64, filters [][][]byte, positions func(dst []uint, clause []byte) []uint) (*Matcher, error) {
	if positions == nil {
		return nil, errors.New("matcher: nil positions function")
	}
	var groups [][][3]uint
	var buf []uint
	for _, clauses := range filters {
		if len(clauses) == 0 || hasNil(clauses) {
			continue
		}
		g := make([][3]uint, len(clauses))
		for i, clause := range clauses {
			buf = positions(buf[:0], clause)
			if len(buf) == 0 || len(buf) > 3 {
				return nil, fmt.Errorf("matcher: a clause maps to %d positions, want 1 to 3", len(buf))
			}
			for k := range g[i] {
				g[i][k] = buf[min(k, len(buf)-1)]
			}
		}
		groups = append(groups, g)
	}
	return newMatcher(sectionSize, groups), nil
}

// Coverage tells which sections an index holds: Covered sets covered[i] for
// section first+i (index.PreciseReader is one).
type Coverage interface {
	Covered(ctx context.Context, first uint64, covered []bool) error
}

// coverageBatch is how many sections' coverage ScanCovered asks at once.
const coverageBatch = 1024

// ScanCovered matches blocks begin..end (inclusive) as Scan does, section by
// section with the index that covers it: precise (reading preciseSrc) over the
// sections cover reports covered, fallback (the same filter over the bloom
// bits, reading bloomSrc) over the others. Contiguous sections of one kind are
// scanned together, in ascending order, so emit sees every match once and in
// order. Both matchers must have the same section size. It returns as Scan
// does; a coverage error ends it before the sections it concerns.
func ScanCovered(ctx context.Context, begin, end uint64, precise *Matcher, preciseSrc Source, cover Coverage,
	fallback *Matcher, bloomSrc Source, emit func(block uint64) bool) error {
	switch {
	case precise == nil || fallback == nil:
		return errors.New("matcher: nil Matcher")
	case cover == nil:
		return errors.New("matcher: nil Coverage")
	case emit == nil:
		return errors.New("matcher: nil emit function")
	case begin > end:
		return fmt.Errorf("matcher: scan range begins at %d, after its end %d", begin, end)
	case precise.sectionSize != fallback.sectionSize:
		return fmt.Errorf("matcher: precise section size %d, bloom-bit section size %d", precise.sectionSize, fallback.sectionSize)
	}
	if err := precise.checkSectionSize(); err != nil {
		return err
	}
	if ctx == nil {
		ctx = context.Background()
	}
	size := precise.sectionSize
	stopped := false
	wrapped := func(block uint64) bool {
		if !emit(block) {
			stopped = true
		}
		return !stopped
	}
	covered := make([]bool, coverageBatch)
	last := end / size
	for first := begin / size; ; {
		n := min(last-first+1, coverageBatch)
		if err := cover.Covered(ctx, first, covered[:n]); err != nil {
			return fmt.Errorf("matcher: coverage of %s: %w", section.Text(first, int(n)), err)
		}
		for i := uint64(0); i < n; {
			j := i + 1
			for j < n && covered[j] == covered[i] {
				j++
			}
			from, to := max(begin, (first+i)*size), end
			if first+j-1 < last {
				to = min(end, (first+j)*size-1)
			}
			m, src := fallback, bloomSrc
			if covered[i] {
				m, src = precise, preciseSrc
			}
			if err := m.Scan(ctx, from, to, src, wrapped); err != nil || stopped {
				return err
			}
			i = j
		}
		if first+n-1 == last {
			return nil
		}
		first += n
	}
}
