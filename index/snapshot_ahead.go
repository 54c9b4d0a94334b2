package index

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/bloomsimd/bloomsimd/bitops"
)

// A Snapshot reads vectors ahead. Scan reads each bit in runs of a few sections,
// in ascending order, from several workers, and on a disk database opening an
// iterator costs as much as reading dozens of keys with it. So when a Snapshot
// reads a run with an iterator, the iterator goes on into the sections after the
// run whose heads the Snapshot holds (checking each key's head, as for the run),
// and the Snapshot keeps those compressed values for the bit's next calls: a
// bit's calls open iterators a number of times logarithmic in its sections, not
// once per run. A bit reads ahead at most as many sections as it has been asked
// for so far (a filter's later groups ask for few sections), and at most
// maxAheadBytes of values; a call asking for sections before those held reads
// them without disturbing them. Values read ahead are only decompressed when
// asked for, so a corrupt one fails the call that asks for it, as it would
// have without read-ahead.

// maxAheadBytes bounds the compressed values a Snapshot holds for one bit.
const maxAheadBytes = 32 << 10

// aheadValues holds the compressed values of consecutive sections from first.
// A bit holds one only while it has values not yet asked for; then it goes back
// to aheadPool for the next bit, or the next query's.
type aheadValues struct {
	first uint64
	ends  []int // ends[i] is where section first+i's value ends in slab
	slab  []byte
}

var aheadPool = sync.Pool{New: func() any {
	return &aheadValues{slab: make([]byte, 0, maxAheadBytes)}
}}

// reset drops the values held; the next ones start at section first.
func (a *aheadValues) reset(first uint64) {
	a.first, a.ends, a.slab = first, a.ends[:0], a.slab[:0]
}

// add appends the next section's value, unless maxAheadBytes would be passed.
func (a *aheadValues) add(v []byte) bool {
	if len(a.slab)+len(v) > maxAheadBytes {
		return false
	}
	a.slab = append(a.slab, v...)
	a.ends = append(a.ends, len(a.slab))
	return true
}

// value returns section's value, if held.
func (a *aheadValues) value(section uint64) ([]byte, bool) {
	if section < a.first || section-a.first >= uint64(len(a.ends)) {
		return nil, false
	}
	i := section - a.first
	start := 0
	if i > 0 {
		start = a.ends[i-1]
	}
	return a.slab[start:a.ends[i]], true
}

// bitAhead is a Snapshot's read-ahead of one bit. Its lock is held while the
// bit's values are read ahead, so that a call for sections being read ahead
// waits for them rather than reading them again.
type bitAhead struct {
	mu      sync.Mutex
	reading atomic.Bool  // mu is held to read ahead
	values  *aheadValues // nil when none are held
	asked   int          // sections asked for so far
}

// readVectors is Reader.readVectors, serving the sections the snapshot has read
// ahead and reading ahead with its iterators.
func (s *Snapshot) readVectors(ctx context.Context, sc *readScratch, bit uint, first uint64, heads [][HashLength]byte, dst [][]byte) error {
	r := s.r
	b := s.bitAhead(bit)
	var next [1][HashLength]byte
	if b == nil && s.heldFrom(first+uint64(len(dst)), next[:]) == 1 {
		b = s.newBitAhead(bit) // there are heads to read ahead to
	}
	asked := len(dst)
	if b != nil {
		if !b.mu.TryLock() {
			if b.reading.Load() {
				// Another worker reads ahead: read the run alone rather
				// than wait, so that Scan's workers stay parallel.
				return r.readVectors(ctx, sc, bit, first, heads, dst)
			}
			b.mu.Lock()
		}
		defer b.mu.Unlock()
		b.asked += len(dst)
		asked = b.asked
		if v := b.values; v != nil {
			k, err := v.decompress(bit, first, dst)
			if err != nil {
				return err
			}
			if first+uint64(k) >= v.first+uint64(len(v.ends)) { // all asked for
				b.values = nil
				aheadPool.Put(v)
			}
			if k == len(dst) {
				return nil
			}
			first, heads, dst = first+uint64(k), heads[k:], dst[k:]
			if b.values != nil && b.values.first >= first+uint64(len(dst)) {
				return r.readVectors(ctx, sc, bit, first, heads, dst) // before the values held
			}
		}
	}
	// The heads of the run, then those held after it (none past the scan's
	// sections).
	n := len(dst)
	asked = s.aheadLimit(first, n, asked)
	if cap(sc.vheads) < n+asked {
		sc.vheads = make([][HashLength]byte, n+asked)
	}
	all := sc.vheads[:n+asked]
	copy(all, heads)
	all = all[:n+s.heldFrom(first+uint64(n), all[n:])]
	// Reading ahead saves the point reads of the sections read ahead too.
	if !r.iterate(len(all), 0) && r.missingFails() {
		return r.getVectors(ctx, sc, bit, first, heads, dst)
	}
	if len(all) == n || b == nil {
		return r.iterateVectors(ctx, sc, bit, first, heads, dst, nil)
	}
	if b.values == nil {
		b.values = aheadPool.Get().(*aheadValues)
	}
	b.reading.Store(true)
	defer b.reading.Store(false)
	return r.iterateVectors(ctx, sc, bit, first, all, dst, b.values)
}

// decompress decompresses the values held for the sections from first on into
// dst, as many as are held from first on, and returns how many.
func (a *aheadValues) decompress(bit uint, first uint64, dst [][]byte) (int, error) {
	for i := range dst {
		v, ok := a.value(first + uint64(i))
		if !ok {
			return i, nil
		}
		if err := bitops.DecompressInto(dst[i], v); err != nil {
			return i, &Error{Bit: bit, Section: first + uint64(i), Err: fmt.Errorf("%w: %w", ErrCorrupt, err)}
		}
	}
	return len(dst), nil
}

// bitAhead returns bit's read-ahead, nil if it has none.
func (s *Snapshot) bitAhead(bit uint) *bitAhead {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.ahead[bit]
}

// newBitAhead returns bit's read-ahead, creating it if it has none.
func (s *Snapshot) newBitAhead(bit uint) *bitAhead {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ahead == nil {
		s.ahead = make(map[uint]*bitAhead)
	}
	b := s.ahead[bit]
	if b == nil {
		b = new(bitAhead)
		s.ahead[bit] = b
	}
	return b
}

// heldFrom copies into heads the heads the snapshot holds of the sections from
// first on, up to len(heads) of them and up to the first it does not hold, and
// returns how many.
func (s *Snapshot) heldFrom(first uint64, heads [][HashLength]byte) int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for i := range heads {
		section := first + uint64(i)
		c := s.chunks[section/chunkLen]
		if section < first || c == nil || c.held&(1<<(section%chunkLen)) == 0 {
			return i
		}
		heads[i] = c.heads[section%chunkLen]
	}
	return len(heads)
}
