// bloomsimd's end-to-end test of the live head index, added to go-ethereum's
// eth/filters by bloomsimd's scripts/gethcopy.sh.
//
// A node's chain is written to Pebble block by block (headers, bodies,
// receipts, canonical hashes, as go-ethereum's BlockChain leaves them) and
// indexed by go-ethereum's own ChainIndexer and BloomIndexer. Our node feeds an
// index.Live from the chain head (Follow, then DropThrough once the indexer
// counts a section), composes it with the Reader over the same database, and
// its BloomStatus reports the composed sections: eth/filters then serves every
// block up to the head from the bloom-bit index, through the drop-in path
// (matcher.ServeRetrievals over the composed Source, eth/filters unchanged) and
// the Scan path (filter-scan.patch, Scan over composed.Snapshot()).
//
// TestBloomSIMDLive: after each change of the head (growth, a reorg of several
// blocks at the tip, a reorg across a section boundary, a section handed to
// disk), queries that end at the head, start in the live sections or span disk,
// live and head blocks return the same logs in go-ethereum as shipped (its
// BloomStatus the disk sections, the tail read header by header), the drop-in
// and the Scan path, and the plain reference over the generated receipts.
//
// TestBloomSIMDLiveConcurrent: queries run while a block arrives about every
// millisecond and reorgs happen; every answer must equal the reference answer
// at a tip that existed during the query (run it with -race).

package filters

import (
	"context"
	"math/big"
	"math/rand"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bloomsimd/bloomsimd/index"
	bloombits "github.com/bloomsimd/bloomsimd/matcher"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core"
	"github.com/ethereum/go-ethereum/core/rawdb"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethdb"
	"github.com/ethereum/go-ethereum/ethdb/pebble"
	"github.com/ethereum/go-ethereum/rpc"
)

// followHead is our node's chain head event handler: bring the Live to head,
// looking up the headers it needs in db, then drop the sections the indexer
// has stored (onDisk counts them).
func followHead(live *index.Live, db ethdb.Database, head *types.Header, onDisk uint64) error {
	size := live.SectionSize()
	err := live.Follow(head.Number.Uint64(), head.Hash(), head.ParentHash, head.Bloom, onDisk*size,
		func(hash [32]byte, number uint64) ([32]byte, [256]byte, bool) {
			h := rawdb.ReadHeader(db, hash, number)
			if h == nil {
				return [32]byte{}, [256]byte{}, false
			}
			return h.ParentHash, h.Bloom, true
		})
	if onDisk > 0 {
		live.DropThrough(onDisk - 1)
	}
	return err
}

// headNumber is the number of db's head header.
func headNumber(db ethdb.Database) uint64 {
	n := rawdb.ReadHeaderNumber(db, rawdb.ReadHeadHeaderHash(db))
	if n == nil {
		return 0
	}
	return *n
}

// pinBackend is our node's Scan path: filter-scan.patch scans BloomSource(),
// one pin of the composed Source per query.
type pinBackend struct {
	*dropinBackend
	composed *index.Composed
}

func (b *pinBackend) BloomSource() bloombits.Source { return b.composed.Snapshot() }

// liveBlock is one generated block: its header and its logs with every field
// eth/filters derives.
type liveBlock struct {
	header *types.Header
	logs   []*types.Log
}

// liveChain is a node's chain written block by block: every block of every
// branch by hash, and the canonical hashes, which only setHead changes.
type liveChain struct {
	db      ethdb.Database
	size    uint64
	blocks  map[common.Hash]*liveBlock // written only by the goroutine that extends the chain
	mu      sync.RWMutex               // guards blocks for readers during the concurrent test
	canon   []common.Hash              // canon[n]: hash of canonical block n; a reorg copies it
	feed    *e2eHeadFeed
	indexer *core.ChainIndexer
}

func newLiveChain(t testing.TB, size, confirms uint64) *liveChain {
	kv, err := pebble.New(t.TempDir(), 16, 16, "", false)
	if err != nil {
		t.Fatal(err)
	}
	db := rawdb.NewDatabase(kv)
	t.Cleanup(func() { db.Close() })
	c := &liveChain{db: db, size: size, blocks: map[common.Hash]*liveBlock{}, feed: &e2eHeadFeed{db: db}}
	genesis := &types.Header{Number: new(big.Int), Difficulty: new(big.Int), GasLimit: 30_000_000}
	c.write(t, genesis, nil, nil)
	c.setHead(t, genesis.Hash())
	c.indexer = core.NewBloomIndexer(db, size, confirms)
	t.Cleanup(func() { c.indexer.Close() })
	c.indexer.Start(c.feed)
	return c
}

