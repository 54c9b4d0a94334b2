package matcher

import (
	"context"
	"errors"
)

// PreciseSource is a precise log index as one query sees it (index.PreciseView
// is one): position vectors (Source), the sections it holds (Coverage), the
// positions of a filter's value, and Reach: the last block a query can match
// through it together with the bloom bits' bloomSections sections, and false if
// none.
type PreciseSource interface {
	Source
	Coverage
	AppendPositions(dst []uint, value []byte) []uint
	Reach(ctx context.Context, bloomSections uint64) (last uint64, ok bool, err error)
}

// ScanPrecise matches blocks begin..end of filters (as NewMatcher's) as far as
// the precise index reaches: blocks begin..min(end, reach) through ScanCovered,
// the sections src holds by their positions, the others by fallback (the same
// filters over the bloom bits: bloomSrc, which holds bloomSections sections).
// It returns the first block it did not check, for the caller to check from
// there header by header (begin if the index reaches no block of the range,
// end+1 if it covered all of it); when emit stops it or on error, next is
// unspecified.
func ScanPrecise(ctx context.Context, begin, end uint64, filters [][][]byte, src PreciseSource,
	fallback *Matcher, bloomSrc Source, bloomSections uint64, emit func(block uint64) bool) (next uint64, err error) {
	switch {
	case src == nil || bloomSrc == nil:
		return begin, errors.New("matcher: nil Source")
	case fallback == nil:
		return begin, errors.New("matcher: nil Matcher")
	case begin > end:
		return begin, nil
	}
	reach, ok, err := src.Reach(ctx, bloomSections)
	if err != nil || !ok || reach < begin {
		return begin, err
	}
	precise, err := NewPositionMatcher(fallback.sectionSize, filters, src.AppendPositions)
	if err != nil {
		return begin, err
	}
	last := min(end, reach)
	if err := ScanCovered(ctx, begin, last, precise, src, src, fallback, bloomSrc, emit); err != nil {
		return begin, err
	}
	return last + 1, nil
}
