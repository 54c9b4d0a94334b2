package e2e

import (
	"context"
	"encoding/binary"
	"errors"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethdb"

	"github.com/bloomsimd/bloomsimd/bitops"
	"github.com/bloomsimd/bloomsimd/rotate"
)

// IndexWriter is our bloom-bit index writer: a core.ChainIndexerBackend, so a
// node's ChainIndexer can run it in place of go-ethereum's BloomIndexer. It
// rotates with rotate.Generator, compresses with bitops.AppendCompressed and
// writes each section with one batch, reusing its memory from section to section.
type IndexWriter struct {
	db      ethdb.Batcher
	gen     *rotate.Generator
	batch   ethdb.Batch
	section uint64
	last    *types.Header // the section's last header so far; hashed once, at Commit
	key     [bloomBitsKeyLen]byte
	val     []byte
}

var _ core.ChainIndexerBackend = (*IndexWriter)(nil)

// NewIndexWriter returns an IndexWriter writing into db.
func NewIndexWriter(db ethdb.Batcher) (*IndexWriter, error) {
	gen, err := rotate.NewGenerator(SectionSize)
	if err != nil {
		return nil, err
	}
	return &IndexWriter{
		db:    db,
		gen:   gen,
		batch: db.NewBatchWithSize(SectionSize / 8 * types.BloomBitLength),
		val:   make([]byte, 0, SectionSize/8),
	}, nil
}

// Reset starts a new section.
func (w *IndexWriter) Reset(ctx context.Context, section uint64, lastSectionHead common.Hash) error {
	w.gen.Reset()
	w.section, w.last = section, nil
	return nil
}

// Process adds the bloom of the section's next header.
func (w *IndexWriter) Process(ctx context.Context, header *types.Header) error {
	if err := w.gen.AddBloom(uint(header.Number.Uint64()-w.section*SectionSize), header.Bloom); err != nil {
		return err
	}
	w.last = header
	return nil
}

// Commit writes the section's 2048 compressed vectors in one batch, under the
// hash of its last header.
func (w *IndexWriter) Commit() error {
	if w.last == nil {
		return errors.New("e2e: commit of an empty section")
	}
	head := w.last.Hash()
	w.key[0] = 'B'
	binary.BigEndian.PutUint64(w.key[3:], w.section)
	copy(w.key[11:], head[:])
	w.batch.Reset()
	for bit := range uint(types.BloomBitLength) {
		bits, err := w.gen.Bitset(bit)
		if err != nil {
			return err
		}
		binary.BigEndian.PutUint16(w.key[1:], uint16(bit))
		w.val = bitops.AppendCompressed(w.val[:0], bits)
		if err := w.batch.Put(w.key[:], w.val); err != nil {
			return err
		}
	}
	return w.batch.Write()
}

// Prune does nothing, as go-ethereum's BloomIndexer.
func (w *IndexWriter) Prune(threshold uint64) error { return nil }
