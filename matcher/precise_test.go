package matcher

import (
	"context"
	"errors"
	"testing"
)

// onesPrecise is a PreciseSource in which every block passes, holding every
// section, reaching block reach (none if !ok), or failing Reach with err.
type onesPrecise struct {
	reach uint64
	ok    bool
	err   error
}

func (s onesPrecise) Bitsets(ctx context.Context, bit uint, first uint64, dst [][]byte) error {
	for _, d := range dst {
		for i := range d {
			d[i] = 0xff
		}
	}
	return nil
}

func (s onesPrecise) Covered(ctx context.Context, first uint64, covered []bool) error {
	for i := range covered {
		covered[i] = true
	}
	return nil
}

func (s onesPrecise) AppendPositions(dst []uint, value []byte) []uint {
	return append(dst, uint(value[0]), uint(value[0])+1, uint(value[0])+2)
}

func (s onesPrecise) Reach(ctx context.Context, bloomSections uint64) (uint64, bool, error) {
	return s.reach, s.ok, s.err
}

// TestScanPrecise: ScanPrecise scans up to the reach and no further, returns
// where the caller goes on, and passes on errors.
func TestScanPrecise(t *testing.T) {
	const size = 64
	filters := [][][]byte{{{1}}, {{7}}}
	fallback := NewMatcher(size, filters)
	scan := func(src onesPrecise, begin, end uint64) ([]uint64, uint64, error) {
		var got []uint64
		next, err := ScanPrecise(context.Background(), begin, end, filters, src, fallback, src, 2, func(n uint64) bool {
			got = append(got, n)
			return true
		})
		return got, next, err
	}
	for _, c := range []struct {
		name                    string
		src                     onesPrecise
		begin, end, next, count uint64
	}{
		{"reach inside", onesPrecise{reach: 150, ok: true}, 10, 300, 151, 141},
		{"reach beyond", onesPrecise{reach: 500, ok: true}, 10, 300, 301, 291},
		{"reach before begin", onesPrecise{reach: 5, ok: true}, 10, 300, 10, 0},
		{"no reach", onesPrecise{}, 10, 300, 10, 0},
		{"empty range", onesPrecise{reach: 500, ok: true}, 11, 10, 11, 0},
	} {
		got, next, err := scan(c.src, c.begin, c.end)
		if err != nil || next != c.next || uint64(len(got)) != c.count || (len(got) > 0 && (got[0] != c.begin || got[len(got)-1] != c.next-1)) {
			t.Errorf("%s: next %d (want %d), %d blocks (want %d), %v", c.name, next, c.next, len(got), c.count, err)
		}
	}
	boom := errors.New("boom")
	if _, _, err := scan(onesPrecise{err: boom}, 0, 100); !errors.Is(err, boom) {
		t.Errorf("Reach error: %v", err)
	}
	if _, err := ScanPrecise(context.Background(), 0, 1, filters, nil, fallback, onesPrecise{}, 0, func(uint64) bool { return true }); err == nil {
		t.Error("nil PreciseSource accepted")
	}
	if _, err := ScanPrecise(context.Background(), 0, 1, filters, onesPrecise{}, nil, onesPrecise{}, 0, func(uint64) bool { return true }); err == nil {
		t.Error("nil Matcher accepted")
	}
}
