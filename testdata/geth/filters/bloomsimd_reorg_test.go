// bloomsimd's deep-reorg test of the adopted node, added to go-ethereum's
// eth/filters by bloomsimd's scripts/gethcopy.sh.
//
// The node's bloom-bit index is built as eth.New builds it
// (eth.NewBloomSIMDNode, testdata/geth/eth: newBloomSIMD of the generated
// eth/bloomsimd.go, with its one shared scheduler and vector cache) over a
// core.BlockChain whose blocks carry real logs, indexed by the node's
// core.NewBloomSIMDIndexer. Sections are 32 blocks and the indexer confirms 8,
// so a reorg of a few dozen blocks is deeper than the confirmations and makes
// the ChainIndexer rewrite stored sections, whose vectors the scheduler has
// cached. Every query, before and after each reorg, must return what
// go-ethereum as shipped returns (eth/filtersgeth on its own bloom servers),
// on the drop-in path and on the Scan path.
//
// The indexer is fed its chain head events by the test (index), so each step
// waits for the indexer to finish its rewrite before querying.
// TestBloomSIMDDeepReorg keeps the node's head feeder running: it looks at the
// indexer on every head event, and go-ethereum's ChainIndexer.Sections lowers
// the count to the first section whose head is no longer canonical as soon as
// the chain reorgs, so the node sees the drop. TestBloomSIMDDeepReorgFeederBehind
// stops the feeder first (as if it fell behind): the node's next look is a
// query's, after the rewrite, when the count has grown back to 7 of the 12 it
// saw, with sections 5 and 6 rewritten below it. A node that invalidated only
// from the count it sees (Invalidate(7)) serves chain A's cached vectors for
// sections 5 and 6 there, and the queries lose chain B's logs.

package filters

import (
	"context"
	"crypto/ecdsa"
	"math/big"
	"testing"
	"time"

	bloombits "github.com/bloomsimd/bloomsimd/matcher"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/consensus/ethash"
	"github.com/ethereum/go-ethereum/core"
	gethbloombits "github.com/ethereum/go-ethereum/core/bloombits"
	"github.com/ethereum/go-ethereum/core/rawdb"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/core/vm"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/eth"
	gethfilters "github.com/ethereum/go-ethereum/eth/filtersgeth"
	"github.com/ethereum/go-ethereum/ethdb"
	"github.com/ethereum/go-ethereum/ethdb/pebble"
	"github.com/ethereum/go-ethereum/params"
	"github.com/ethereum/go-ethereum/rpc"
)

const (
	reorgSize     = 32 // blocks per section
	reorgConfirms = 8  // the indexer's confirmations
)

// Two log contracts: logger1 logs LOG1(calldata[0:32]), logger2 logs
// LOG2(calldata[0:32], calldata[32:64]).
var (
	logger1     = common.HexToAddress("0x1111")
	logger2     = common.HexToAddress("0x2222")
	logger1Code = common.FromHex("60003560006000a100")
	logger2Code = common.FromHex("602035600035600060006000a200")
	topicA      = common.HexToHash("0xa0")   // logged by chain A only
	topicB      = common.HexToHash("0xb0")   // by chains B and C only
	topicShared = common.HexToHash("0x5a5a") // by every chain
)

// reorgChain is a BlockChain with its indexer, fed by the test, and the node's
// index over them.
type reorgChain struct {
	db      ethdb.Database
	gspec   *core.Genesis
	genDb   ethdb.Database // generation state of every block generated
	bc      *core.BlockChain
	relay   *e2eHeadFeed // the indexer's chain head events
	indexer *core.ChainIndexer
	node    *eth.BloomSIMDNode
	key     *ecdsa.PrivateKey
	signer  types.Signer
}

