package index

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/bloomsimd/bloomsimd/rotate"
)

// The live head index: the rotated bloom bits of the sections a node's
// ChainIndexer has not written to disk yet, kept in memory and updated block by
// block, so that a log query is served by the bloom-bit index up to the chain
// head.
//
// How it stays cheap per block: the blooms of the tip's chunk of 64 blocks are
// kept as they are (the hot chunk); when the tip leaves a chunk, its 64 blooms
// are rotated at once (rotate.Transpose) into one 8-byte word of each of the 2048
// vectors. A block costs a 256-byte copy; every 64th also a chunk rotation.
//
// How queries never wait: the writer publishes an immutable state (the section
// buffers and hot chunks it serves from) with an atomic pointer, and the tip with
// an atomic counter. It only ever writes bytes no published tip covers: a chunk
// is rotated into its words before any tip past it is published, and a hot chunk
// slot is reused (after ringChunks chunks) only once its chunk is rotated, which
// a reader of that slot detects by its stamp and then reads the rotated words.
// A reorg never edits what a published tip covers: it copies the buffers it
// changes (a section buffer when the fork point is in an already rotated chunk,
// and always a fresh set of hot chunks) and publishes a new state.

const (
	bloomBitCount  = 2048
	bloomByteCount = 256
	// chunkBlocks blocks are rotated together: one 64-bit word of each vector.
	chunkBlocks = 64
	// ringChunks hot chunks are kept before the writer reuses one; a reader still
	// on a reused chunk reads the chunk's rotated words instead.
	ringChunks = 4
)

// Live is the live head index: the rotated vectors of the sections not yet on
// disk, built from the canonical headers as they arrive (Follow from a chain
// head event, or Add header by header), for at most two sections at a time. It
// is a matcher.Source for the sections it holds; Compose joins it to the disk
// index.
//
// Feeding it (Follow, Add, DropThrough, and Head and Holds, which a feeder uses)
// is serialised by a mutex; any number of goroutines may read it (Snapshot,
// Bitsets, Sections, IndexedSections) at the same time, and readers never wait
// for the writer.
//
// A query that reads several bits should read them from one Snapshot: Live's own
// Bitsets reads the newest tip on each call, so the bits of one query could come
// from two tips with a reorg between them.
type Live struct {
	size     uint64 // blocks per section
	vecBytes int    // bytes of a vector: size/8
	stride   int    // bytes from one vector to the next in a section buffer: vecBytes rounded up to 8
	chunks   uint64 // chunks per section

	cur atomic.Pointer[state] // what readers see

	mu sync.Mutex // serialises the writer; readers never take it
	// The writer's state, guarded by mu.
	started  bool
	lo       uint64        // first block held (its hash, and its bloom if its section is held)
	next     uint64        // one past the tip
	loParent [32]byte      // hash of block lo-1
	hashes   [][32]byte    // hash of block n at n % len(hashes), for lo <= n < next
	secs     []liveSection // the held sections, ascending and contiguous
	ring     *ring
	hot      *chunk // the tip's chunk, nil when no block is held
	hotID    uint64 // its chunk number: section*chunks + column/64
}

// state is what a reader sees: immutable except for next and the bytes past
// every tip published with it.
type state struct {
	lo   uint64
	secs []liveSection
	ring *ring
	next atomic.Uint64 // one past the tip
}

// liveSection is the vectors of one section: vector v at vecs[v*stride:], block
// j of the section at byte j/8, mask 0x80>>(j%8).
type liveSection struct {
	number uint64
	vecs   []byte
}

type ring [ringChunks]*chunk

// chunk holds the blooms of the blocks of one chunk, block j of the chunk in
// blooms[j] as 32 words whose memory holds the bloom's bytes in order. Readers
// load the words atomically: a slot being reused is written while a slow reader
// may still read it, and its stamp then tells the reader to look elsewhere.
type chunk struct {
	id     atomic.Uint64 // the chunk number it holds, noChunk if none
	blooms [chunkBlocks][bloomByteCount / 8]uint64
}

const noChunk = ^uint64(0)

func newRing() *ring {
	var r ring
	for i := range r {
		r[i] = new(chunk)
		r[i].id.Store(noChunk)
	}
	return &r
}

// bytes views the chunk's blooms as bytes, for the writer only.
func (c *chunk) bytes() *[chunkBlocks][bloomByteCount]byte {
	return (*[chunkBlocks][bloomByteCount]byte)(unsafe.Pointer(&c.blooms))
}

// NewLive returns an empty live index for sections of sectionSize blocks (a
// positive multiple of 8, as the matcher's).
func NewLive(sectionSize uint64) (*Live, error) {
	if err := checkSectionSize(sectionSize); err != nil {
		return nil, err
	}
	vecBytes := int(sectionSize / 8)
	return &Live{
		size:     sectionSize,
		vecBytes: vecBytes,
		stride:   (vecBytes + 7) &^ 7,
		chunks:   (sectionSize + chunkBlocks - 1) / chunkBlocks,
		hashes:   make([][32]byte, 2*sectionSize),
		ring:     newRing(),
	}, nil
}

