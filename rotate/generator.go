package rotate

import (
	"errors"

	"github.com/bloomsimd/bloomsimd/internal/section"
)

// The errors of go-ethereum's core/bloombits.Generator, with the same messages.
// go-ethereum creates three of them anew on each call; here every one is a
// sentinel, so callers can also use errors.Is.
var (
	// ErrSectionCount: NewGenerator's section count is not a multiple of 8.
	ErrSectionCount = errors.New("section count not multiple of 8")
	// ErrSectionOutOfBounds: more blooms than the generator has sections.
	ErrSectionOutOfBounds = errors.New("section out of bounds")
	// ErrUnexpectedIndex: a bloom's index is not the next one expected.
	ErrUnexpectedIndex = errors.New("bloom filter with unexpected index")
	// ErrNotGenerated: Bitset was called before every bloom was added.
	ErrNotGenerated = errors.New("bloom not fully generated yet")
	// ErrBloomBitOutOfBounds: Bitset's bit index is 2048 or more.
	ErrBloomBitOutOfBounds = errors.New("bloom bit out of bounds")
	// ErrSectionsTooLarge: NewGenerator's section count is above MaxSectionSize.
	// go-ethereum has no bound: it panics in make when the matrix is larger than Go
	// allocates, and runs out of memory below that.
	ErrSectionsTooLarge = errors.New("section count too large")
)

// MaxSectionSize is the most blocks (blooms) a section may hold, here and in
// the whole query path (scheduler.MaxSectionSize is the same bound, taken from
// internal/section, as rotate sits below scheduler). It is far above the
// section sizes go-ethereum uses (4096, and 32768 for light clients) and keeps
// memory bounded on every platform: a Generator's matrix is at most 256 MiB, a
// vector at most 128 KiB, and sizes in bytes fit an int on 32-bit platforms.
const MaxSectionSize = section.MaxSize

const (
	// BloomBitLength is the number of bits of a bloom, and of vectors in a section.
	BloomBitLength = 2048
	// BloomByteLength is the size of a bloom.
	BloomByteLength = 256

	// batchGroups is how many groups of 8 blooms are rotated into rows before the
	// rows are scattered into the vectors: 64 groups give each vector a whole
	// 64-byte cache line per batch.
	batchGroups = 64
)

// rows holds a batch of rotated groups: rows[g][i] is bit i of the 8 blooms of group g.
type rows = [batchGroups][BloomBitLength]byte

// Generator takes the blooms of a section one by one (or in batches) and builds
// the section's 2048 rotated bit vectors, as go-ethereum's bloombits.Generator does.
// Like go-ethereum's, it is not safe for concurrent use.
type Generator struct {
	// rows first: the allocation is page-aligned, so the kernels' 64-byte
	// loads of the rows do not straddle cache lines.
	rows     rows
	pending  [8][BloomByteLength]byte // blooms of the group being filled
	matrix   []byte                   // 2048 vectors of width bytes, back to back
	width    uint                     // sections/8
	sections uint                     // blooms per section
	next     uint                     // index of the next bloom
}

// NewGenerator returns a Generator for sections blooms; sections must be a
// multiple of 8 (else ErrSectionCount) and at most MaxSectionSize (else
// ErrSectionsTooLarge). As in go-ethereum, 0 is one: that Generator is full at
// once and its vectors are empty. It allocates the whole 2048 × sections/8 byte
// matrix at once.
func NewGenerator(sections uint) (*Generator, error) {
	if sections%8 != 0 {
		return nil, ErrSectionCount
	}
	if sections > MaxSectionSize {
		return nil, ErrSectionsTooLarge
	}
	width := sections / 8
	return &Generator{
		matrix:   make([]byte, BloomBitLength*width),
		width:    width,
		sections: sections,
	}, nil
}

// AddBloom adds the bloom of block index; blocks must come in order from 0. A
// go-ethereum types.Bloom passes as it is. Every 8th bloom rotates the group of
// 8 into a row; every 512th (and the last) scatters the rows into the vectors.
func (g *Generator) AddBloom(index uint, bloom [BloomByteLength]byte) error {
	if index == g.next && index < g.sections {
		g.pending[index%8] = bloom
		if (index+1)%8 != 0 {
			g.next = index + 1
			return nil
		}
	}
	return g.addBloomSlow(index)
}

// addBloomSlow finishes AddBloom: the bloom that completes a group is in
// g.pending, or the index is wrong and this returns go-ethereum's error.
func (g *Generator) addBloomSlow(index uint) error {
	if index != g.next || index >= g.sections {
		return g.addError()
	}
	g.next = index + 1
	g.addGroup(&g.pending)
	return nil
}

// addError is the error of adding a bloom whose index is not the next one or
// when the section is full, in go-ethereum's order of checks.
func (g *Generator) addError() error {
	if g.next >= g.sections {
		return ErrSectionOutOfBounds
	}
	return ErrUnexpectedIndex
}

// AddBlooms adds the blooms of blocks index, index+1, ... in one call. It fails
// as AddBloom would for the first of them, or with ErrSectionOutOfBounds when they
// do not all fit; on error it adds none.
func (g *Generator) AddBlooms(index uint, blooms [][BloomByteLength]byte) error {
	if len(blooms) == 0 {
		return nil
	}
	if index != g.next || index >= g.sections {
		return g.addError()
	}
	if uint(len(blooms)) > g.sections-g.next {
		return ErrSectionOutOfBounds
	}
	for ; len(blooms) > 0 && g.next%8 != 0; blooms = blooms[1:] {
		g.pending[g.next%8] = blooms[0]
		g.next++
		if g.next%8 == 0 {
			g.addGroup(&g.pending)
		}
	}
	// Whole groups go straight from the caller's slice.
	for ; len(blooms) >= 8; blooms = blooms[8:] {
		g.next += 8
		g.addGroup((*[8][BloomByteLength]byte)(blooms))
	}
	for _, b := range blooms {
		g.pending[g.next%8] = b
		g.next++
	}
	return nil
}

// addGroup rotates the group of 8 blooms that ends at g.next into its row, and
// scatters the batch of rows into the matrix when the batch or the section is full.
func (g *Generator) addGroup(blooms *[8][BloomByteLength]byte) {
	group := g.next/8 - 1
	transpose8(&g.rows[group%batchGroups], blooms)
	if group%batchGroups == batchGroups-1 || g.next == g.sections {
		first := group - group%batchGroups
		scatter(g.matrix[first:], int(g.width), &g.rows, int(group-first+1))
	}
}

// Bitset returns vector idx: bit idx of every bloom of the section. It fails until
// the section is full. The slice shares the Generator's memory: it is valid until
// Reset.
func (g *Generator) Bitset(idx uint) ([]byte, error) {
	if g.next != g.sections {
		return nil, ErrNotGenerated
	}
	if idx >= BloomBitLength {
		return nil, ErrBloomBitOutOfBounds
	}
	off := idx * g.width
	return g.matrix[off : off+g.width : off+g.width], nil
}

// Reset empties the Generator for the next section, keeping its memory: slices
// returned by Bitset are overwritten as the new section's blooms are added.
func (g *Generator) Reset() { g.next = 0 }
