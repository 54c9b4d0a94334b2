package load

import (
	"context"
	"sync/atomic"

	"github.com/bloomsimd/bloomsimd/matcher"
)

// Counter counts the Source reads of a query path: the calls and vectors that
// reach storage through the Sources it wraps, whatever a scheduler in between
// says about itself.
type Counter struct {
	calls   atomic.Uint64
	vectors atomic.Uint64
}

// Wrap returns src counting into c. (The wrapper is a plain Source: it hides
// whether src is a ChangingSource.)
func (c *Counter) Wrap(src matcher.Source) matcher.Source { return &counted{c, src} }

// Counts returns the calls (Source reads, each of one bit over a run of
// sections) and the vectors read so far.
func (c *Counter) Counts() (reads, vectors uint64) {
	return c.calls.Load(), c.vectors.Load()
}

type counted struct {
	c   *Counter
	src matcher.Source
}

func (s *counted) Bitsets(ctx context.Context, bit uint, first uint64, dst [][]byte) error {
	s.c.calls.Add(1)
	s.c.vectors.Add(uint64(len(dst)))
	return s.src.Bitsets(ctx, bit, first, dst)
}
