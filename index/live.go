package index

import (
	"context"
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
	// chunkBlocks blocks are rotated together: one 64-bit word of each vector.
	chunkBlocks = 64
	// ringChunks hot chunks are kept before the writer reuses one; a reader still
	// on a reused chunk reads the chunk's rotated words instead.
	ringChunks = 4
)

// Live is the live head index: the rotated vectors of the sections not yet on
// disk, built from the canonical headers as they arrive (Follow from a chain
// head event, or Add header by header), for at most two sections at a time. It
// is a scheduler.Source for the sections it holds; Compose joins it to the disk
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
	blooms [chunkBlocks][rotate.BloomByteLength / 8]uint64
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
func (c *chunk) bytes() *[chunkBlocks][rotate.BloomByteLength]byte {
	return (*[chunkBlocks][rotate.BloomByteLength]byte)(unsafe.Pointer(&c.blooms))
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

// Snapshot returns the newest tip, for a query to read all its bits from.
func (l *Live) Snapshot() LiveSnapshot {
	st := l.cur.Load()
	if st == nil {
		return LiveSnapshot{size: l.size, vecBytes: l.vecBytes, stride: l.stride, chunks: l.chunks}
	}
	return LiveSnapshot{st: st, next: st.next.Load(), size: l.size, vecBytes: l.vecBytes, stride: l.stride, chunks: l.chunks}
}

// Bitsets is scheduler.Source over the newest tip: Snapshot().Bitsets.
func (l *Live) Bitsets(ctx context.Context, bit uint, first uint64, dst [][]byte) error {
	return l.Snapshot().Bitsets(ctx, bit, first, dst)
}

// Sections returns the sections the Live serves at the newest tip: first,
// first+1, ..., first+count-1, the last one up to the tip.
func (l *Live) Sections() (first, count uint64) { return l.Snapshot().Sections() }

// Changing is scheduler.ChangingSource: every section of a Live may still change
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
