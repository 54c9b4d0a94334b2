package core

import (
	"context"

	"example.com/fork/common"
	"example.com/fork/common/bitutil"
	"example.com/fork/core/bloombits"
	"example.com/fork/core/rawdb"
	"example.com/fork/core/types"
	"example.com/fork/ethdb"
)

type BloomIndexer struct {
	db  ethdb.Database
	gen *bloombits.Generator
}

func NewBloomIndexer(db ethdb.Database, size, confirms uint64) *ChainIndexer {
	table := rawdb.NewTable(db, string(rawdb.BloomBitsIndexPrefix))
	return NewChainIndexer(db, table, &BloomIndexer{db: db}, size, confirms, 0, "bloombits")
}

func (b *BloomIndexer) Reset(ctx context.Context, section uint64, lastSectionHead common.Hash) error {
	gen, err := bloombits.NewGenerator(uint(4096))
	b.gen = gen
	return err
}

func (b *BloomIndexer) Process(ctx context.Context, header *types.Header) error {
	_ = bitutil.CompressBytes(nil)
	return nil
}
