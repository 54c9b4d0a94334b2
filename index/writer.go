package index

import (
	"errors"
	"fmt"

	"github.com/bloomsimd/bloomsimd/bitops"
	"github.com/bloomsimd/bloomsimd/rotate"
)

// Writer indexes one section at a time, writing what go-ethereum's BloomIndexer
// writes: Reset(section), AddBloom for each of the section's blocks in order,
// then Commit under the hash of the section's last block. It keeps its memory
// from section to section. It is not safe for concurrent use.
type Writer struct {
	gen         *rotate.Generator
	sectionSize uint64
	section     uint64
	// packed holds the section's compressed vectors back to back, vector i
	// ending at ends[i]; reused from section to section.
	packed []byte
	ends   [BloomBits]int
}

// NewWriter returns a Writer for sections of sectionSize blocks, a positive
// multiple of 8. It allocates the section's bit matrix (sectionSize/8 × 2048
// bytes, 1 MiB for go-ethereum's 4096) at once.
func NewWriter(sectionSize uint64) (*Writer, error) {
	if err := checkSectionSize(sectionSize); err != nil {
		return nil, err
	}
	if uint64(uint(sectionSize)) != sectionSize {
		return nil, fmt.Errorf("index: section size %d does not fit in a uint", sectionSize)
	}
	gen, err := rotate.NewGenerator(uint(sectionSize))
	if err != nil {
		return nil, fmt.Errorf("index: section size %d: %w", sectionSize, err)
	}
	return &Writer{gen: gen, sectionSize: sectionSize}, nil
}

// SectionSize returns the number of blocks per section.
func (w *Writer) SectionSize() uint64 { return w.sectionSize }

// Reset starts section, dropping any blooms added before.
func (w *Writer) Reset(section uint64) {
	w.gen.Reset()
	w.section = section
}

// AddBloom adds the bloom of the section's block index (its number minus
// section*sectionSize); blocks must come in order from 0. A go-ethereum
// types.Bloom passes as it is. The errors are rotate.Generator's.
func (w *Writer) AddBloom(index uint, bloom [256]byte) error {
	return w.gen.AddBloom(index, bloom)
}

// AddBlooms adds the blooms of blocks index, index+1, ... at once, as
// rotate.Generator.AddBlooms.
func (w *Writer) AddBlooms(index uint, blooms [][256]byte) error {
	return w.gen.AddBlooms(index, blooms)
}

// Commit writes the section's 2048 vectors into db, bit by bit, under head (the
// hash of the section's last block): the keys and values go-ethereum's
// BloomIndexer writes, a nil value for an all-zero vector included. It fails
// before writing anything if the section is not full. The keys and values are
// cut from one fresh allocation, so db may keep them; Commit allocates nothing
// else once its buffer has grown to the section's compressed size.
func (w *Writer) Commit(db Putter, head [32]byte) error {
	if db == nil {
		return errors.New("index: commit into a nil Putter")
	}
	if _, err := w.gen.Bitset(0); err != nil {
		return fmt.Errorf("index: commit of section %d: %w", w.section, err)
	}
	w.packed = w.packed[:0]
	for bit := range uint(BloomBits) {
		vector, err := w.gen.Bitset(bit)
		if err != nil {
			return fmt.Errorf("index: commit of section %d: %w", w.section, err)
		}
		w.packed = bitops.AppendCompressed(w.packed, vector)
		w.ends[bit] = len(w.packed)
	}
	// One allocation for what db receives: the keys, then the values.
	out := make([]byte, BloomBits*BloomBitsKeyLen+len(w.packed))
	keys, values := out[:BloomBits*BloomBitsKeyLen], out[BloomBits*BloomBitsKeyLen:]
	copy(values, w.packed)
	start := 0
	for bit := range uint(BloomBits) {
		key := appendBloomBitsKey(keys[bit*BloomBitsKeyLen:bit*BloomBitsKeyLen:(bit+1)*BloomBitsKeyLen], bit, w.section, head)
		var value []byte // nil for an all-zero vector, as bitutil.CompressBytes
		if end := w.ends[bit]; end > start {
			value = values[start:end:end]
			start = end
		}
		if err := db.Put(key, value); err != nil {
			return fmt.Errorf("index: writing bloom bit %d of section %d: %w", bit, w.section, err)
		}
	}
	return nil
}