// logsGen returns a block generator that logs topic in every third block
// (logger1) and topicShared, topic in every fifth (logger2); salt makes its
// blocks, and which of them log, differ from another chain's.
func (c *reorgChain) logsGen(t testing.TB, topic common.Hash, salt byte) func(int, *core.BlockGen) {
	from := crypto.PubkeyToAddress(c.key.PublicKey)
	call := func(g *core.BlockGen, to common.Address, data []byte) {
		tx, err := types.SignTx(types.NewTx(&types.LegacyTx{Nonce: g.TxNonce(from), GasPrice: g.BaseFee(), Gas: 50_000, To: &to, Data: data}), c.signer, c.key)
		if err != nil {
			t.Fatal(err)
		}
		g.AddTx(tx)
	}
	return func(i int, g *core.BlockGen) {
		g.SetExtra([]byte{salt})
		n := g.Number().Uint64()
		if n%3 == uint64(salt)%3 {
			call(g, logger1, topic[:])
		}
		if n%5 == uint64(salt)%5 {
			call(g, logger2, append(topicShared.Bytes(), topic[:]...))
		}
	}
}

func newReorgChain(t *testing.T) *reorgChain {
	kv, err := pebble.New(t.TempDir(), 16, 16, "", false)
	if err != nil {
		t.Fatal(err)
	}
	db := rawdb.NewDatabase(kv)
	t.Cleanup(func() { db.Close() })
	key, _ := crypto.HexToECDSA("b71c71a67e1177ad4e901695e1b4b9ee17ae16c6668d313eac2f96dbcda3f291")
	c := &reorgChain{db: db, key: key, signer: types.LatestSigner(params.TestChainConfig)}
	c.gspec = &core.Genesis{
		Config:  params.TestChainConfig,
		BaseFee: big.NewInt(params.InitialBaseFee),
		Alloc: types.GenesisAlloc{
			crypto.PubkeyToAddress(key.PublicKey): {Balance: new(big.Int).Mul(big.NewInt(1000), big.NewInt(params.Ether))},
			logger1:                               {Balance: new(big.Int), Code: logger1Code},
			logger2:                               {Balance: new(big.Int), Code: logger2Code},
		},
	}
	c.genDb, _, _ = core.GenerateChainWithGenesis(c.gspec, ethash.NewFaker(), 0, nil)
	cache := core.DefaultCacheConfigWithScheme(rawdb.HashScheme)
	cache.TrieDirtyDisabled = true // archive: a reorg re-executes from any fork point
	if c.bc, err = core.NewBlockChain(db, cache, c.gspec, nil, ethash.NewFaker(), vm.Config{}, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.bc.Stop)
	c.relay = &e2eHeadFeed{db: db}
	c.indexer = core.NewBloomSIMDIndexer(db, reorgSize, reorgConfirms)
	t.Cleanup(func() { c.indexer.Close() })
	c.indexer.Start(c.relay)
	if c.node, err = eth.NewBloomSIMDNode(db, reorgSize, c.indexer, c.bc); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.node.Stop)
	return c
}

// grow generates n blocks on the block numbered parent of the chain that is
// canonical (0 is the genesis), makes them canonical and returns the new head.
func (c *reorgChain) grow(t *testing.T, parent uint64, n int, topic common.Hash, salt byte) *types.Block {
	p := c.bc.GetBlockByNumber(parent)
	blocks, _ := core.GenerateChain(c.gspec.Config, p, ethash.NewFaker(), c.genDb, n, c.logsGen(t, topic, salt))
	if _, err := c.bc.InsertChain(blocks); err != nil {
		t.Fatal(err)
	}
	head := blocks[len(blocks)-1]
	if _, err := c.bc.SetCanonical(head); err != nil { // a shorter chain too
		t.Fatal(err)
	}
	if got := c.bc.CurrentBlock().Hash(); got != head.Hash() {
		t.Fatalf("head %x after SetCanonical, want %x", got, head.Hash())
	}
	return head
}

// index tells the indexer about the head and waits until it has stored the
// sections the head confirms, under their canonical heads.
func (c *reorgChain) index(t *testing.T, head *types.Block) {
	c.relay.feed.Send(core.ChainHeadEvent{Header: head.Header()})
	want := (head.NumberU64() + 1 - reorgConfirms) / reorgSize
	deadline := time.Now().Add(time.Minute)
	for {
		n, _, _ := c.indexer.Sections()
		done := n == want
		for s := uint64(0); done && s < n; s++ {
			done = c.indexer.SectionHead(s) == rawdb.ReadCanonicalHash(c.db, (s+1)*reorgSize-1)
		}
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("indexer: %d sections stored, want %d", n, want)
		}
		time.Sleep(time.Millisecond)
	}
}

