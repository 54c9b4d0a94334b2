// Added to go-ethereum's eth package by bloomsimd's scripts/gethcopy.sh: the
// node's bloom-bit index exactly as eth.New builds it (newBloomSIMD in the
// eth/bloomsimd.go that bloomsimd-adopt generates: one scheduler over the disk
// Reader, the live index, Compose, the head feeder), for a test outside the
// package that picks its own section size, indexer and chain.

package eth

import (
	bloombits "github.com/bloomsimd/bloomsimd/matcher"
	"github.com/bloomsimd/bloomsimd/scheduler"
	"github.com/ethereum/go-ethereum/core"
	"github.com/ethereum/go-ethereum/ethdb"
)

// BloomSIMDNode is the node's index, built by newBloomSIMD.
type BloomSIMDNode struct{ b *bloomSIMD }

// NewBloomSIMDNode builds the node's index over db, as eth.New does after
// starting indexer (which must write db's bloom bits in sections of
// sectionSize blocks) and following chain's head.
func NewBloomSIMDNode(db ethdb.Database, sectionSize uint64, indexer *core.ChainIndexer, chain *core.BlockChain) (*BloomSIMDNode, error) {
	b, err := newBloomSIMD(db, sectionSize, indexer, chain)
	if err != nil {
		return nil, err
	}
	return &BloomSIMDNode{b}, nil
}

// Source is what the node's retrieval servers read (the drop-in path).
func (n *BloomSIMDNode) Source() bloombits.Source { return n.b.source() }

// Snapshot is one query's view, as EthAPIBackend.BloomSource gives eth/filters.
func (n *BloomSIMDNode) Snapshot() bloombits.Source { return n.b.snapshot() }

// Status is the node's BloomStatus.
func (n *BloomSIMDNode) Status() (uint64, uint64) { return n.b.status() }

// Stats are the node's scheduler's counters.
func (n *BloomSIMDNode) Stats() scheduler.Stats { return n.b.sched.Stats() }

// StopFollowing ends the head feeder early, as if it fell behind the chain
// for good: the node then looks at the indexer only when queries read.
func (n *BloomSIMDNode) StopFollowing() {
	n.b.sub.Unsubscribe()
	<-n.b.done
}

// Stop stops the node's index, as Ethereum.Stop does.
func (n *BloomSIMDNode) Stop() { n.b.stop() }
