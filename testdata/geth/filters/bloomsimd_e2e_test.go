// bloomsimd end-to-end test, added to go-ethereum's eth/filters by bloomsimd's
// scripts/gethcopy.sh (this package's bloombits and bitutil imports are swapped
// for bloomsimd's there; eth/filtersgeth is go-ethereum's eth/filters as shipped).
//
// A chain of 5 sections plus an unindexed tail, with logs at known addresses and
// topics, is written to Pebble and indexed by go-ethereum's own ChainIndexer and
// BloomIndexer (core.NewBloomIndexer), with a reorg across a section boundary.
// Every query runs through eth/filters in four configurations that must return
// the logs a plain scan of the receipts returns:
//   - geth:   go-ethereum as shipped (eth/filtersgeth, core/bloombits, the
//     startBloomHandlers servers of eth/bloombits.go);
//   - dropin: the swapped eth/filters on matcher.ServeRetrievals over our
//     index.Reader;
//   - scan:   the swapped eth/filters whose indexedLogs runs Matcher.Scan over
//     our index.Reader (the patch testdata/geth/filter-scan.patch);
//   - swapped: the swapped eth/filters on the node's own servers
//     (eth/bloombits.go with the swapped bitutil, testdata/geth/eth).

package filters

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"math/rand"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bloomsimd/bloomsimd/bitops"
	"github.com/bloomsimd/bloomsimd/index"
	bloombits "github.com/bloomsimd/bloomsimd/matcher"
	"github.com/ethereum/go-ethereum/common"
	gethbitutil "github.com/ethereum/go-ethereum/common/bitutil"
	"github.com/ethereum/go-ethereum/consensus/ethash"
	"github.com/ethereum/go-ethereum/core"
	gethbloombits "github.com/ethereum/go-ethereum/core/bloombits"
	"github.com/ethereum/go-ethereum/core/rawdb"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/eth"
	gethfilters "github.com/ethereum/go-ethereum/eth/filtersgeth"
	"github.com/ethereum/go-ethereum/ethdb"
	"github.com/ethereum/go-ethereum/ethdb/pebble"
	"github.com/ethereum/go-ethereum/event"
	"github.com/ethereum/go-ethereum/params"
	"github.com/ethereum/go-ethereum/rpc"
	"github.com/ethereum/go-ethereum/triedb"
)

const (
	e2eSectionSize = 4096                 // params.BloomBitsBlocks, as every node indexes
	e2eConfirms    = params.BloomConfirms // 256: the unindexed tail is at least this long
	e2eServers     = 16                   // eth/bloombits.go bloomServiceThreads
	e2eMultiplexes = 3                    // eth/bloombits.go bloomFilterThreads
)

// Known addresses and topics. addrEvery logs topicEvery in every block;
// addrRare logs topicRare only in the rare blocks; the pools fill blocks at random.
var (
	addrEvery  = common.HexToAddress("0xe0e0")
	topicEvery = common.HexToHash("0xe0e0")
	addrRare   = common.HexToAddress("0xaaaa")
	topicRare  = common.HexToHash("0xaaaa")
	addrNever  = common.HexToAddress("0xdead")
	topicNever = common.HexToHash("0xdead")
	addrPool   = func() (p []common.Address) {
		for i := range 8 {
			p = append(p, common.BigToAddress(big.NewInt(int64(0x100+i))))
		}
		return p
	}()
	topicPool = func() (p []common.Hash) {
		for i := range 16 {
			p = append(p, common.BigToHash(big.NewInt(int64(0x200+i))))
		}
		return p
	}()
)

// e2eChain is the canonical chain the test writes, with the logs it planted.
type e2eChain struct {
	blocks []*types.Block // blocks[i] is block i+1
	logs   [][]*types.Log // logs[i]: the logs of blocks[i] with every field derived
}

// genLogs plants the logs of block number n (seeded by chain and n): every block
// gets addrEvery/topicEvery, rare blocks addrRare/topicRare, and 0-3 more
// receipts from the pools.
func genLogs(seed int64, n uint64, rare map[uint64]bool) [][]*types.Log {
	rng := rand.New(rand.NewSource(seed<<32 ^ int64(n)))
	receipts := [][]*types.Log{{{Address: addrEvery, Topics: []common.Hash{topicEvery}}}}
	if rare[n] {
		receipts = append(receipts, []*types.Log{{Address: addrRare, Topics: []common.Hash{topicRare, topicPool[0]}}})
	}
	for range rng.Intn(4) {
		var logs []*types.Log
		for range 1 + rng.Intn(2) {
			l := &types.Log{Address: addrPool[rng.Intn(len(addrPool))], Data: []byte{byte(n)}}
			for range rng.Intn(4) {
				l.Topics = append(l.Topics, topicPool[rng.Intn(len(topicPool))])
			}
			logs = append(logs, l)
		}
		receipts = append(receipts, logs)
	}
	return receipts
}

