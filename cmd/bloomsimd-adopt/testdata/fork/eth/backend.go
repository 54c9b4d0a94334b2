package eth

import (
	"example.com/fork/core"
	"example.com/fork/core/bloombits"
	"example.com/fork/ethdb"
	"example.com/fork/event"
	"example.com/fork/log"
	"example.com/fork/params"
)

// Ethereum implements the Ethereum full node service.
type Ethereum struct {
	blockchain *core.BlockChain
	chainDb    ethdb.Database // Block chain database
	eventMux   *event.TypeMux

	bloomRequests     chan chan *bloombits.Retrieval // Channel receiving bloom data retrieval requests
	bloomIndexer      *core.ChainIndexer             // Bloom indexer operating during block imports
	closeBloomHandler chan struct{}
}

// New creates a new Ethereum object.
func New(chainDb ethdb.Database) (*Ethereum, error) {
	eth := &Ethereum{
		chainDb:           chainDb,
		bloomRequests:     make(chan chan *bloombits.Retrieval),
		bloomIndexer:      core.NewBloomIndexer(chainDb, params.BloomBitsBlocks, params.BloomConfirms),
		closeBloomHandler: make(chan struct{}),
	}
	var err error
	eth.blockchain, err = core.NewBlockChain(chainDb)
	if err != nil {
		return nil, err
	}
	eth.bloomIndexer.Start(eth.blockchain)
	log.Info("started")
	return eth, nil
}

// Start starts the bloom handlers.
func (s *Ethereum) Start() error {
	s.startBloomHandlers(params.BloomBitsBlocks)
	return nil
}

// Stop stops the node.
func (s *Ethereum) Stop() error {
	// Then stop everything else.
	s.bloomIndexer.Close()
	close(s.closeBloomHandler)
	s.blockchain.Stop()
	return nil
}
