// Added to go-ethereum's eth package by bloomsimd's scripts/gethcopy.sh, as
// libevm's eth/bloombits.libevm.go does: it runs this node's own bloom servers
// (eth/bloombits.go startBloomHandlers as bloomsimd-adopt rewrote it: for an
// Ethereum not made by New, ServeRetrievals over an index.Reader of db) for a
// test outside the package, and exports the precise index's receipt decoder and backfill view.

package eth

import (
	"github.com/bloomsimd/bloomsimd/index"
	bloombits "github.com/bloomsimd/bloomsimd/matcher"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/ethdb"
)

// StartBloomHandlers starts startBloomHandlers on db and returns the channel
// it serves; closing quit stops it.
func StartBloomHandlers(db ethdb.Database, sectionSize uint64, quit chan struct{}) chan chan *bloombits.Retrieval {
	eth := &Ethereum{bloomRequests: make(chan chan *bloombits.Retrieval), closeBloomHandler: quit, chainDb: db}
	eth.startBloomHandlers(sectionSize)
	return eth.bloomRequests
}

// AppendBlockValues is the precise log index's receipt decoder
// (eth/bloomsimd_precise.go, written by bloomsimd-adopt -precise), for the
// tests in eth/filters to feed the index as the node does.
func AppendBlockValues(dst [][]byte, db ethdb.Reader, hash common.Hash, number uint64, receiptHash common.Hash) ([][]byte, error) {
	return appendBlockValues(dst, db, hash, number, receiptHash)
}

// PreciseBlocks is the precise index's backfill view of the chain in db
// (eth/bloomsimd_precise.go).
func PreciseBlocks(db ethdb.Database) index.PreciseBlocks { return preciseBlocks{db} }