// generate extends parent (genesis when nil) by n blocks whose receipts carry
// genLogs, one unchecked transaction per receipt (checkMatches reads the
// transaction hashes from the bodies), and writes them to db as canonical.
func (c *e2eChain) generate(t testing.TB, genDb ethdb.Database, gspec *core.Genesis, parent *types.Block, n int, seed int64, rare map[uint64]bool) []*types.Block {
	var planted [][][]*types.Log
	gen := func(i int, g *core.BlockGen) {
		number := g.Number().Uint64()
		receipts := genLogs(seed, number, rare)
		planted = append(planted, receipts)
		for j, logs := range receipts {
			r := types.NewReceipt(nil, false, 0)
			r.Logs = logs
			r.Bloom = types.CreateBloom(types.Receipts{r})
			g.AddUncheckedReceipt(r)
			g.AddUncheckedTx(types.NewTransaction(number<<8|uint64(j), common.Address{1}, big.NewInt(1), 21000, g.BaseFee(), nil))
		}
	}
	blocks, _ := core.GenerateChain(gspec.Config, parent, ethash.NewFaker(), genDb, n, gen)
	first := blocks[0].NumberU64()
	c.blocks = append(c.blocks[:first-1], blocks...)
	c.logs = c.logs[:first-1]
	for i, b := range blocks {
		var derived []*types.Log
		for txIndex, logs := range planted[i] {
			for _, l := range logs {
				d := *l
				d.BlockNumber, d.BlockHash = b.NumberU64(), b.Hash()
				d.TxHash, d.TxIndex, d.Index = b.Transactions()[txIndex].Hash(), uint(txIndex), uint(len(derived))
				derived = append(derived, &d)
			}
		}
		c.logs = append(c.logs, derived)
	}
	return blocks
}

// write stores blocks and their receipts as the canonical chain of db and moves
// the head to the last one (dropping canonical hashes above it).
func writeCanonical(t testing.TB, db ethdb.Database, blocks []*types.Block, receipts func(*types.Block) types.Receipts) {
	batch := db.NewBatch()
	for _, b := range blocks {
		rawdb.WriteBlock(batch, b)
		rawdb.WriteReceipts(batch, b.Hash(), b.NumberU64(), receipts(b))
		rawdb.WriteCanonicalHash(batch, b.Hash(), b.NumberU64())
	}
	head := blocks[len(blocks)-1]
	for n := head.NumberU64() + 1; rawdb.ReadCanonicalHash(db, n) != (common.Hash{}); n++ {
		rawdb.DeleteCanonicalHash(batch, n)
	}
	rawdb.WriteHeadBlockHash(batch, head.Hash())
	rawdb.WriteHeadHeaderHash(batch, head.Hash())
	if err := batch.Write(); err != nil {
		t.Fatal(err)
	}
}

// e2eHeadFeed is the ChainIndexerChain that tells the indexer about new heads.
type e2eHeadFeed struct {
	db   ethdb.Database
	feed event.Feed
}

func (f *e2eHeadFeed) CurrentHeader() *types.Header {
	return rawdb.ReadHeader(f.db, rawdb.ReadHeadHeaderHash(f.db), *rawdb.ReadHeaderNumber(f.db, rawdb.ReadHeadHeaderHash(f.db)))
}

func (f *e2eHeadFeed) SubscribeChainHeadEvent(ch chan<- core.ChainHeadEvent) event.Subscription {
	return f.feed.Subscribe(ch)
}

// e2eNode is the database, the bloom indexer and the chain it indexes.
type e2eNode struct {
	db      ethdb.Database
	indexer *core.ChainIndexer
	chain   e2eChain
	// To extend or reorg the chain later: its generator and head feed.
	gspec *core.Genesis
	genDb ethdb.Database
	feed  *e2eHeadFeed
}

