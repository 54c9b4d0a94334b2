package index

import (
	"context"
	"math"
	"sync"
)

// Snapshot is a scheduler.Source over a Reader for one query: it resolves each
// section's canonical head once, the first time a Bitsets call needs it (or
// reads ahead to it), and reads every bit of the section under that head. Use a
// fresh one per query:
//
//	err := m.Scan(ctx, begin, end, reader.Snapshot(), emit)
//
// Scan reads each bit of a run of sections with its own Bitsets call. Over the
// Reader itself, every call reads the run's canonical heads again, which costs
// more than the vectors on a disk database, and a reorg during the query can
// give one section's bits from different heads. A Snapshot resolves heads as
// the Reader does (stored section heads confirmed by one canonical hash), and
// when a call needs heads it does not hold, it also reads ahead of the call as
// many sections as it holds (at most maxReadAhead): Scan reads its runs in
// ascending order, so a query reads heads a number of times logarithmic in its
// sections, not once per run, and reads ahead at most about as many heads as it
// needs. It reads each bit's vectors ahead the same way, into the sections
// whose heads it holds (snapshot_ahead.go), so that a bit's runs share
// iterators. matcher.Scan tells it the sections it is about to read
// (ScanSections): then it resolves all their heads with its first call, and
// reads nothing past them.
//
// A query sees each section as of one head, the one canonical when the query
// resolved it; it never reads a vector of a head that was not canonical at that
// moment. It is safe for concurrent use.
type Snapshot struct {
	r *Reader
	// fill is held by the call resolving heads with read-ahead; a call that
	// misses heads meanwhile waits for it: Scan's workers ask for neighbouring
	// runs at the same moment, and the read-ahead under way usually holds
	// theirs.
	fill     sync.Mutex
	mu       sync.RWMutex
	resolved int                   // heads held
	chunks   map[uint64]*headChunk // by section / chunkLen
	ahead    map[uint]*bitAhead    // by bit, its values read ahead (snapshot_ahead.go)
	// The sections from scanFirst to scanEnd (exclusive) are those the last
	// ScanSections named; scanEnd is 0 before any.
	scanFirst, scanEnd uint64
}

// chunkLen is the number of sections of a headChunk.
const chunkLen = 64

// headChunk holds the heads of chunkLen consecutive sections, from a multiple of
// chunkLen.
type headChunk struct {
	held  uint64 // bit i set: heads[i] is resolved
	heads [chunkLen][HashLength]byte
}

// maxReadAhead bounds the sections a Snapshot reads ahead of a call.
const maxReadAhead = 1024

// ScanSections tells s that a scan is about to read the count sections from
// first on; matcher.Scan calls it before its first Bitsets call. A call that
// misses heads within them then resolves their heads at once (up to
// maxReadAhead past the call's sections), and no read-ahead, of heads or of
// vectors, goes past them. It changes what s reads, never what a Bitsets call
// returns: calls outside the sections, or a later ScanSections, are served as
// without it.
func (s *Snapshot) ScanSections(first, count uint64) {
	end := first + count
	if end < first {
		end = math.MaxUint64
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scanFirst, s.scanEnd = first, end
}

// aheadLimit bounds want, a number of sections to read ahead of the n from
// first on, to the scan's sections after them, if first is among the scan's
// sections.
func (s *Snapshot) aheadLimit(first uint64, n, want int) int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if left := s.scanLeftLocked(first); left > 0 {
		return max(0, min(want, left-n))
	}
	return want
}

// scanLeftLocked returns how many of the scan's sections are left from section
// on, 0 if section is not among them.
func (s *Snapshot) scanLeftLocked(section uint64) int {
	if section < s.scanFirst || section >= s.scanEnd {
		return 0
	}
	return int(min(s.scanEnd-section, math.MaxInt))
}

// Snapshot returns a new Snapshot of r.
func (r *Reader) Snapshot() *Snapshot {
	return &Snapshot{r: r}
}

// Bitsets is Reader.Bitsets, with each section's canonical head resolved once
// per Snapshot.
func (s *Snapshot) Bitsets(ctx context.Context, bit uint, first uint64, dst [][]byte) error {
	return s.r.bitsets(ctx, s, bit, first, dst)
}

// heads stores the heads of sections first.. in heads: the ones the snapshot
// holds, after resolving (and keeping) those it does not hold yet. A head that
// cannot be resolved is not kept: a later call tries again.
func (s *Snapshot) heads(ctx context.Context, sc *readScratch, first uint64, heads [][HashLength]byte) error {
	if _, ok, _ := s.lookup(first, heads); ok {
		return nil
	}
	s.fill.Lock()
	defer s.fill.Unlock()
	held, ok, scanLeft := s.lookup(first, heads)
	if ok {
		return nil // resolved by the call waited for
	}
	// As many sections ahead as held, or those left of the scan's.
	n := len(heads)
	w := n + min(held, maxReadAhead)
	if scanLeft > 0 {
		w = min(max(scanLeft, n), n+maxReadAhead)
	}
	if cap(sc.ahead) < w {
		sc.ahead = make([][HashLength]byte, w)
	}
	got, err := s.r.resolveHeads(ctx, sc, first, n, sc.ahead[:w])
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keep(first, got)
	s.lookupLocked(first, heads) // all held now, some perhaps from before
	return nil
}

// lookup copies the heads of sections first.. into heads and reports whether
// the snapshot holds all of them, how many heads it holds, and how many of the
// scan's sections are left from first on (0 if first is not among them).
func (s *Snapshot) lookup(first uint64, heads [][HashLength]byte) (held int, ok bool, scanLeft int) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.resolved, s.lookupLocked(first, heads), s.scanLeftLocked(first)
}

func (s *Snapshot) lookupLocked(first uint64, heads [][HashLength]byte) bool {
	for i := 0; i < len(heads); {
		section := first + uint64(i)
		c := s.chunks[section/chunkLen]
		off := int(section % chunkLen)
		k := min(len(heads)-i, chunkLen-off)
		mask := (uint64(1)<<k - 1) << off // k = 64: all ones
		if c == nil || c.held&mask != mask {
			return false
		}
		copy(heads[i:i+k], c.heads[off:off+k])
		i += k
	}
	return true
}

// keep adds the heads of sections first.. that the snapshot does not hold yet:
// a head once held never changes. s.mu is held.
func (s *Snapshot) keep(first uint64, heads [][HashLength]byte) {
	if s.chunks == nil {
		s.chunks = make(map[uint64]*headChunk)
	}
	for i, h := range heads {
		section := first + uint64(i)
		c := s.chunks[section/chunkLen]
		if c == nil {
			c = new(headChunk)
			s.chunks[section/chunkLen] = c
		}
		bit := uint64(1) << (section % chunkLen)
		if c.held&bit == 0 {
			c.heads[section%chunkLen] = h
			c.held |= bit
			s.resolved++
		}
	}
}
