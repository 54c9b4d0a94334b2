package e2e

import (
	"context"

	"github.com/bloomsimd/bloomsimd/matcher"
)

// OurScanQuery runs the bloom stage with our Matcher's Scan over src (an
// index.Reader), appending the matching blocks of [begin, end] to dst.
func OurScanQuery(ctx context.Context, src matcher.Source, filters [][][]byte, begin, end uint64, dst []uint64) ([]uint64, error) {
	m := matcher.NewMatcher(SectionSize, filters)
	err := m.Scan(ctx, begin, end, src, func(n uint64) bool {
		dst = append(dst, n)
		return true
	})
	return dst, err
}