// waitIndexed waits until the indexer has stored sections sections, all with
// the canonical heads of the chain.
func (n *e2eNode) waitIndexed(t testing.TB, sections uint64) {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		stored, _, _ := n.indexer.Sections()
		done := stored == sections
		for s := uint64(0); done && s < sections; s++ {
			done = n.indexer.SectionHead(s) == n.chain.blocks[(s+1)*e2eSectionSize-2].Hash()
		}
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("bloom indexer: %d sections stored, want %d with canonical heads", stored, sections)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// newE2ENode writes chain A (4 sections plus a tail) to a Pebble database,
// indexes it, then reorgs to chain B forking 50 blocks before the end of
// section 1 and reaching 5 sections plus a tail, and waits for the indexer to
// re-index the sections the reorg replaced.
func newE2ENode(t testing.TB) *e2eNode {
	kv, err := pebble.New(t.TempDir(), 16, 16, "", false)
	if err != nil {
		t.Fatal(err)
	}
	db := rawdb.NewDatabase(kv)
	t.Cleanup(func() { db.Close() })

	gspec := &core.Genesis{Config: params.TestChainConfig, BaseFee: big.NewInt(params.InitialBaseFee)}
	genDb, _, _ := core.GenerateChainWithGenesis(gspec, ethash.NewFaker(), 0, nil)
	parent := gspec.MustCommit(db, triedb.NewDatabase(db, triedb.HashDefaults))

	const (
		lenA = 4*e2eSectionSize + e2eConfirms + 100
		fork = 2*e2eSectionSize - 50 // chain B's parent is block fork of A
		lenB = 5*e2eSectionSize + e2eConfirms + 400
	)
	rareA := map[uint64]bool{7: true, 4095: true, 4096: true, 8150: true, 12288: true, lenA: true}
	rareB := map[uint64]bool{7: true, 4095: true, 4096: true, 8191: true, 8192: true, 12300: true, 16383: true,
		20479: true, 20480: true, lenB - 100: true, lenB: true}

	n := &e2eNode{db: db, gspec: gspec, genDb: genDb}
	start := time.Now()
	a := n.chain.generate(t, genDb, gspec, parent, int(lenA), 1, rareA)
	writeCanonical(t, db, a, n.receiptsOf)
	t.Logf("chain A: %d blocks generated and written in %v", len(a), time.Since(start))

	head := &e2eHeadFeed{db: db}
	n.feed = head
	n.indexer = core.NewBloomIndexer(db, e2eSectionSize, e2eConfirms)
	t.Cleanup(func() { n.indexer.Close() })
	start = time.Now()
	n.indexer.Start(head)
	n.waitIndexed(t, 4)
	t.Logf("chain A: 4 sections indexed in %v", time.Since(start))
	staleHead := n.indexer.SectionHead(2) // a section head of A that B replaces

	start = time.Now()
	b := n.chain.generate(t, genDb, gspec, n.chain.blocks[fork-1], int(lenB-fork), 2, rareB)
	writeCanonical(t, db, b, n.receiptsOf)
	head.feed.Send(core.ChainHeadEvent{Header: b[len(b)-1].Header()})
	n.waitIndexed(t, 5)
	t.Logf("reorg to chain B at block %d: %d blocks, 5 sections indexed in %v", fork, len(b), time.Since(start))

	// The vectors of A's replaced sections stay on disk under A's heads: a
	// reader that did not follow the canonical heads would return them.
	if _, err := rawdb.ReadBloomBits(db, 0, 2, staleHead); err != nil || staleHead == n.indexer.SectionHead(2) {
		t.Fatalf("stale vectors of chain A expected on disk (err %v)", err)
	}
	return n
}

// receiptsOf rebuilds the receipts of a generated block from the planted logs.
func (n *e2eNode) receiptsOf(b *types.Block) types.Receipts {
	var receipts types.Receipts
	for _, l := range n.chain.logs[b.NumberU64()-1] {
		if int(l.TxIndex) == len(receipts) {
			receipts = append(receipts, types.NewReceipt(nil, false, 0))
		}
		c := *l
		c.BlockNumber, c.BlockHash, c.TxHash, c.TxIndex, c.Index = 0, common.Hash{}, common.Hash{}, 0, 0
		receipts[l.TxIndex].Logs = append(receipts[l.TxIndex].Logs, &c)
	}
	for _, r := range receipts {
		r.Bloom = types.CreateBloom(types.Receipts{r})
	}
	return receipts
}

func (n *e2eNode) head() uint64 { return uint64(len(n.chain.blocks)) }

// want is the reference: the planted logs of blocks begin..end that match,
// with go-ethereum's filter semantics (addresses OR; topics by position, each
// position OR, an empty position a wildcard).
func (n *e2eNode) want(begin, end uint64, addrs []common.Address, topics [][]common.Hash) []*types.Log {
	var out []*types.Log
	for num := max(begin, 1); num <= end; num++ {
	logs:
		for _, l := range n.chain.logs[num-1] {
			if len(addrs) > 0 && !slices.Contains(addrs, l.Address) || len(topics) > len(l.Topics) {
				continue
			}
			for i, sub := range topics {
				if len(sub) > 0 && !slices.Contains(sub, l.Topics[i]) {
					continue logs
				}
			}
			out = append(out, l)
		}
	}
	return out
}

// TestBloomSIMDGeneratorBytes checks the index go-ethereum's BloomIndexer wrote
// with our Generator and CompressBytes against go-ethereum's own Generator and
// CompressBytes, key by key, for every section of the canonical chain.
func testGeneratorBytes(t *testing.T, n *e2eNode) {
	stored, _, _ := n.indexer.Sections()
	for s := range stored {
		gen, err := gethbloombits.NewGenerator(uint(e2eSectionSize))
		if err != nil {
			t.Fatal(err)
		}
		for i := range uint64(e2eSectionSize) {
			num := s*e2eSectionSize + i
			var bloom types.Bloom
			if num > 0 {
				bloom = n.chain.blocks[num-1].Bloom()
			}
			if err := gen.AddBloom(uint(i), bloom); err != nil {
				t.Fatal(err)
			}
		}
		head := rawdb.ReadCanonicalHash(n.db, (s+1)*e2eSectionSize-1)
		for bit := range uint(types.BloomBitLength) {
			vec, err := gen.Bitset(bit)
			if err != nil {
				t.Fatal(err)
			}
			got, err := rawdb.ReadBloomBits(n.db, bit, s, head)
			if err != nil {
				t.Fatalf("section %d bit %d: %v", s, bit, err)
			}
			if want := gethbitutil.CompressBytes(vec); !slices.Equal(got, want) || (len(want) == 0) != (len(got) == 0) {
				t.Fatalf("section %d bit %d: stored vector differs from go-ethereum's Generator+CompressBytes", s, bit)
			}
		}
	}
}

// e2eBackend is the node's Backend for eth/filters, common to every
// configuration: go-ethereum's test backend over the Pebble database, with the
// section count of the bloom indexer, as eth/api_backend.go reports it.
type e2eBackend struct {
	*testBackend
	sections func() uint64
	// beforeHeader, when set, runs before every HeaderByNumber (to cancel a
	// query in the middle).
	beforeHeader func()
	// clock, when set, times the reads of headers, receipts and bodies (the
	// benchmark's split of a query's time).
	clock *queryClock
}

func (b *e2eBackend) BloomStatus() (uint64, uint64) {
	return e2eSectionSize, b.sections()
}

func (b *e2eBackend) HeaderByNumber(ctx context.Context, number rpc.BlockNumber) (*types.Header, error) {
	if b.beforeHeader != nil {
		b.beforeHeader()
	}
	if b.clock != nil && number >= 0 { // not "latest" and the like
		defer b.clock.header(uint64(number), time.Now())
	}
	return b.testBackend.HeaderByNumber(ctx, number)
}

func (b *e2eBackend) GetLogs(ctx context.Context, hash common.Hash, number uint64) ([][]*types.Log, error) {
	if b.clock != nil {
		defer b.clock.receipts(number, time.Now())
	}
	return b.testBackend.GetLogs(ctx, hash, number)
}

func (b *e2eBackend) GetBody(ctx context.Context, hash common.Hash, number rpc.BlockNumber) (*types.Body, error) {
	if b.clock != nil {
		defer b.clock.body(time.Now())
	}
	return b.testBackend.GetBody(ctx, hash, number)
}

// queryClock splits a query's time, as eth/filters spends it, into the reads
// of candidate blocks (header, receipts, body: "receipts"), the unindexed tail
// (from the first header read past the indexed sections to the end, without
// its receipt reads) and the rest, the bloom stage. It counts candidates (the
// blocks whose receipts are read). eth/filters reads on one goroutine at a
// time, so plain fields do.
type queryClock struct {
	indexedEnd     uint64 // first block not covered by the index
	start          time.Time
	tailStart      time.Time
	receiptsTime   time.Duration
	tailReceipts   time.Duration
	candidates     int
	lastHeaderTime time.Duration
	lastHeader     uint64
}

func (c *queryClock) reset(indexedEnd uint64) {
	*c = queryClock{indexedEnd: indexedEnd, start: time.Now()}
}

func (c *queryClock) header(number uint64, start time.Time) {
	if number >= c.indexedEnd && c.tailStart.IsZero() {
		c.tailStart = start
	}
	c.lastHeader, c.lastHeaderTime = number, time.Since(start)
}

func (c *queryClock) receipts(number uint64, start time.Time) {
	d := time.Since(start)
	c.candidates++
	if number >= c.indexedEnd {
		c.tailReceipts += d
	} else if number == c.lastHeader {
		d += c.lastHeaderTime // the header read of an indexed candidate
	}
	c.receiptsTime += d
}

func (c *queryClock) body(start time.Time) {
	c.receiptsTime += time.Since(start)
}

// split returns the bloom stage, tail and receipts shares of a query that
// ended now.
func (c *queryClock) split() (bloom, tail, receipts time.Duration) {
	total := time.Since(c.start)
	if !c.tailStart.IsZero() {
		tail = time.Since(c.tailStart) - c.tailReceipts
	}
	return total - tail - c.receiptsTime, tail, c.receiptsTime
}

// gethBackend is go-ethereum as shipped: core/bloombits sessions served by
// eth/bloombits.go's startBloomHandlers loop (copied below, unchanged but for
// the names) and multiplexed as eth/api_backend.go ServiceFilter does.
type gethBackend struct {
	*e2eBackend
	requests chan chan *gethbloombits.Retrieval
}

func (b *gethBackend) ServiceFilter(ctx context.Context, session *gethbloombits.MatcherSession) {
	for range e2eMultiplexes {
		go session.Multiplex(16, 0, b.requests)
	}
}

// startGethBloomHandlers is eth/bloombits.go startBloomHandlers.
func startGethBloomHandlers(db ethdb.Database, requests chan chan *gethbloombits.Retrieval, quit chan struct{}, sectionSize uint64) {
	for range e2eServers {
		go func() {
			for {
				select {
				case <-quit:
					return
				case request := <-requests:
					task := <-request
					task.Bitsets = make([][]byte, len(task.Sections))
					for i, section := range task.Sections {
						head := rawdb.ReadCanonicalHash(db, (section+1)*sectionSize-1)
						if compVector, err := rawdb.ReadBloomBits(db, task.Bit, section, head); err == nil {
							if blob, err := gethbitutil.DecompressBytes(compVector, int(sectionSize/8)); err == nil {
								task.Bitsets[i] = blob
							} else {
								task.Error = err
							}
						} else {
							task.Error = err
						}
					}
					request <- task
				}
			}
		}()
	}
}

// dropinBackend is the swapped node with our retrieval server: the same
// ServiceFilter as eth/api_backend.go, with matcher.ServeRetrievals in place of
// startBloomHandlers.
type dropinBackend struct {
	*e2eBackend
	requests chan chan *bloombits.Retrieval
}

func (b *dropinBackend) ServiceFilter(ctx context.Context, session *bloombits.MatcherSession) {
	for range e2eMultiplexes {
		go session.Multiplex(16, 0, b.requests)
	}
}

// scanBackend is the swapped node whose indexedLogs runs Scan over src (the
// filter-scan.patch fast path).
type scanBackend struct {
	*dropinBackend
	src bloombits.Source
}

func (b *scanBackend) BloomSource() bloombits.Source { return b.src }

// e2eConfig is one node configuration: a name and a query (on a fresh
// FilterSystem, so that no query finds the logs of another in its cache).
type e2eConfig struct {
	name    string
	logs    func(ctx context.Context, begin, end int64, addrs []common.Address, topics [][]common.Hash) ([]*types.Log, error)
	backend *e2eBackend
	src     bool // reads the Source given to newConfigs
}

// newE2EConfigs returns the configurations of newConfigs and a fourth: the
// swapped node on its own servers (eth/bloombits.go, with bloomsimd's bitutil).
func newE2EConfigs(t testing.TB, n *e2eNode, src bloombits.Source) []e2eConfig {
	sections := func() uint64 { s, _, _ := n.indexer.Sections(); return s }
	configs := newConfigs(t, n.db, sections, src)
	quit := make(chan struct{})
	t.Cleanup(func() { close(quit) })
	swapped := &dropinBackend{
		e2eBackend: &e2eBackend{testBackend: &testBackend{db: n.db}, sections: sections},
		requests:   eth.StartBloomHandlers(n.db, e2eSectionSize, quit),
	}
	return append(configs, e2eConfig{"swapped", func(ctx context.Context, begin, end int64, addrs []common.Address, topics [][]common.Hash) ([]*types.Log, error) {
		return NewFilterSystem(swapped, Config{}).NewRangeFilter(begin, end, addrs, topics).Logs(ctx)
	}, swapped.e2eBackend, false})
}

// newConfigs returns the three configurations over db: go-ethereum as shipped,
// the drop-in path on ServeRetrievals over src, and the Scan path over src.
func newConfigs(t testing.TB, db ethdb.Database, sections func() uint64, src bloombits.Source) []e2eConfig {
	quit := make(chan struct{})
	t.Cleanup(func() { close(quit) })
	newBase := func() *e2eBackend { return &e2eBackend{testBackend: &testBackend{db: db}, sections: sections} }

	geth := &gethBackend{e2eBackend: newBase(), requests: make(chan chan *gethbloombits.Retrieval)}
	startGethBloomHandlers(db, geth.requests, quit, e2eSectionSize)

	dropin := &dropinBackend{e2eBackend: newBase(), requests: make(chan chan *bloombits.Retrieval)}
	bloombits.ServeRetrievals(dropin.requests, quit, e2eServers, e2eSectionSize, src)

	scan := &scanBackend{dropinBackend: &dropinBackend{e2eBackend: newBase()}, src: src}

	return []e2eConfig{
		{"geth", func(ctx context.Context, begin, end int64, addrs []common.Address, topics [][]common.Hash) ([]*types.Log, error) {
			return gethfilters.NewFilterSystem(geth, gethfilters.Config{}).NewRangeFilter(begin, end, addrs, topics).Logs(ctx)
		}, geth.e2eBackend, false},
		{"dropin", func(ctx context.Context, begin, end int64, addrs []common.Address, topics [][]common.Hash) ([]*types.Log, error) {
			return NewFilterSystem(dropin, Config{}).NewRangeFilter(begin, end, addrs, topics).Logs(ctx)
		}, dropin.e2eBackend, true},
		{"scan", func(ctx context.Context, begin, end int64, addrs []common.Address, topics [][]common.Hash) ([]*types.Log, error) {
			return NewFilterSystem(scan, Config{}).NewRangeFilter(begin, end, addrs, topics).Logs(ctx)
		}, scan.e2eBackend, true},
	}
}

// pointSource is a bloombits.Source that reads vectors as eth/bloombits.go
// does: the canonical section head, then one point read per section.
type pointSource struct {
	db          ethdb.Database
	sectionSize uint64
}

func (s pointSource) Bitsets(ctx context.Context, bit uint, first uint64, dst [][]byte) error {
	for i := range dst {
		section := first + uint64(i)
		head := rawdb.ReadCanonicalHash(s.db, (section+1)*s.sectionSize-1)
		comp, err := rawdb.ReadBloomBits(s.db, bit, section, head)
		if err != nil {
			return fmt.Errorf("bit %d section %d: %w", bit, section, err)
		}
		vec, err := bitops.DecompressBytes(comp, int(s.sectionSize/8))
		if err != nil {
			return fmt.Errorf("bit %d section %d: %w", bit, section, err)
		}
		copy(dst[i], vec)
	}
	return nil
}

func TestBloomSIMDEndToEnd(t *testing.T) {
	n := newE2ENode(t)
	t.Run("GeneratorBytes", func(t *testing.T) { testGeneratorBytes(t, n) })
	reader, err := index.NewReader(n.db, e2eSectionSize)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("Reader", func(t *testing.T) { testReader(t, n, reader) })
	configs := newE2EConfigs(t, n, reader)
	t.Run("Queries", func(t *testing.T) { testQueries(t, n, configs) })
	t.Run("Cancel", func(t *testing.T) { testCancel(t, n, configs) })
	t.Run("DetectsWrongVectors", func(t *testing.T) { testDetectsWrongVectors(t, n, reader) })
	t.Run("SourceError", func(t *testing.T) { testSourceError(t, n) })
}

// failingSource fails for section 3, as a Reader does for a missing or
// corrupt vector.
type failingSource struct{ bloombits.Source }

var errSection3 = errors.New("section 3 is unreadable")

func (s failingSource) Bitsets(ctx context.Context, bit uint, first uint64, dst [][]byte) error {
	if first <= 3 && 3 < first+uint64(len(dst)) {
		return errSection3
	}
	return s.Source.Bitsets(ctx, bit, first, dst)
}

// testSourceError: a failing Source ends the query with its error, through the
// retrieval server (task.Error, as go-ethereum's servers report a failed read)
// and through Scan.
func testSourceError(t *testing.T, n *e2eNode) {
	configs := newE2EConfigs(t, n, failingSource{pointSource{n.db, e2eSectionSize}})
	for _, c := range configs {
		if !c.src {
			continue
		}
		_, err := c.logs(context.Background(), 0, rpc.LatestBlockNumber.Int64(), []common.Address{addrRare}, nil)
		if !errors.Is(err, errSection3) {
			t.Errorf("%s: got error %v, want %v", c.name, err, errSection3)
		}
	}
}

// testReader checks our Reader against go-ethereum's read path (the canonical
// section head, then a point read per vector) for every bit of every section
// after the reorg, and its errors for a section that is not indexed.
func testReader(t *testing.T, n *e2eNode, reader *index.Reader) {
	stored, _, _ := n.indexer.Sections()
	if got, err := reader.Sections(); err != nil || got != stored {
		t.Fatalf("Reader.Sections() = %d, %v; the indexer stored %d", got, err, stored)
	}
	ref := pointSource{n.db, e2eSectionSize}
	got, want := make([][]byte, stored), make([][]byte, stored)
	for i := range got {
		got[i], want[i] = make([]byte, e2eSectionSize/8), make([]byte, e2eSectionSize/8)
	}
	for bit := range uint(types.BloomBitLength) {
		if err := reader.Bitsets(context.Background(), bit, 0, got); err != nil {
			t.Fatal(err)
		}
		if err := ref.Bitsets(context.Background(), bit, 0, want); err != nil {
			t.Fatal(err)
		}
		for s := range got {
			if !slices.Equal(got[s], want[s]) {
				t.Fatalf("bit %d section %d: the Reader's vector differs from go-ethereum's read path", bit, s)
			}
		}
	}
	buffers := func(n int) [][]byte {
		b := make([][]byte, n)
		for i := range b {
			b[i] = make([]byte, e2eSectionSize/8)
		}
		return b
	}
	// Section stored is not indexed (its last block is not even on the chain).
	err := reader.Bitsets(context.Background(), 1234, stored-1, buffers(2))
	var ierr *index.Error
	if !errors.As(err, &ierr) || ierr.Bit != 1234 || ierr.Section != stored || !errors.Is(err, index.ErrNoSection) {
		t.Fatalf("reading past the indexed sections: got %v, want an *index.Error (ErrNoSection) naming bit 1234 and section %d", err, stored)
	}
	// Reorg safety: the canonical heads of section 2 and every later one move to
	// blocks no vector was indexed under, as after a reorg in section 2 before the
	// indexer catches up (a reorg changes the hashes of all the blocks after it).
	// The Reader must fail rather than return the vectors it indexed before.
	var canon []common.Hash
	for s := uint64(2); s < stored; s++ {
		last := (s+1)*e2eSectionSize - 1
		canon = append(canon, rawdb.ReadCanonicalHash(n.db, last))
		rawdb.WriteCanonicalHash(n.db, common.Hash{0xde, 0xad, byte(s)}, last)
	}
	err = reader.Bitsets(context.Background(), 7, 1, buffers(3))
	for i, hash := range canon {
		rawdb.WriteCanonicalHash(n.db, hash, (uint64(i)+3)*e2eSectionSize-1)
	}
	if !errors.As(err, &ierr) || ierr.Bit != 7 || ierr.Section != 2 || !errors.Is(err, index.ErrNoVector) {
		t.Fatalf("reading a section whose canonical head has no vectors: got %v, want an *index.Error (ErrNoVector) naming bit 7 and section 2", err)
	}
}

// zeroedSource hides section 1: a Source that returns the wrong vectors must
// make the queries differ from the reference, or the test could not fail.
type zeroedSource struct{ bloombits.Source }

func (s zeroedSource) Bitsets(ctx context.Context, bit uint, first uint64, dst [][]byte) error {
	if err := s.Source.Bitsets(ctx, bit, first, dst); err != nil {
		return err
	}
	if first <= 1 && 1 < first+uint64(len(dst)) {
		clear(dst[1-first])
	}
	return nil
}

func testDetectsWrongVectors(t *testing.T, n *e2eNode, reader *index.Reader) {
	configs := newE2EConfigs(t, n, zeroedSource{reader})
	addrs, topics := []common.Address{addrRare}, [][]common.Hash{{topicRare}}
	want := n.want(0, n.head(), addrs, topics)
	for _, c := range configs {
		if !c.src {
			continue
		}
		got, err := c.logs(context.Background(), 0, rpc.LatestBlockNumber.Int64(), addrs, topics)
		if err != nil {
			t.Fatal(err)
		}
		if equalLogs(got, want) {
			t.Errorf("%s: a Source hiding section 1 still returned every log", c.name)
		}
	}
}

func testQueries(t *testing.T, n *e2eNode, configs []e2eConfig) {
	head := int64(n.head())
	indexed := int64(5 * e2eSectionSize)
	latest := rpc.LatestBlockNumber.Int64()
	type span struct {
		name       string
		begin, end int64
	}
	short := []span{
		{"section-boundary", 4000, 4200},
		{"reorged-fork", 2*e2eSectionSize - 60, 2*e2eSectionSize + 10},
		{"into-tail", indexed - 30, indexed + 30},
		{"tail-to-latest", head - 50, latest},
	}
	long := append([]span{
		{"full-to-latest", 0, latest},
		{"full-ending-in-tail", 1, head - 100},
		{"indexed-only", 5, indexed - 1},
		{"one-section", e2eSectionSize, 2*e2eSectionSize - 1},
		{"tail-only", indexed + 1, head},
	}, short...)
	// Filters that match in many blocks are queried over fewer or shorter
	// ranges: every candidate block costs each configuration a receipt read.
	filters := []struct {
		name   string
		addrs  []common.Address
		topics [][]common.Hash
		spans  []span
	}{
		{"none/address", []common.Address{addrNever}, nil, long},
		{"none/address-and-topic", []common.Address{addrEvery}, [][]common.Hash{{topicRare}}, long},
		{"none/topic-position", nil, [][]common.Hash{{topicPool[0]}, {topicRare}}, long},
		{"sparse", []common.Address{addrRare}, [][]common.Hash{{topicRare}}, long},
		{"sparse/topic-only", nil, [][]common.Hash{{topicRare}}, long},
		{"pool/address-and-topics", []common.Address{addrPool[1], addrPool[5]}, [][]common.Hash{{topicPool[2], topicPool[7]}}, long[:2]},
		{"pool/wildcard-first-topic", []common.Address{addrPool[3]}, [][]common.Hash{nil, {topicPool[4]}}, long[1:2]},
		{"pool/wildcard-topics-then-topic", nil, [][]common.Hash{{}, {}, {topicPool[9]}}, short},
		{"every/address", []common.Address{addrEvery}, nil, short},
		{"every/topic", nil, [][]common.Hash{{topicEvery}}, short},
		{"every/wildcard", nil, nil, short},
		{"every/or-never", []common.Address{addrNever, addrEvery}, [][]common.Hash{{topicNever, topicEvery}}, short},
	}
	elapsed := make([]time.Duration, len(configs))
	for _, f := range filters {
		matched := 0
		for _, sp := range f.spans {
			end := uint64(sp.end)
			if sp.end == latest {
				end = n.head()
			}
			want := n.want(uint64(sp.begin), end, f.addrs, f.topics)
			matched += len(want)
			for i, c := range configs {
				start := time.Now()
				got, err := c.logs(context.Background(), sp.begin, sp.end, f.addrs, f.topics)
				elapsed[i] += time.Since(start)
				if err != nil {
					t.Fatalf("%s %s %s: %v", c.name, f.name, sp.name, err)
				}
				if !equalLogs(got, want) {
					t.Errorf("%s %s %s [%d, %d]: %d logs, want %d", c.name, f.name, sp.name, sp.begin, sp.end, len(got), len(want))
				}
			}
		}
		if none := strings.HasPrefix(f.name, "none/"); none != (matched == 0) {
			t.Errorf("%s: %d planted logs match: the test checks the wrong thing", f.name, matched)
		}
	}
	for i, c := range configs {
		t.Logf("%s: all queries in %v", c.name, elapsed[i])
	}
}

func equalLogs(got, want []*types.Log) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		g, w := *got[i], *want[i]
		if len(g.Topics) == 0 {
			g.Topics = nil
		}
		if len(w.Topics) == 0 {
			w.Topics = nil
		}
		if len(g.Data) == 0 {
			g.Data = nil
		}
		if len(w.Data) == 0 {
			w.Data = nil
		}
		if !reflect.DeepEqual(g, w) {
			return false
		}
	}
	return true
}

// testCancel: a cancelled query returns context.Canceled and no logs, whether
// cancelled before it starts or in the middle of the indexed range; it never
// hangs and never returns a partial result without an error.
func testCancel(t *testing.T, n *e2eNode, configs []e2eConfig) {
	every := []common.Address{addrEvery}
	for _, c := range configs {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		logs, err := c.logs(ctx, 0, rpc.LatestBlockNumber.Int64(), every, nil)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s: cancelled before the query: got %d logs, error %v; want context.Canceled", c.name, len(logs), err)
		}

		ctx, cancel = context.WithCancel(context.Background())
		var headers atomic.Int64
		c.backend.beforeHeader = func() {
			if headers.Add(1) == 1000 {
				cancel()
			}
		}
		logs, err = c.logs(ctx, 0, rpc.LatestBlockNumber.Int64(), every, nil)
		c.backend.beforeHeader = nil
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s: cancelled after 1000 headers: got %d logs, error %v; want context.Canceled", c.name, len(logs), err)
		}
	}
}