// reorgBackend is go-ethereum's test backend over the chain's database with a
// BloomStatus of its own.
type reorgBackend struct {
	*testBackend
	status func() (uint64, uint64)
}

func (b *reorgBackend) BloomStatus() (uint64, uint64) { return b.status() }

// reorgGeth is go-ethereum as shipped: its sessions on its bloom servers,
// BloomStatus the indexer's sections.
type reorgGeth struct {
	*reorgBackend
	requests chan chan *gethbloombits.Retrieval
}

func (b *reorgGeth) ServiceFilter(ctx context.Context, session *gethbloombits.MatcherSession) {
	for range e2eMultiplexes {
		go session.Multiplex(16, 0, b.requests)
	}
}

// reorgDropin is the node's drop-in path: eth/filters unchanged but for the
// imports, the retrieval servers on the node's Source, BloomStatus the node's.
type reorgDropin struct {
	*reorgBackend
	requests chan chan *bloombits.Retrieval
}

func (b *reorgDropin) ServiceFilter(ctx context.Context, session *bloombits.MatcherSession) {
	for range e2eMultiplexes {
		go session.Multiplex(16, 0, b.requests)
	}
}

// reorgScan is the node's Scan path: a snapshot of the node's index per query,
// as EthAPIBackend.BloomSource gives it.
type reorgScan struct {
	*reorgDropin
	node *eth.BloomSIMDNode
}

func (b *reorgScan) BloomSource() bloombits.Source { return b.node.Snapshot() }

type reorgQuery func(ctx context.Context, begin, end int64, addrs []common.Address, topics [][]common.Hash) ([]*types.Log, error)

// configs returns go-ethereum as shipped, the drop-in path and the Scan path.
func (c *reorgChain) configs(t *testing.T) (geth reorgQuery, ours map[string]reorgQuery) {
	quit := make(chan struct{})
	t.Cleanup(func() { close(quit) })
	indexed := func() (uint64, uint64) { n, _, _ := c.indexer.Sections(); return reorgSize, n }
	g := &reorgGeth{&reorgBackend{&testBackend{db: c.db}, indexed}, make(chan chan *gethbloombits.Retrieval)}
	startGethBloomHandlers(c.db, g.requests, quit, reorgSize)
	d := &reorgDropin{&reorgBackend{&testBackend{db: c.db}, c.node.Status}, make(chan chan *bloombits.Retrieval)}
	bloombits.ServeRetrievals(d.requests, quit, e2eServers, reorgSize, c.node.Source())
	s := &reorgScan{&reorgDropin{&reorgBackend{&testBackend{db: c.db}, c.node.Status}, nil}, c.node}
	geth = func(ctx context.Context, begin, end int64, addrs []common.Address, topics [][]common.Hash) ([]*types.Log, error) {
		return gethfilters.NewFilterSystem(g, gethfilters.Config{}).NewRangeFilter(begin, end, addrs, topics).Logs(ctx)
	}
	return geth, map[string]reorgQuery{
		"dropin": func(ctx context.Context, begin, end int64, addrs []common.Address, topics [][]common.Hash) ([]*types.Log, error) {
			return NewFilterSystem(d, Config{}).NewRangeFilter(begin, end, addrs, topics).Logs(ctx)
		},
		"scan": func(ctx context.Context, begin, end int64, addrs []common.Address, topics [][]common.Hash) ([]*types.Log, error) {
			return NewFilterSystem(s, Config{}).NewRangeFilter(begin, end, addrs, topics).Logs(ctx)
		},
	}
}

var reorgFilters = []struct {
	name   string
	addrs  []common.Address
	topics [][]common.Hash
}{
	{"logger1/topicA", []common.Address{logger1}, [][]common.Hash{{topicA}}},
	{"logger1/topicB", []common.Address{logger1}, [][]common.Hash{{topicB}}},
	{"topicB", nil, [][]common.Hash{{topicB}}},
	{"logger2/shared-then-B", []common.Address{logger2}, [][]common.Hash{{topicShared}, {topicB}}},
	{"either/second-topic-A-or-B", []common.Address{logger1, logger2}, [][]common.Hash{nil, {topicA, topicB}}},
	{"logger2", []common.Address{logger2}, nil},
}

