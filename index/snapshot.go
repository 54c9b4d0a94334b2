package index

import (
	"context"
	"sync"
)

// Snapshot is a matcher.Source over a Reader for one query: it reads each
// section's canonical head once, the first time a Bitsets call needs it, and
// reads every bit of the section under that head. Use a fresh one per query:
//
//	err := m.Scan(ctx, begin, end, reader.Snapshot(), emit)
//
// Scan reads each bit of a run of sections with its own Bitsets call. Over the
// Reader itself, every call reads the run's canonical heads again, which costs
// more than the vectors on a disk database, and a reorg during the query can
// give one section's bits from different heads. A Snapshot reads the heads once
// per query, and a query sees each section as of one head: the one canonical
// when the query first read the section. It never reads a vector of a head that
// was not canonical at that moment. It is safe for concurrent use.
type Snapshot struct {
	r     *Reader
	mu    sync.RWMutex
	known map[uint64][HashLength]byte // the sections' heads read so far
}

// Snapshot returns a new Snapshot of r.
func (r *Reader) Snapshot() *Snapshot {
	return &Snapshot{r: r, known: make(map[uint64][HashLength]byte)}
}

// Bitsets is Reader.Bitsets, with each section's canonical head read once per
// Snapshot.
func (s *Snapshot) Bitsets(ctx context.Context, bit uint, first uint64, dst [][]byte) error {
	return s.r.bitsets(ctx, s, bit, first, dst)
}

// heads stores the heads of sections first.. in heads: those the snapshot
// holds, and for the others those read now, which it then keeps. A missing
// head is not kept: a later call reads it again.
func (s *Snapshot) heads(ctx context.Context, sc *readScratch, first uint64, heads [][HashLength]byte) error {
	s.mu.RLock()
	missing := false
	for i := range heads {
		h, ok := s.known[first+uint64(i)]
		heads[i], missing = h, missing || !ok
	}
	s.mu.RUnlock()
	if !missing {
		return nil
	}
	if err := s.r.canonicalHeads(ctx, sc, first, heads); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range heads {
		if h, ok := s.known[first+uint64(i)]; ok {
			heads[i] = h // read first by another call: one head per section
		} else {
			s.known[first+uint64(i)] = heads[i]
		}
	}
	return nil
}
