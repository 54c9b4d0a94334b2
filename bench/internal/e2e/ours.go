package e2e

import (
	"context"

	"github.com/bloomsimd/bloomsimd/matcher"
)

// OurScan runs the bloom stage with our Matcher's Scan over src (an
// index.Reader, say), handing each matching block of [begin, end] to emit
// until it returns false.
func OurScan(ctx context.Context, src matcher.Source, filters [][][]byte, begin, end uint64, emit func(block uint64) bool) error {
	return matcher.NewMatcher(SectionSize, filters).Scan(ctx, begin, end, src, emit)
}

// OurScanQuery is OurScan appending the matching blocks to dst.
func OurScanQuery(ctx context.Context, src matcher.Source, filters [][][]byte, begin, end uint64, dst []uint64) ([]uint64, error) {
	err := OurScan(ctx, src, filters, begin, end, func(n uint64) bool {
		dst = append(dst, n)
		return true
	})
	return dst, err
}