// write stores a block (header, body of one transaction per receipt, receipts)
// and records its derived logs.
func (c *liveChain) write(t testing.TB, header *types.Header, receipts types.Receipts, txs types.Transactions) {
	hash, number := header.Hash(), header.Number.Uint64()
	batch := c.db.NewBatch()
	rawdb.WriteHeader(batch, header)
	rawdb.WriteBody(batch, hash, number, &types.Body{Transactions: txs})
	rawdb.WriteReceipts(batch, hash, number, receipts)
	if err := batch.Write(); err != nil {
		t.Fatal(err)
	}
	var derived []*types.Log
	for i, r := range receipts {
		for _, l := range r.Logs {
			d := *l
			d.BlockNumber, d.BlockHash, d.TxHash, d.TxIndex, d.Index = number, hash, txs[i].Hash(), uint(i), uint(len(derived))
			derived = append(derived, &d)
		}
	}
	c.mu.Lock()
	c.blocks[hash] = &liveBlock{header: header, logs: derived}
	c.mu.Unlock()
}

// extend writes n blocks on top of parent (not canonical yet), with the logs
// of genLogs(seed, number, rare), and returns the hash of the last one.
func (c *liveChain) extend(t testing.TB, parent common.Hash, n int, seed int64, rare map[uint64]bool) common.Hash {
	c.mu.RLock()
	p := c.blocks[parent].header
	c.mu.RUnlock()
	for range n {
		number := p.Number.Uint64() + 1
		var receipts types.Receipts
		var txs types.Transactions
		for j, logs := range genLogs(seed, number, rare) {
			r := types.NewReceipt(nil, false, 0)
			for _, l := range logs {
				c := *l
				r.Logs = append(r.Logs, &c)
			}
			r.Bloom = types.CreateBloom(types.Receipts{r})
			receipts = append(receipts, r)
			txs = append(txs, types.NewTransaction(number<<8|uint64(j), common.Address{1}, big.NewInt(seed), 21000, big.NewInt(1), nil))
		}
		header := &types.Header{ParentHash: p.Hash(), Number: new(big.Int).SetUint64(number), Difficulty: new(big.Int),
			GasLimit: 30_000_000, Time: number, Extra: big.NewInt(seed).Bytes(), Bloom: types.CreateBloom(receipts)}
		c.write(t, header, receipts, txs)
		p = header
	}
	return p.Hash()
}

// setHead makes the chain ending at hash canonical (as BlockChain does: the
// canonical hashes, then the head markers) and tells the indexer.
func (c *liveChain) setHead(t testing.TB, hash common.Hash) {
	c.mu.RLock()
	head := c.blocks[hash].header
	var chain []common.Hash // new canonical hashes, from the head back to the fork
	for h := head; ; {
		n := h.Number.Uint64()
		if n < uint64(len(c.canon)) && c.canon[n] == h.Hash() {
			break
		}
		chain = append(chain, h.Hash())
		if n == 0 {
			break
		}
		h = c.blocks[h.ParentHash].header
	}
	c.mu.RUnlock()
	number := head.Number.Uint64()
	keep := number + 1 - uint64(len(chain)) // blocks below keep stay canonical
	canon := c.canon[:keep:keep]            // a reorg or a shorter chain copies: views keep theirs
	if keep == uint64(len(c.canon)) {
		canon = c.canon
	}
	batch := c.db.NewBatch()
	for i := len(chain) - 1; i >= 0; i-- {
		canon = append(canon, chain[i])
		rawdb.WriteCanonicalHash(batch, chain[i], uint64(len(canon)-1))
	}
	for n := number + 1; n < uint64(len(c.canon)); n++ {
		rawdb.DeleteCanonicalHash(batch, n)
	}
	rawdb.WriteHeadBlockHash(batch, hash)
	rawdb.WriteHeadHeaderHash(batch, hash)
	if err := batch.Write(); err != nil {
		t.Fatal(err)
	}
	c.mu.Lock()
	c.canon = canon
	c.mu.Unlock()
	if c.indexer != nil {
		c.feed.feed.Send(core.ChainHeadEvent{Header: head})
	}
}