// check runs every filter over the whole chain and over [from, to] (the
// sections a reorg rewrote) on both of our paths and compares with
// go-ethereum's answer; wantB is whether [from, to] must hold topicB logs (so
// that stale vectors, which have no topicB bits there, would lose them).
func (c *reorgChain) check(t *testing.T, step string, geth reorgQuery, ours map[string]reorgQuery, from, to int64, wantB bool) {
	ctx := context.Background()
	spans := [][2]int64{{0, rpc.LatestBlockNumber.Int64()}, {from, to}, {from - 20, to + 20}}
	for _, f := range reorgFilters {
		for _, sp := range spans {
			want, err := geth(ctx, sp[0], sp[1], f.addrs, f.topics)
			if err != nil {
				t.Fatalf("%s: geth %s [%d, %d]: %v", step, f.name, sp[0], sp[1], err)
			}
			if wantB && f.name == "topicB" && sp[0] == from && len(want) == 0 {
				t.Fatalf("%s: no topicB logs in [%d, %d]: the test cannot see stale vectors", step, from, to)
			}
			for name, q := range ours {
				got, err := q(ctx, sp[0], sp[1], f.addrs, f.topics)
				if err != nil {
					t.Fatalf("%s: %s %s [%d, %d]: %v", step, name, f.name, sp[0], sp[1], err)
				}
				if !equalLogs(got, want) {
					t.Errorf("%s: %s %s [%d, %d]: %d logs, go-ethereum %d", step, name, f.name, sp[0], sp[1], len(got), len(want))
				}
			}
		}
	}
}

func TestBloomSIMDDeepReorg(t *testing.T) {
	c := newReorgChain(t)
	geth, ours := c.configs(t)
	c.chainA(t, geth, ours)
	c.chainB(t, geth, ours)

	// B grows past A's length: sections 7 and up are stored anew.
	b := c.bc.CurrentBlock()
	b2 := c.grow(t, b.Number.Uint64(), 14*reorgSize+reorgConfirms-1-int(b.Number.Uint64()), topicB, 'B')
	c.index(t, b2)
	c.check(t, "B grows to 14 sections", geth, ours, 7*reorgSize, 14*reorgSize-1, true)

	// Chain C forks in section 9 and ends longer: sections 9 and up are
	// rewritten, and the count ends higher than before.
	const forkC = 9*reorgSize + 3
	cHead := c.grow(t, forkC, 15*reorgSize+reorgConfirms-forkC, topicB, 'C')
	c.index(t, cHead)
	c.check(t, "reorg to C, sections 9-14 rewritten", geth, ours, 9*reorgSize, 15*reorgSize-1, true)
}

func TestBloomSIMDDeepReorgFeederBehind(t *testing.T) {
	c := newReorgChain(t)
	geth, ours := c.configs(t)
	c.chainA(t, geth, ours)
	c.node.StopFollowing()
	c.chainB(t, geth, ours)
}

// chainA stores 12 sections of chain A and queries them: the scheduler caches
// A's vectors.
func (c *reorgChain) chainA(t *testing.T, geth reorgQuery, ours map[string]reorgQuery) {
	a := c.grow(t, 0, 12*reorgSize+reorgConfirms+5, topicA, 'A')
	c.index(t, a)
	c.check(t, "chain A", geth, ours, 5*reorgSize, 7*reorgSize-1, false)
	if st := c.node.Stats(); st.Entries < 7*15 {
		t.Fatalf("sections 0-6 not cached after the queries on chain A: %+v", st)
	}
}

// chainB reorgs to chain B, which forks in section 5 and is shorter: the
// indexer drops its count to 5 and stores sections 5 and 6 again.
func (c *reorgChain) chainB(t *testing.T, geth reorgQuery, ours map[string]reorgQuery) {
	const forkB = 5*reorgSize + 10
	b := c.grow(t, forkB, 7*reorgSize+reorgConfirms+3-forkB, topicB, 'B')
	c.index(t, b)
	c.check(t, "reorg to B, sections 5-6 rewritten", geth, ours, 5*reorgSize, 7*reorgSize-1, true)
	if st := c.node.Stats(); st.Invalidated == 0 {
		t.Fatalf("no cached vector invalidated after the reorg: %+v", st)
	}
}
