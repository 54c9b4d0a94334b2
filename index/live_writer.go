package index

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"sync/atomic"

	"github.com/bloomsimd/bloomsimd/rotate"
)

// Errors of Add. They leave the Live as it was.
var (
	// ErrGap: the header's number is past the block after the tip.
	ErrGap = errors.New("index: live header does not follow the tip")
	// ErrUnknownParent: the header's parent is not a block the Live holds (a
	// reorg deeper than the Live reaches, or a header the caller skipped).
	ErrUnknownParent = errors.New("index: live header's parent is not held")
)

// Add makes the header of block number (with hash, parentHash and bloom; a
// go-ethereum common.Hash and types.Bloom pass as they are) the tip. Its parent
// must be the tip (the chain grows) or a block the Live holds (a reorg: the
// blocks after the parent are dropped first, and the query side sees the
// change at once, never half of it). A header the Live already holds just
// becomes the tip again. The first Add may start anywhere; the section it starts
// in is not served (its earlier blocks are missing), so feed the Live from the
// first block not on disk. A gap or an unknown parent is an error
// (ErrGap, ErrUnknownParent), and the Live is left unchanged.
func (l *Live) Add(number uint64, hash, parentHash [32]byte, bloom [256]byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	fresh, err := l.add(number, hash, parentHash, &bloom)
	if err == nil {
		l.publish(fresh)
	}
	return err
}

// add is Add without publishing: it reports whether the next publication needs
// a new state. Call with l.mu held.
func (l *Live) add(number uint64, hash, parentHash [32]byte, bloom *[256]byte) (fresh bool, err error) {
	if number == ^uint64(0) {
		return false, fmt.Errorf("%w: block number %d has no successor", ErrGap, number)
	}
	if !l.started {
		l.started = true
		l.lo, l.next, l.loParent = number, number, parentHash
		l.appendBlock(number, hash, bloom)
		return true, nil
	}
	switch {
	case number > l.next:
		return false, fmt.Errorf("%w: block %d after tip %d", ErrGap, number, l.next-1)
	case number < l.lo:
		return false, fmt.Errorf("%w: block %d is older than the oldest held block %d", ErrUnknownParent, number, l.lo)
	case l.holds(number, hash):
		if number == l.next-1 {
			return false, nil // already the tip
		}
		l.rewind(number + 1)
		return true, nil
	case l.parentOf(number) != parentHash:
		return false, fmt.Errorf("%w: parent %x of block %d", ErrUnknownParent, parentHash, number)
	}
	if number < l.next {
		l.rewind(number)
		fresh = true
	}
	return l.appendBlock(number, hash, bloom) || fresh, nil
}

// holds reports whether block number with hash is held. Call with l.mu held.
func (l *Live) holds(number uint64, hash [32]byte) bool {
	return l.started && l.lo <= number && number < l.next && l.hashes[number%uint64(len(l.hashes))] == hash
}

// reset empties the Live, to start over at the next Add. Call with l.mu held.
func (l *Live) reset() {
	l.started = false
	l.secs, l.hot = nil, nil
	l.ring = newRing() // slots older states may still read
}

// parentOf returns the hash of block n-1, for lo <= n <= next.
func (l *Live) parentOf(n uint64) [32]byte {
	if n == l.lo {
		return l.loParent
	}
	return l.hashes[(n-1)%uint64(len(l.hashes))]
}

// publish makes the writer's state visible: a new state when its sections,
// ring or lo changed (fresh), otherwise just the new tip.
func (l *Live) publish(fresh bool) {
	if st := l.cur.Load(); !fresh && st != nil {
		st.next.Store(l.next)
		return
	}
	st := &state{lo: l.lo, secs: append([]liveSection(nil), l.secs...), ring: l.ring}
	st.next.Store(l.next)
	l.cur.Store(st)
}

// section returns the held section number, or nil.
func (l *Live) section(number uint64) *liveSection {
	for i := range l.secs {
		if l.secs[i].number == number {
			return &l.secs[i]
		}
	}
	return nil
}

// appendBlock adds block n == l.next and reports whether the sections changed.
func (l *Live) appendBlock(n uint64, hash [32]byte, bloom *[256]byte) (fresh bool) {
	s, col := n/l.size, n%l.size
	id := s*l.chunks + col/chunkBlocks
	if l.hot != nil && id != l.hotID {
		l.rotateHot() // the tip leaves its chunk
		l.hot = nil
	}
	if l.section(s) == nil {
		l.secs = append(l.secs, liveSection{number: s, vecs: make([]byte, BloomBits*l.stride)})
		if len(l.secs) > 2 {
			l.secs = append(l.secs[:0], l.secs[1:]...)
			l.dropBefore(l.secs[0].number * l.size)
		}
		fresh = true
	}
	if l.hot == nil {
		c := l.ring[id%ringChunks]
		c.id.Store(id) // before any write: a reader of the slot's last chunk moves away
		for j := range col % chunkBlocks {
			l.storeBloom(c, int(j), &[256]byte{}) // blocks before the first held one
		}
		l.hot, l.hotID = c, id
	}
	l.storeBloom(l.hot, int(col%chunkBlocks), bloom)
	l.hashes[n%uint64(len(l.hashes))] = hash
	l.next = n + 1
	return fresh
}