// SectionSize returns the number of blocks per section.
func (l *Live) SectionSize() uint64 { return l.size }

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

// HeaderFunc looks up the parent hash and bloom of the header with hash and
// number, for Follow; ok is false when the header is not found. A closure over
// go-ethereum's BlockChain.GetHeader fits it (its common.Hash and types.Bloom
// convert implicitly).
type HeaderFunc func(hash [32]byte, number uint64) (parentHash [32]byte, bloom [256]byte, ok bool)

// Follow brings the Live to a new chain head, as a node's chain head event
// handler would: it looks up the headers between the head and what the Live
// holds (the blocks after the tip, or after the fork point of a reorg) with
// header, adds them in order, and publishes the result at once, so that queries
// never see a part of a reorg. from is the first block not on disk (the disk
// index's sections × section size): when the head does not join onto what the
// Live holds (on the first call, or after a reorg deeper than it reaches), the
// Live starts over from from, or from the start of the section before the
// head's if that is later (it holds at most two sections). A head before from
// is ignored. On an error (a header not found) the Live is unchanged.
func (l *Live) Follow(number uint64, hash, parentHash [32]byte, bloom [256]byte, from uint64, header HeaderFunc) error {
	if number == math.MaxUint64 { // before the walk, which may empty the Live
		return fmt.Errorf("%w: block number %d has no successor", ErrGap, number)
	}
	if s := number / l.size; s >= 1 {
		from = max(from, (s-1)*l.size)
	}
	if number < from {
		return nil
	}
	type hdr struct {
		number       uint64
		hash, parent [32]byte
		bloom        [256]byte
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	todo := []hdr{{number, hash, parentHash, bloom}}
	restart := false
	for {
		h := &todo[len(todo)-1]
		if l.started && l.lo <= h.number && h.number <= l.next &&
			(l.holds(h.number, h.hash) || l.parentOf(h.number) == h.parent) {
			break // joins what the Live holds
		}
		if h.number <= from {
			restart = true
			break
		}
		parent, bloom, ok := header(h.parent, h.number-1)
		if !ok {
			return fmt.Errorf("index: header %d (%x) not found", h.number-1, h.parent)
		}
		todo = append(todo, hdr{h.number - 1, h.parent, parent, bloom})
	}
	fresh := false
	if restart {
		l.reset()
		fresh = true
	}
	for i := len(todo) - 1; i >= 0; i-- {
		h := &todo[i]
		f, err := l.add(h.number, h.hash, h.parent, &h.bloom)
		if err != nil {
			// Cannot happen: each header joins onto the one before. Still, never
			// leave a half-applied change unpublished.
			l.publish(true)
			return err
		}
		fresh = fresh || f
	}
	l.publish(fresh)
	return nil
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
		l.secs = append(l.secs, liveSection{number: s, vecs: make([]byte, bloomBitCount*l.stride)})
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
	for v := range bloomBitCount {
		w := binary.BigEndian.Uint64(sec.vecs[v*l.stride+8*int(k):]) &^ (^uint64(0) >> (last + 1))
		for ; w != 0; w &= w - 1 {
			j := 63 - bits.TrailingZeros64(w)
			out[j][bloomByteCount-1-v/8] |= 1 << (v % 8)
		}
	}
	vecs := make([]byte, len(sec.vecs))
	if k > 0 {
		for v := range bloomBitCount {
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

// Snapshot returns the newest tip, for a query to read all its bits from.
func (l *Live) Snapshot() LiveSnapshot {
	st := l.cur.Load()
	if st == nil {
		return LiveSnapshot{size: l.size, vecBytes: l.vecBytes, stride: l.stride, chunks: l.chunks}
	}
	return LiveSnapshot{st: st, next: st.next.Load(), size: l.size, vecBytes: l.vecBytes, stride: l.stride, chunks: l.chunks}
}

// Bitsets is matcher.Source over the newest tip: Snapshot().Bitsets.
func (l *Live) Bitsets(ctx context.Context, bit uint, first uint64, dst [][]byte) error {
	return l.Snapshot().Bitsets(ctx, bit, first, dst)
}

// Sections returns the sections the Live serves at the newest tip: first,
// first+1, ..., first+count-1, the last one up to the tip.
func (l *Live) Sections() (first, count uint64) { return l.Snapshot().Sections() }

// Changing is matcher.ChangingSource: every section of a Live may still change
// (blocks arrive, reorgs rewrite them), so no Matcher caches its vectors past the
// session that asked for them.
func (l *Live) Changing(section uint64) bool { return true }

// IndexedSections returns how many sections from 0 are served by the disk index
// (onDisk sections) and the Live together: what a node's BloomStatus reports so
// that its filters read every block up to the head from the bloom-bit index.
// When the Live's sections do not join onto the disk's, it is onDisk.
func (l *Live) IndexedSections(onDisk uint64) uint64 {
	first, count := l.Sections()
	if count == 0 || first > onDisk {
		return onDisk
	}
	return max(onDisk, first+count)
}

// LiveSnapshot is one tip of a Live: a matcher.Source whose vectors never change.
// Vectors read as zero for the blocks after the tip. The zero LiveSnapshot holds
// nothing.
type LiveSnapshot struct {
	st       *state
	next     uint64
	size     uint64
	vecBytes int
	stride   int
	chunks   uint64
}

// same reports whether sn and o are the same tip of one Live.
func (sn LiveSnapshot) same(o LiveSnapshot) bool { return sn.st == o.st && sn.next == o.next }

// Head returns the tip's block number, and false if the snapshot holds no block.
func (sn LiveSnapshot) Head() (uint64, bool) {
	if sn.st == nil || sn.next == sn.st.lo {
		return 0, false
	}
	return sn.next - 1, true
}

// Sections returns the sections the snapshot serves: those the Live holds from
// their first block, up to the tip's.
func (sn LiveSnapshot) Sections() (first, count uint64) {
	if sn.st == nil {
		return 0, 0
	}
	for _, sec := range sn.st.secs {
		start := sec.number * sn.size
		if start < sn.st.lo || start >= sn.next {
			continue
		}
		if count == 0 {
			first = sec.number
		}
		count++
	}
	return first, count
}

// Bitsets fills dst[i] with the vector of bloom bit bit for section first+i
// (matcher.Source). A section the snapshot does not serve is an error naming the
// bit and the section.
func (sn LiveSnapshot) Bitsets(ctx context.Context, bit uint, first uint64, dst [][]byte) error {
	if bit >= bloomBitCount {
		return fmt.Errorf("index: live bloom bit %d out of range", bit)
	}
	if ctx != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	for i, d := range dst {
		section := first + uint64(i)
		if len(d) != sn.vecBytes {
			return fmt.Errorf("index: live vector buffer of bit %d, section %d has %d bytes, want %d", bit, section, len(d), sn.vecBytes)
		}
		sec := sn.served(section)
		if sec == nil {
			f, n := sn.Sections()
			return fmt.Errorf("index: live index does not hold bit %d of section %d (it holds %d sections from %d)", bit, section, n, f)
		}
		sn.vector(bit, sec, d)
	}
	return nil
}

// served returns the section if the snapshot serves it.
func (sn LiveSnapshot) served(section uint64) *liveSection {
	if sn.st == nil {
		return nil
	}
	for i := range sn.st.secs {
		sec := &sn.st.secs[i]
		if sec.number == section {
			start := section * sn.size
			if start < sn.st.lo || start >= sn.next {
				return nil
			}
			return sec
		}
	}
	return nil
}

// vector copies the vector of bit of sec as of the snapshot's tip into dst.
func (sn LiveSnapshot) vector(bit uint, sec *liveSection, dst []byte) {
	vec := sec.vecs[int(bit)*sn.stride:]
	start := sec.number * sn.size
	if sn.next-start > sn.size { // the tip is past the section: all of it is rotated
		copy(dst, vec[:sn.vecBytes])
		return
	}
	col := sn.next - 1 - start
	k := int(col / chunkBlocks)
	last := int(col % chunkBlocks)
	copy(dst[:8*k], vec)
	word, ok := sn.hotWord(bit, sec.number*sn.chunks+uint64(k), last)
	if !ok { // the chunk's slot was reused: it is rotated by now
		word = binary.BigEndian.Uint64(vec[8*k:]) &^ (^uint64(0) >> (last + 1))
	}
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], word)
	n := copy(dst[8*k:], b[:])
	clear(dst[8*k+n:])
}

// hotWord builds the word of bit for blocks 0..last of chunk id from its hot
// blooms, and reports false if the chunk's slot no longer holds it.
func (sn LiveSnapshot) hotWord(bit uint, id uint64, last int) (uint64, bool) {
	c := sn.st.ring[id%ringChunks]
	if c.id.Load() != id {
		return 0, false
	}
	b := bloomByteCount - 1 - int(bit/8) // the bloom byte holding bit
	mask := byte(1) << (bit % 8)
	var word uint64
	for j := 0; j <= last; j++ {
		var x [8]byte
		binary.NativeEndian.PutUint64(x[:], atomic.LoadUint64(&c.blooms[j][b/8]))
		if x[b%8]&mask != 0 {
			word |= 1 << (63 - j)
		}
	}
	// The loads above saw none of a reuse's writes if the stamp is unchanged
	// after them (the writer changes the stamp first).
	return word, c.id.Load() == id
}
