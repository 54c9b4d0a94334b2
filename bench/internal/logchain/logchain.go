// Package logchain makes the logs of the moderate and dense bench chains of the
// node layer (testdata/geth/filters/bloomsimd_bench_test.go, run by
// scripts/gethcopy.sh bench) without a database: the same noise pool, random
// sequence and planted logs, so the precision study (docs/precision.md) and the
// precise-index benchmarks measure the very logs those chains hold.
//
// Density is set by Chain.Clauses, the noise values per block: Clauses/4 logs
// of one address and three topics, each drawn uniformly from a pool of
// PoolSize values. 152 set about 20% of a header bloom's bits (moderate), 420
// about 46% (dense, as mainnet since 2020).
package logchain

import (
	"crypto/sha256"
	"encoding/binary"
	"math/rand"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
)

// SectionSize is go-ethereum's bloom-bit section size.
const SectionSize = 4096

// PoolSize is the number of distinct noise values (addresses and topics).
const PoolSize = 1 << 16

// Tail is the number of unindexed blocks after the sections of the node bench.
const Tail = 2000

// Chain names a bench chain by its noise values per block.
type Chain struct {
	Name    string
	Clauses int
}

// Chains are the node layer's bench chains.
var Chains = []Chain{{"moderate", 152}, {"dense", 420}}

// The filters' addresses and topics, as in the node bench.
var (
	AddrBusy    = common.HexToAddress("0xb0b0")
	TopicBusy   = common.HexToHash("0xb0b0")
	AddrSparse  = common.HexToAddress("0x5a5a")
	TopicSparse = common.HexToHash("0x5a5a")
	AddrOther   = common.HexToAddress("0x0707")
	TopicOther  = common.HexToHash("0x0707")
)

// Pool returns the noise values: an address is a value's first 20 bytes.
func Pool() []common.Hash {
	p := make([]common.Hash, PoolSize)
	for i := range p {
		p[i] = sha256.Sum256(binary.BigEndian.AppendUint64([]byte("bloomsimd noise"), uint64(i)))
	}
	return p
}

// SparseBlocks are the blocks where the sparse filter (AddrSparse with
// TopicSparse) truly matches, for a chain whose last block is head.
func SparseBlocks(head uint64) map[uint64]bool {
	m := map[uint64]bool{}
	for i := uint64(1); i <= 12; i++ {
		m[i*(head-12000)/13] = true
	}
	for _, back := range []uint64{9000, 5000, 2500, 1500, 700, 10} {
		m[head-back] = true
	}
	return m
}

// Planted returns the logs block number carries besides the noise.
func Planted(number uint64, sparse map[uint64]bool) []*types.Log {
	var logs []*types.Log
	if number%100 == 0 {
		logs = append(logs, &types.Log{Address: AddrBusy, Topics: []common.Hash{TopicBusy}})
	}
	if sparse[number] {
		logs = append(logs, &types.Log{Address: AddrSparse, Topics: []common.Hash{TopicSparse}})
	}
	if number%997 == 0 {
		logs = append(logs, &types.Log{Address: AddrSparse, Topics: []common.Hash{TopicOther}})
	}
	if number%1009 == 0 {
		logs = append(logs, &types.Log{Address: AddrOther, Topics: []common.Hash{TopicSparse}})
	}
	return logs
}

// Generator yields the chain's blocks' logs in order from block 0.
type Generator struct {
	chain  Chain
	pool   []common.Hash
	rng    *rand.Rand
	sparse map[uint64]bool
	next   uint64
}

// NewGenerator returns a Generator of chain with sections indexed sections
// (and the node bench's tail after them, which places the sparse matches).
func NewGenerator(chain Chain, sections uint64) *Generator {
	head := sections*SectionSize + Tail - 1
	return &Generator{chain: chain, pool: Pool(), rng: rand.New(rand.NewSource(int64(chain.Clauses))), sparse: SparseBlocks(head)}
}

// Next returns the number and logs of the next block.
func (g *Generator) Next() (uint64, []*types.Log) {
	number := g.next
	g.next++
	if number == 0 {
		return 0, nil
	}
	logs := make([]*types.Log, 0, g.chain.Clauses/4+4)
	for range g.chain.Clauses / 4 {
		l := &types.Log{Address: common.Address(g.pool[g.rng.Intn(PoolSize)][:common.AddressLength])}
		for range 3 {
			l.Topics = append(l.Topics, g.pool[g.rng.Intn(PoolSize)])
		}
		logs = append(logs, l)
	}
	return number, append(logs, Planted(number, g.sparse)...)
}