// storeBloom writes the bloom of block j of chunk c.
func (l *Live) storeBloom(c *chunk, j int, bloom *[256]byte) {
	for w := range c.blooms[j] {
		atomic.StoreUint64(&c.blooms[j][w], binary.NativeEndian.Uint64(bloom[8*w:]))
	}
}

// rotateHot rotates the hot chunk's blooms into its section's vectors.
func (l *Live) rotateHot() {
	s, k := l.hotID/l.chunks, l.hotID%l.chunks
	sec := l.section(s)
	if sec == nil {
		return // dropped already
	}
	n := min(chunkBlocks, l.size-k*chunkBlocks) // a multiple of 8
	blooms := l.hot.bytes()[:n]
	if err := rotate.Transpose(sec.vecs[8*k:], l.stride, blooms); err != nil {
		panic("index: live chunk rotation: " + err.Error()) // the sizes above rule it out
	}
}

// dropBefore forgets the blocks before n (the start of a section), keeping the
// hash of block n-1 as the parent of the new oldest one.
func (l *Live) dropBefore(n uint64) {
	if n <= l.lo {
		return
	}
	if n >= l.next {
		n = l.next
	}
	l.loParent = l.parentOf(n)
	l.lo = n
}

// rewind drops the blocks from keep on (lo <= keep < next). It never edits what
// a published tip covers: it works on fresh hot chunks, and on a copy of the
// section it cuts when the cut falls in an already rotated chunk.
func (l *Live) rewind(keep uint64) {
	oldHot, oldHotID := l.hot, l.hotID
	l.ring, l.hot = newRing(), nil
	for len(l.secs) > 0 && l.secs[len(l.secs)-1].number*l.size >= keep {
		l.secs = l.secs[:len(l.secs)-1]
	}
	l.next = keep
	if keep == l.lo {
		return // nothing left
	}
	tip := keep - 1
	s, col := tip/l.size, tip%l.size
	k := col / chunkBlocks
	id := s*l.chunks + k
	c := l.ring[id%ringChunks]
	c.id.Store(id)
	l.hot, l.hotID = c, id
	last := int(col % chunkBlocks) // the new tip's block in its chunk
	if oldHot != nil && oldHotID == id {
		copy(c.bytes()[:last+1], oldHot.bytes()[:last+1])
		return
	}
	// The tip's chunk was rotated already: take its blooms back out of the
	// vectors, and cut the section on a copy.
	sec := l.section(s)
	if sec == nil {
		return // not held: its blocks are zero
	}
	out := c.bytes()
	for v := range BloomBits {
		w := binary.BigEndian.Uint64(sec.vecs[v*l.stride+8*int(k):]) &^ (^uint64(0) >> (last + 1))
		for ; w != 0; w &= w - 1 {
			j := 63 - bits.TrailingZeros64(w)
			out[j][rotate.BloomByteLength-1-v/8] |= 1 << (v % 8)
		}
	}
	vecs := make([]byte, len(sec.vecs))
	if k > 0 {
		for v := range BloomBits {
			row := v * l.stride
			copy(vecs[row:row+8*int(k)], sec.vecs[row:])
		}
	}
	sec.vecs = vecs
}

// DropThrough forgets the sections up to and including section, once the
// ChainIndexer has written them to disk (call it from the indexer's Commit, or
// when its section count grows). Queries that already took a Snapshot keep
// reading them.
func (l *Live) DropThrough(section uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.started {
		return
	}
	end := ^uint64(0) // every block, if the end of section overflows
	if section < ^uint64(0)/l.size {
		end = (section + 1) * l.size
	}
	if end <= l.lo {
		return
	}
	i := 0
	for i < len(l.secs) && l.secs[i].number <= section {
		i++
	}
	l.secs = append(l.secs[:0:0], l.secs[i:]...)
	if end >= l.next && l.hot != nil {
		// The tip's section is gone: its next block starts a chunk in a fresh ring,
		// as the tip's slot may still be read through older states.
		l.ring, l.hot = newRing(), nil
	}
	l.dropBefore(end)
	l.publish(true)
}

// Head returns the tip's number and hash, and false before the first Add.
func (l *Live) Head() (number uint64, hash [32]byte, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.started || l.next == l.lo {
		return 0, [32]byte{}, false
	}
	return l.next - 1, l.hashes[(l.next-1)%uint64(len(l.hashes))], true
}

// Holds reports whether block number with hash is held: a feeder that sees a
// new head whose parent is not the tip walks back the new chain until a block
// the Live holds, and then adds the blocks after it in order.
func (l *Live) Holds(number uint64, hash [32]byte) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.holds(number, hash)
}
