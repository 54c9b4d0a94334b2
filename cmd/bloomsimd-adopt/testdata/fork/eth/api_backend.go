package eth

import (
	"context"

	"example.com/fork/core/bloombits"
	"example.com/fork/core/types"
	"example.com/fork/params"
)

// EthAPIBackend implements ethapi.Backend and tracers.Backend for full nodes.
type EthAPIBackend struct {
	eth *Ethereum
}

func (b *EthAPIBackend) CurrentHeader() *types.Header { return b.eth.blockchain.CurrentHeader() }

func (b *EthAPIBackend) BloomStatus() (uint64, uint64) {
	sections, _, _ := b.eth.bloomIndexer.Sections()
	return params.BloomBitsBlocks, sections
}

func (b *EthAPIBackend) ServiceFilter(ctx context.Context, session *bloombits.MatcherSession) {
	for i := 0; i < bloomFilterThreads; i++ {
		go session.Multiplex(bloomRetrievalBatch, bloomRetrievalWait, b.eth.bloomRequests)
	}
}
