package e2e

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core"
	"github.com/ethereum/go-ethereum/core/rawdb"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethdb"
	"github.com/ethereum/go-ethereum/rlp"

	"github.com/bloomsimd/bloomsimd/index"
)

// This file is the precise index's ChainIndexer backend, as a node would add it
// next to core/bloom_indexer.go: per header it reads the block's receipts and
// adds their log values to an index.PreciseWriter; Commit writes the section's
// position vectors and its precise section head. A block whose receipts are
// missing (a snap-synced node's history before its pivot) fails the section,
// which then stays uncovered: queries fall back to the bloom bits there.

// PreciseIndexer is a core.ChainIndexerBackend building the precise index.
type PreciseIndexer struct {
	size    uint64
	db      ethdb.Database
	geo     index.Geometry
	writer  *index.PreciseWriter // created by the first Reset
	batch   ethdb.Batch
	section uint64
	last    *types.Header
	values  [][]byte
}

// NewPreciseIndexerBackend returns the backend for db, with geometry g (whose
// record it writes into db if none is there).
func NewPreciseIndexerBackend(db ethdb.Database, size uint64, g index.Geometry) (*PreciseIndexer, error) {
	if v, _ := db.Get(index.PreciseMetaKey()); len(v) > 0 {
		stored, err := index.DecodePreciseMeta(v)
		if err != nil {
			return nil, err
		}
		g = stored // the index's geometry, whatever was asked
	} else if err := index.WritePreciseMeta(db, g); err != nil {
		return nil, err
	}
	return &PreciseIndexer{size: size, db: db, geo: g}, nil
}

// NewPreciseChainIndexer returns a chain indexer building the precise index, as
// core.NewBloomIndexer does for the bloom bits (its own progress table, "iPc").
func NewPreciseChainIndexer(db ethdb.Database, size, confirms uint64, g index.Geometry) (*core.ChainIndexer, error) {
	backend, err := NewPreciseIndexerBackend(db, size, g)
	if err != nil {
		return nil, err
	}
	table := rawdb.NewTable(db, "iPc")
	return core.NewChainIndexer(db, table, backend, size, confirms, 100*time.Millisecond, "precise"), nil
}

// Reset implements core.ChainIndexerBackend, starting a new section.
func (p *PreciseIndexer) Reset(ctx context.Context, section uint64, lastSectionHead common.Hash) (err error) {
	if p.writer == nil {
		if p.writer, err = index.NewPreciseWriter(p.size, p.geo); err != nil {
			return err
		}
		p.batch = p.db.NewBatch()
	}
	p.writer.Reset(section)
	p.section, p.last = section, nil
	return nil
}

// Process implements core.ChainIndexerBackend: it reads the block's receipts
// and adds their logs' addresses and topics.
func (p *PreciseIndexer) Process(ctx context.Context, header *types.Header) error {
	number := header.Number.Uint64()
	hash := header.Hash()
	var err error
	p.values, err = AppendReceiptValues(p.values[:0], p.db, hash, number)
	if errors.Is(err, index.ErrNoReceipts) && header.ReceiptHash == types.EmptyReceiptsHash {
		err = nil // a block without transactions
	}
	if err != nil {
		return fmt.Errorf("precise indexer: %w", err)
	}
	p.last = header
	return p.writer.AddBlock(uint(number-p.section*p.size), p.values)
}

// Commit implements core.ChainIndexerBackend, writing the section's index.
func (p *PreciseIndexer) Commit() error {
	if p.last == nil {
		return errors.New("precise indexer: commit of an empty section")
	}
	p.batch.Reset()
	if err := p.writer.Commit(p.batch, p.last.Hash()); err != nil {
		return err
	}
	return p.batch.Write()
}

// Prune implements core.ChainIndexerBackend; it does not prune.
func (p *PreciseIndexer) Prune(threshold uint64) error { return nil }

// storedLogValues and storedReceiptValues decode the stored receipts' RLP
// (types.ReceiptForStorage: status, cumulative gas, logs of address, topics,
// data) keeping only the log values. rawdb.ReadRawReceipts decodes them into
// types.Receipt, which recomputes each receipt's bloom (a Keccak-256 per
// address and topic): three quarters of a section's indexing time.
type storedLogValues struct {
	Address common.Address
	Topics  []common.Hash
	Data    rlp.RawValue
}

type storedReceiptValues struct {
	PostStateOrStatus rlp.RawValue
	CumulativeGasUsed rlp.RawValue
	Logs              []storedLogValues
}

// AppendReceiptValues appends the log values of block number (hash) from its
// stored receipts to dst; index.ErrNoReceipts (wrapped) if none are stored.
func AppendReceiptValues(dst [][]byte, db ethdb.Reader, hash common.Hash, number uint64) ([][]byte, error) {
	raw := rawdb.ReadReceiptsRLP(db, hash, number)
	if len(raw) == 0 {
		return dst, fmt.Errorf("block %d (%x): %w", number, hash, index.ErrNoReceipts)
	}
	var receipts []storedReceiptValues
	if err := rlp.DecodeBytes(raw, &receipts); err != nil {
		return dst, fmt.Errorf("receipts of block %d (%x): %w", number, hash, err)
	}
	for _, r := range receipts {
		for _, l := range r.Logs {
			dst = index.AppendLogValues(dst, l.Address, l.Topics)
		}
	}
	return dst, nil
}
