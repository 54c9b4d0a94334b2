package e2e

import (
	"context"
	"errors"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core"
	"github.com/ethereum/go-ethereum/core/rawdb"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethdb"

	"github.com/bloomsimd/bloomsimd/index"
)

// This file is the index writer adapter a node copies next to its
// core/bloom_indexer.go (dropping the "core." qualifiers there): go-ethereum's
// BloomIndexer on bloomsimd's index.Writer. It writes the same keys and values,
// hashes only each section's last header, and reuses its memory and batch from
// section to section.

// BloomIndexer is a core.ChainIndexerBackend building the bloom-bit index.
type BloomIndexer struct {
	size    uint64         // section size
	db      ethdb.Database // where the index goes
	writer  *index.Writer  // created by the first Reset
	batch   ethdb.Batch    // reused for every section
	section uint64         // the section being indexed
	last    *types.Header  // its last header so far
}

// NewBloomIndexer returns a chain indexer building the bloom-bit index, as
// core.NewBloomIndexer.
func NewBloomIndexer(db ethdb.Database, size, confirms uint64) *core.ChainIndexer {
	backend := &BloomIndexer{db: db, size: size}
	table := rawdb.NewTable(db, string(rawdb.BloomBitsIndexPrefix))
	return core.NewChainIndexer(db, table, backend, size, confirms, 100*time.Millisecond, "bloombits")
}

// Reset implements core.ChainIndexerBackend, starting a new section.
func (b *BloomIndexer) Reset(ctx context.Context, section uint64, lastSectionHead common.Hash) (err error) {
	if b.writer == nil {
		if b.writer, err = index.NewWriter(b.size); err != nil {
			return err
		}
		b.batch = b.db.NewBatchWithSize(int(b.size/8) * types.BloomBitLength)
	}
	b.writer.Reset(section)
	b.section, b.last = section, nil
	return nil
}

// Process implements core.ChainIndexerBackend, adding a header's bloom.
func (b *BloomIndexer) Process(ctx context.Context, header *types.Header) error {
	b.last = header
	return b.writer.AddBloom(uint(header.Number.Uint64()-b.section*b.size), header.Bloom)
}

// Commit implements core.ChainIndexerBackend, writing the section's index.
func (b *BloomIndexer) Commit() error {
	if b.last == nil {
		return errors.New("bloom indexer: commit of an empty section")
	}
	b.batch.Reset()
	if err := b.writer.Commit(b.batch, b.last.Hash()); err != nil {
		return err
	}
	return b.batch.Write()
}

// Prune implements core.ChainIndexerBackend; like core.BloomIndexer, it does
// not prune.
func (b *BloomIndexer) Prune(threshold uint64) error { return nil }