// head returns the canonical head's header.
func (c *liveChain) head() *types.Header {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.blocks[c.canon[len(c.canon)-1]].header
}

// onDisk returns the sections the bloom indexer has stored.
func (c *liveChain) onDisk() uint64 {
	s, _, _ := c.indexer.Sections()
	return s
}

// waitIndexed waits until the indexer has stored every section the head
// confirms (go-ethereum's ChainIndexer rule), under the canonical heads.
func (c *liveChain) waitIndexed(t testing.TB, confirms uint64) {
	head := c.head().Number.Uint64()
	want := uint64(0)
	if head+1 >= confirms {
		want = (head + 1 - confirms) / c.size
	}
	deadline := time.Now().Add(time.Minute)
	for {
		done := c.onDisk() == want
		for s := uint64(0); done && s < want; s++ {
			done = c.indexer.SectionHead(s) == c.canon[(s+1)*c.size-1]
		}
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("bloom indexer: %d sections stored, want %d at head %d", c.onDisk(), want, head)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// want is the reference: the logs of the canonical blocks begin..end of view
// (a canonical hash list) that match, with go-ethereum's filter semantics.
func (c *liveChain) want(view []common.Hash, begin, end uint64, addrs []common.Address, topics [][]common.Hash) []*types.Log {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []*types.Log
	for num := begin; num <= end && num < uint64(len(view)); num++ {
	logs:
		for _, l := range c.blocks[view[num]].logs {
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

// liveFilters are the filters the live tests query.
var liveFilters = []struct {
	name   string
	addrs  []common.Address
	topics [][]common.Hash
}{
	{"sparse", []common.Address{addrRare}, [][]common.Hash{{topicRare}}},
	{"sparse/topic-only", nil, [][]common.Hash{{topicRare}}},
	{"none", []common.Address{addrEvery}, [][]common.Hash{{topicRare}}},
	{"pool/address-and-topics", []common.Address{addrPool[1], addrPool[5]}, [][]common.Hash{{topicPool[2], topicPool[7]}}},
	{"pool/wildcard-first-topic", []common.Address{addrPool[3]}, [][]common.Hash{nil, {topicPool[4]}}},
}

// liveNode is the three configurations over one liveChain: go-ethereum as
// shipped, and our node with the live index on the drop-in and the Scan path.
type liveNode struct {
	chain    *liveChain
	live     *index.Live
	composed *index.Composed
	configs  []liveConfig
}

func newLiveNode(t testing.TB, chain *liveChain) *liveNode {
	reader, err := index.NewReader(chain.db, chain.size)
	if err != nil {
		t.Fatal(err)
	}
	live, err := index.NewLive(chain.size)
	if err != nil {
		t.Fatal(err)
	}
	composed := index.Compose(reader, chain.onDisk, live)
	n := &liveNode{chain: chain, live: live, composed: composed}
	n.configs = newLiveConfigs(t, chain.db, chain.onDisk, reader, composed)
	return n
}

// follow is the node's chain head event handler.
func (n *liveNode) follow(t testing.TB) {
	if err := followHead(n.live, n.chain.db, n.chain.head(), n.chain.onDisk()); err != nil {
		t.Fatal(err)
	}
}

// check runs every filter over the ranges that matter at the current head in
// every configuration and compares each with the reference.
func (n *liveNode) check(t *testing.T, step string, fork uint64) {
	head := n.chain.head().Number.Uint64()
	disk := n.chain.onDisk() * n.chain.size
	first, count := n.live.Sections()
	if got, want := n.composed.SectionsAt(head), head/n.chain.size+1; got != want {
		t.Fatalf("%s: composed sections %d at head %d, want %d (disk %d sections, live %d from %d)", step, got, head, want, n.chain.onDisk(), count, first)
	}
	latest := rpc.LatestBlockNumber.Int64()
	type span struct {
		name       string
		begin, end int64
	}
	spans := []span{
		{"full-to-latest", 0, latest},
		{"head-to-latest", int64(head) - 50, latest},
		{"in-live-to-latest", int64(disk) + 10, latest},
		{"disk-live-head", int64(disk) - 100, latest},
		{"ends-in-live", int64(disk) - 5, int64(head) - 3},
		{"around-fork", int64(fork) - 5, int64(fork) + 10},
		{"head-only", int64(head), int64(head)},
		{"begin-after-end", int64(head) - 10, int64(head) - 20},
	}
	view := slices.Clone(n.chain.canon)
	for _, f := range liveFilters {
		for _, sp := range spans {
			end := uint64(sp.end)
			if sp.end == latest {
				end = head
			}
			want := n.chain.want(view, uint64(sp.begin), end, f.addrs, f.topics)
			for _, c := range n.configs {
				got, err := c.logs(context.Background(), sp.begin, sp.end, f.addrs, f.topics)
				if err != nil {
					t.Fatalf("%s: %s %s %s: %v", step, c.name, f.name, sp.name, err)
				}
				if !equalLogs(got, want) {
					t.Errorf("%s: %s %s %s [%d, %d]: %d logs, want %d", step, c.name, f.name, sp.name, sp.begin, sp.end, len(got), len(want))
				}
			}
		}
	}
}

func TestBloomSIMDLive(t *testing.T) {
	const (
		size     = e2eSectionSize // params.BloomBitsBlocks
		confirms = e2eConfirms
	)
	chain := newLiveChain(t, size, confirms)
	node := newLiveNode(t, chain)
	step := func(name string, fork uint64) {
		chain.waitIndexed(t, confirms)
		node.follow(t)
		node.check(t, name, fork)
	}

	// Chain A: 3 sections and 100 blocks; the indexer stores 2 sections (the
	// third is not confirmed), so the Live holds sections 2 (complete) and 3.
	rareA := map[uint64]bool{7: true, 4095: true, 4096: true, 8191: true, 8192: true, 9000: true,
		12287: true, 12288: true, 12380: true, 12385: true, 12388: true}
	const headA = 3*size + 100
	a := chain.extend(t, chain.canon[0], headA, 1, rareA)
	chain.setHead(t, a)
	step("chain A", headA)
	if first, count := node.live.Sections(); first != 2 || count != 2 {
		t.Fatalf("live sections %d from %d, want 2 from 2", count, first)
	}

	// A reorg of 8 blocks at the tip: chain B forks at block headA-8.
	rareB := map[uint64]bool{12382: true, 12390: true, 12395: true}
	const forkB = headA - 8
	b := chain.extend(t, chain.canon[forkB], 3*size+115-forkB, 2, rareB)
	chain.setHead(t, b)
	step("reorg of 8 blocks at the tip", forkB)

	// Growth block by block, each head checked with the sparse filters only.
	for range 3 {
		chain.setHead(t, chain.extend(t, chain.head().Hash(), 1, 2, map[uint64]bool{chain.head().Number.Uint64() + 1: true}))
		step("one more block", chain.head().Number.Uint64())
	}

	// A reorg across the boundary of sections 2 and 3 to a shorter chain C.
	rareC := map[uint64]bool{12285: true, 12290: true, 12300: true, 12500: true, 12640: true, 12700: true}
	const forkC = 3*size - 8
	c := chain.extend(t, chain.canon[forkC], 12300-forkC, 3, rareC)
	chain.setHead(t, c)
	step("reorg across a section boundary", forkC)

	// Chain C grows until the indexer stores section 2: the Live drops it.
	chain.setHead(t, chain.extend(t, c, 3*size+confirms+200-12300, 3, rareC))
	step("section 2 handed to disk", forkC)
	if chain.onDisk() != 3 {
		t.Fatalf("the indexer stored %d sections, want 3", chain.onDisk())
	}
	if first, count := node.live.Sections(); first != 3 || count != 1 {
		t.Fatalf("live sections %d from %d after the hand-off, want 1 from 3", count, first)
	}

	// The test can fail: a Live that missed the reorg to C serves chain B's
	// blooms, and the Scan path then misses C's logs.
	t.Run("DetectsStaleLive", func(t *testing.T) {
		stale, err := index.NewLive(size)
		if err != nil {
			t.Fatal(err)
		}
		bHead := chain.blocks[b].header
		if err := followHead(stale, chain.db, bHead, 2); err != nil {
			t.Fatal(err)
		}
		reader, _ := index.NewReader(chain.db, size)
		composed := index.Compose(reader, func() uint64 { return 2 }, stale)
		scan := &pinBackend{dropinBackend: &dropinBackend{e2eBackend: &e2eBackend{testBackend: &testBackend{db: chain.db},
			sections: func() uint64 { return 4 }}}, composed: composed}
		addrs, topics := []common.Address{addrRare}, [][]common.Hash{{topicRare}}
		got, err := NewFilterSystem(scan, Config{}).NewRangeFilter(int64(forkC), int64(bHead.Number.Uint64()), addrs, topics).Logs(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if want := chain.want(chain.canon, forkC, bHead.Number.Uint64(), addrs, topics); len(want) == 0 || equalLogs(got, want) {
			t.Fatalf("a Live that missed a reorg still returned every log (%d, want %d)", len(got), len(want))
		}
	})
}

// viewBackend is one query's node in the concurrent test: its canonical chain
// is the view (the canonical hashes at one tip), its BloomStatus and Scan pin
// were taken with that tip, and its drop-in retrievals read the newest tip.
type viewBackend struct {
	*testBackend
	chain    *liveChain
	view     []common.Hash
	sections uint64
	pin      bloombits.Source
	requests chan chan *bloombits.Retrieval
}

func (b *viewBackend) BloomStatus() (uint64, uint64) { return b.chain.size, b.sections }

func (b *viewBackend) HeaderByNumber(ctx context.Context, number rpc.BlockNumber) (*types.Header, error) {
	n := uint64(len(b.view) - 1)
	if number >= 0 {
		n = uint64(number)
	}
	if n >= uint64(len(b.view)) {
		return nil, nil
	}
	return rawdb.ReadHeader(b.db, b.view[n], n), nil
}

func (b *viewBackend) ServiceFilter(ctx context.Context, session *bloombits.MatcherSession) {
	for range e2eMultiplexes {
		go session.Multiplex(16, 0, b.requests)
	}
}

// viewScanBackend adds the Scan path.
type viewScanBackend struct{ *viewBackend }

func (b viewScanBackend) BloomSource() bloombits.Source { return b.pin }

func TestBloomSIMDLiveConcurrent(t *testing.T) {
	const (
		size     = 512 // small sections, so that sections reach the disk during the test
		confirms = 64
	)
	blocks, every := 1500, time.Millisecond
	if testing.Short() {
		blocks = 600
	}
	chain := newLiveChain(t, size, confirms)
	reader, err := index.NewReader(chain.db, size)
	if err != nil {
		t.Fatal(err)
	}
	live, err := index.NewLive(size)
	if err != nil {
		t.Fatal(err)
	}
	composed := index.Compose(reader, chain.onDisk, live)
	quit := make(chan struct{})
	defer close(quit)
	requests := make(chan chan *bloombits.Retrieval)
	bloombits.ServeRetrievals(requests, quit, e2eServers, size, composed)

	rare := func(seed int64) map[uint64]bool {
		m := map[uint64]bool{}
		rng := rand.New(rand.NewSource(seed))
		for range 400 {
			m[uint64(rng.Intn(8*size))] = true
		}
		return m
	}
	chain.setHead(t, chain.extend(t, chain.canon[0], 3*size+100, 1, rare(1)))
	chain.waitIndexed(t, confirms)
	if err := followHead(live, chain.db, chain.head(), chain.onDisk()); err != nil {
		t.Fatal(err)
	}

	// tipMu pairs the canonical view with the Live's tip: the feeder holds it
	// while it moves both, a query while it takes the view, the BloomStatus and
	// the pin. It is the test's, not the Live's: the query only needs to know
	// which tip its answer must match. reorgs counts the reorgs so far.
	var (
		tipMu  sync.RWMutex
		view   = slices.Clone(chain.canon)
		reorgs atomic.Int64
		done   = make(chan struct{})
		failed atomic.Bool
	)
	go func() { // the feeder: a block about every millisecond, reorgs now and then
		defer close(done)
		rng := rand.New(rand.NewSource(7))
		seed := int64(10)
		boundaryReorgs := 0
		defer func() {
			if boundaryReorgs == 0 {
				t.Error("no reorg crossed a section boundary")
			}
		}()
		for i := 0; i < blocks && !failed.Load(); i++ {
			head := chain.head()
			parent, n := head.Hash(), 1
			// A reorg 1-12 blocks deep every 40 blocks, and one across the
			// section boundary just passed (6 blocks deep at block 3 of a section).
			if s := head.Number.Uint64() % size; s == 3 || i%40 == 39 {
				depth := 1 + rng.Intn(12)
				if s == 3 {
					depth = 6
					boundaryReorgs++
				}
				parent, n, seed = chain.canon[head.Number.Uint64()-uint64(depth)], depth+rng.Intn(3), seed+1
			}
			hash := chain.extend(t, parent, n, seed, rare(seed))
			chain.setHead(t, hash)
			tipMu.Lock()
			if n > 1 || parent != head.Hash() {
				reorgs.Add(1)
			}
			err := followHead(live, chain.db, chain.head(), chain.onDisk())
			view = chain.canon
			tipMu.Unlock()
			if err != nil {
				t.Error(err)
				failed.Store(true)
			}
			time.Sleep(every)
		}
	}()

	var queries, scanQueries, exact atomic.Int64
	var wg sync.WaitGroup
	for g := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewSource(int64(g)))
			for !failed.Load() {
				select {
				case <-done:
					return
				default:
				}
				tipMu.RLock()
				v := view
				head := uint64(len(v) - 1)
				qb := &viewBackend{testBackend: &testBackend{db: chain.db}, chain: chain, view: v,
					sections: composed.SectionsAt(head), pin: composed.Snapshot(), requests: requests}
				reorgsBefore := reorgs.Load() // with the view: a reorg after it counts
				tipMu.RUnlock()
				f := liveFilters[rng.Intn(len(liveFilters))]
				begin := int64(head) - int64(rng.Intn(3*size))
				end := rpc.LatestBlockNumber.Int64()
				if rng.Intn(3) == 0 {
					end = int64(head) - int64(rng.Intn(20))
				}
				want := chain.want(v, uint64(begin), min(uint64(end), head), f.addrs, f.topics)
				scan := g == 0 || rng.Intn(2) == 0
				var sys *FilterSystem
				if scan {
					sys = NewFilterSystem(viewScanBackend{qb}, Config{})
				} else {
					sys = NewFilterSystem(qb, Config{})
				}
				got, err := sys.NewRangeFilter(begin, end, f.addrs, f.topics).Logs(context.Background())
				queries.Add(1)
				if err != nil {
					t.Errorf("%s [%d, %d] at head %d: %v", f.name, begin, end, head, err)
					failed.Store(true)
					return
				}
				if scan {
					// One pin: the answer at the query's tip, exactly.
					scanQueries.Add(1)
					if !equalLogs(got, want) {
						t.Errorf("scan %s [%d, %d] at head %d: %d logs, want %d", f.name, begin, end, head, len(got), len(want))
						failed.Store(true)
					}
					continue
				}
				// The drop-in path reads each retrieval from the newest tip: the
				// answer at the query's tip unless a reorg came during the query;
				// then every log it returns is still one of that answer.
				if equalLogs(got, want) {
					exact.Add(1)
					continue
				}
				if reorgs.Load() == reorgsBefore || !subsetLogs(got, want) {
					t.Errorf("dropin %s [%d, %d] at head %d: %d logs, want %d (reorgs during the query: %d)",
						f.name, begin, end, head, len(got), len(want), reorgs.Load()-reorgsBefore)
					failed.Store(true)
				}
			}
		}()
	}
	<-done
	wg.Wait()
	chain.waitIndexed(t, confirms)
	first, count := live.Sections()
	t.Logf("%d blocks, %d reorgs, %d queries (%d on the Scan path; drop-in exact %d); head %d, %d sections on disk, live %d from %d",
		blocks, reorgs.Load(), queries.Load(), scanQueries.Load(), exact.Load(), chain.head().Number.Uint64(), chain.onDisk(), count, first)
	if queries.Load() < 20 || chain.onDisk() < 4 {
		t.Errorf("too little happened: %d queries, %d sections on disk", queries.Load(), chain.onDisk())
	}
}

// subsetLogs reports whether got is want with some logs left out, in order.
func subsetLogs(got, want []*types.Log) bool {
	i := 0
	for _, g := range got {
		for i < len(want) && !equalLogs([]*types.Log{g}, []*types.Log{want[i]}) {
			i++
		}
		if i == len(want) {
			return false
		}
		i++
	}
	return true
}
