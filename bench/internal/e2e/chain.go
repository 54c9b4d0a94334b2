// Package e2e runs log queries end to end over a real node database: an embedded
// Pebble store opened with go-ethereum v1.14.13's own ethdb/pebble, holding a chain
// of headers and the bloom-bit index that go-ethereum's BloomIndexer wrote for it.
package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"reflect"
	"time"
	"unsafe"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core"
	"github.com/ethereum/go-ethereum/core/rawdb"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethdb"
	"github.com/ethereum/go-ethereum/ethdb/pebble"
	"github.com/ethereum/go-ethereum/event"

	"github.com/bloomsimd/bloomsimd/internal/blooms"
)

// SectionSize is go-ethereum's bloom-bit section size (params.BloomBitsBlocks).
const SectionSize = 4096

// Pebble settings: a node gives its database half of --cache (512 MiB of the
// default 1 GiB); half of that here still makes 64 MiB memtables, so building the
// chain seldom waits for flushes.
const (
	pebbleCacheMB = 256
	pebbleHandles = 512
)

// Indexer says who writes the bloom-bit index while the chain is built.
type Indexer int

const (
	// GethSteps drives go-ethereum's own *core.BloomIndexer (the backend
	// core.NewBloomIndexer creates) with Reset/Process/Commit per section, in the
	// order the ChainIndexer calls them, without its 100 ms pause between sections.
	GethSteps Indexer = iota
	// GethChainIndexer runs core.NewBloomIndexer's ChainIndexer as a node does:
	// started on the chain, it reads the canonical headers back from the database
	// in the background, pausing 100 ms between sections. Needs Headers.
	GethChainIndexer
	// OurSteps drives our IndexWriter as GethSteps drives go-ethereum's.
	OurSteps
	// OurChainIndexer runs our IndexWriter as the backend of a go-ethereum
	// ChainIndexer (without a pause between sections). Needs Headers.
	OurChainIndexer
	// NoIndex leaves the index unwritten.
	NoIndex
)

// Options configure Build.
type Options struct {
	Sections uint64 // chain length in sections of SectionSize blocks (at least 1)
	// Headers stores every header (rawdb.WriteHeader: RLP and hash→number) besides
	// the canonical hashes. The bloom indexer and the queries need only the
	// canonical hashes; a node's database has both.
	Headers bool
	// EmptySections start the chain with sections of all-zero blooms, as mainnet's
	// history starts (no logs before block 46147).
	EmptySections uint64
	Indexer       Indexer
	Progress      io.Writer // build progress lines; nil for none
	Dir           string    // parent of the database directory; "" for os.TempDir()
}

// Chain is a chain database on disk. Close it to remove it.
type Chain struct {
	DB       ethdb.Database
	Dir      string
	Sections uint64
	// Heads[s] is the canonical hash of section s's last block: the hash in the
	// keys of section s's bloom bits.
	Heads []common.Hash
	// BuildTime is how long Build took (writing and indexing, then compacting).
	BuildTime time.Duration

	blooms  [][256]byte
	empty   uint64 // blocks with an all-zero bloom at the start
	servers servers
}

// bloom returns the bloom of block n: all-zero in the first empty blocks, then
// the real blooms tiled cyclically; with the sparse filter's bits added in the
// Planted blocks.
func bloom(all [][256]byte, empty, n uint64) types.Bloom {
	var b types.Bloom
	if n >= empty {
		b = all[n%uint64(len(all))]
	}
	if Planted(n) {
		SparseFilter(all)
		for i := range b {
			b[i] |= sparse.bloom[i]
		}
	}
	return b
}

// newHeader returns the minimal header of block n: parent link, number, bloom.
func newHeader(bloom types.Bloom, n uint64, parent common.Hash) *types.Header {
	return &types.Header{
		ParentHash: parent,
		Number:     new(big.Int).SetUint64(n),
		Bloom:      bloom,
		Difficulty: common.Big0,
		GasLimit:   30_000_000,
		Time:       1_700_000_000 + 12*n,
	}
}

// Build creates a chain of opts.Sections sections in a fresh Pebble database in a
// temporary directory and indexes it as opts.Indexer says.
func Build(opts Options) (c *Chain, err error) {
	if opts.Sections == 0 {
		return nil, errors.New("e2e: a chain needs at least one section")
	}
	chainIndexer := opts.Indexer == GethChainIndexer || opts.Indexer == OurChainIndexer
	if chainIndexer && !opts.Headers {
		return nil, errors.New("e2e: a ChainIndexer reads headers back: set Headers")
	}
	all, err := blooms.Load()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	dir, err := os.MkdirTemp(opts.Dir, "bloomsimd-e2e-")
	if err != nil {
		return nil, err
	}
	db, err := OpenDB(dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	c = &Chain{DB: db, Dir: dir, Sections: opts.Sections, blooms: all, empty: opts.EmptySections * SectionSize}
	built := c
	defer func() {
		if err != nil {
			built.Close()
			c = nil
		}
	}()

	var backend core.ChainIndexerBackend
	switch opts.Indexer {
	case GethSteps:
		backend, err = NewGethIndexer(c.DB)
	case OurSteps, OurChainIndexer:
		backend, err = NewIndexWriter(c.DB)
	}
	if err != nil {
		return nil, err
	}
	var steps core.ChainIndexerBackend // run here, section by section
	if !chainIndexer {
		steps = backend
	}
	// One goroutine makes, hashes and stores the headers of a section while this
	// one runs the indexer over the previous section.
	stop := make(chan struct{})
	sections := make(chan []*types.Header, 2)
	produced := make(chan error, 1)
	go func() {
		defer close(sections)
		produced <- c.writeHeaders(opts.Headers, stop, sections)
	}()
	defer func() {
		close(stop)
		for range sections {
		}
		if perr := <-produced; perr != nil {
			err = perr // the root cause
		}
	}()
	progress := newProgress(opts.Progress, "building chain", opts.Sections)
	ctx := context.Background()
	var head *types.Header
	for headers := range sections {
		s := uint64(len(c.Heads))
		head = headers[SectionSize-1]
		c.Heads = append(c.Heads, head.Hash())
		if steps != nil {
			if err := IndexSection(ctx, steps, s, headers); err != nil {
				return nil, err
			}
		}
		progress.step(s + 1)
	}
	if uint64(len(c.Heads)) != opts.Sections {
		return nil, errors.New("e2e: the header writer stopped early")
	}
	if chainIndexer {
		var ci *core.ChainIndexer
		if opts.Indexer == GethChainIndexer {
			ci = core.NewBloomIndexer(c.DB, SectionSize, 0)
		} else {
			ci = core.NewChainIndexer(c.DB, rawdb.NewTable(c.DB, string(rawdb.BloomBitsIndexPrefix)),
				backend, SectionSize, 0, 0, "bloombits")
		}
		if err := runChainIndexer(ci, head, opts.Sections, opts.Progress); err != nil {
			return nil, err
		}
	}
	// Compact so that the benchmarks read a settled database (as a synced node's
	// is), not one still compacting in the background.
	if opts.Progress != nil {
		fmt.Fprintf(opts.Progress, "e2e: compacting the database (%.1fs so far)\n", time.Since(start).Seconds())
	}
	if err := c.DB.Compact(nil, nil); err != nil {
		return nil, err
	}
	c.BuildTime = time.Since(start)
	if opts.Progress != nil {
		fmt.Fprintf(opts.Progress, "e2e: chain of %d sections (%d blocks) built in %.1fs in %s\n",
			opts.Sections, opts.Sections*SectionSize, c.BuildTime.Seconds(), dir)
	}
	return c, nil
}

// writeHeaders makes the chain's headers section by section, stores their
// canonical hashes (and the headers if asked) and sends each section's headers.
func (c *Chain) writeHeaders(full bool, stop <-chan struct{}, out chan<- []*types.Header) error {
	batch := c.DB.NewBatchWithSize(1 << 20)
	var parent common.Hash
	for s := uint64(0); s < c.Sections; s++ {
		headers := makeSection(c.blooms, c.empty, s, parent)
		parent = headers[SectionSize-1].Hash()
		for i, h := range headers {
			hash := parent // each header's hash is the next one's parent
			if i+1 < SectionSize {
				hash = headers[i+1].ParentHash
			}
			rawdb.WriteCanonicalHash(batch, hash, h.Number.Uint64())
			if full {
				rawdb.WriteHeader(batch, h)
			}
			if batch.ValueSize() >= 1<<20 {
				if err := flush(batch); err != nil {
					return err
				}
			}
		}
		if err := flush(batch); err != nil {
			return err
		}
		select {
		case out <- headers:
		case <-stop:
			return nil
		}
	}
	return nil
}

// IndexSection runs a ChainIndexer backend over one section, as the
// ChainIndexer's processSection does.
func IndexSection(ctx context.Context, backend core.ChainIndexerBackend, section uint64, headers []*types.Header) error {
	if err := backend.Reset(ctx, section, headers[0].ParentHash); err != nil {
		return err
	}
	for _, h := range headers {
		if err := backend.Process(ctx, h); err != nil {
			return err
		}
	}
	return backend.Commit()
}

// SectionHeaders returns the headers of section s, as Build made them.
func (c *Chain) SectionHeaders(s uint64) []*types.Header {
	var parent common.Hash
	if s > 0 {
		parent = c.Heads[s-1]
	}
	return makeSection(c.blooms, c.empty, s, parent)
}

// MakeHeaders returns the headers of the first sections of a chain as Build makes
// it without EmptySections, with no database.
func MakeHeaders(all [][256]byte, sections uint64) [][]*types.Header {
	out := make([][]*types.Header, sections)
	var parent common.Hash
	for s := range out {
		out[s] = makeSection(all, 0, uint64(s), parent)
		parent = out[s][SectionSize-1].Hash()
	}
	return out
}

func makeSection(all [][256]byte, empty, s uint64, parent common.Hash) []*types.Header {
	headers := make([]*types.Header, SectionSize)
	for i := range headers {
		n := s*SectionSize + uint64(i)
		headers[i] = newHeader(bloom(all, empty, n), n, parent)
		parent = headers[i].Hash()
	}
	return headers
}

// OpenDB opens (or creates) a Pebble database in dir with go-ethereum's ethdb/pebble,
// as a node opens its chain database.
func OpenDB(dir string) (ethdb.Database, error) {
	kv, err := pebble.New(dir, pebbleCacheMB, pebbleHandles, "bloomsimd/e2e/", false)
	if err != nil {
		return nil, err
	}
	return rawdb.NewDatabase(kv), nil
}

func flush(b ethdb.Batch) error {
	if err := b.Write(); err != nil {
		return err
	}
	b.Reset()
	return nil
}

// Close closes the database and removes its directory.
func (c *Chain) Close() error {
	c.servers.stop()
	err := c.DB.Close()
	if rerr := os.RemoveAll(c.Dir); err == nil {
		err = rerr
	}
	return err
}

// NewGethIndexer returns the *core.BloomIndexer that core.NewBloomIndexer creates
// for db. go-ethereum exposes it only inside a ChainIndexer, whose fixed 100 ms
// pause between sections would dominate a benchmark, so it is taken out of the
// ChainIndexer's unexported backend field; the ChainIndexer is closed unused.
func NewGethIndexer(db ethdb.Database) (core.ChainIndexerBackend, error) {
	ci := core.NewBloomIndexer(db, SectionSize, 0)
	defer ci.Close()
	f := reflect.ValueOf(ci).Elem().FieldByName("backend")
	if !f.IsValid() {
		return nil, errors.New("e2e: core.ChainIndexer has no backend field")
	}
	backend, ok := reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem().Interface().(*core.BloomIndexer)
	if !ok || backend == nil {
		return nil, fmt.Errorf("e2e: core.NewBloomIndexer's backend is a %s, not a *core.BloomIndexer", f.Elem().Type())
	}
	return backend, nil
}

// progress prints "what: i/n" lines about every two seconds and at the end.
type progress struct {
	w     io.Writer
	what  string
	n     uint64
	start time.Time
	last  time.Time
}

func newProgress(w io.Writer, what string, n uint64) *progress {
	now := time.Now()
	return &progress{w: w, what: what, n: n, start: now, last: now}
}

func (p *progress) step(i uint64) {
	if p.w == nil || (i < p.n && time.Since(p.last) < 2*time.Second) {
		return
	}
	p.last = time.Now()
	fmt.Fprintf(p.w, "e2e: %s: %d/%d sections (%.1fs)\n", p.what, i, p.n, time.Since(p.start).Seconds())
}

// headChain is the chain a node's ChainIndexer follows: its current header, and
// head events (none here: the chain is complete before the indexer starts).
type headChain struct {
	head *types.Header
	feed event.Feed
}

func (h *headChain) CurrentHeader() *types.Header { return h.head }

func (h *headChain) SubscribeChainHeadEvent(ch chan<- core.ChainHeadEvent) event.Subscription {
	return h.feed.Subscribe(ch)
}

// runChainIndexer starts ci on the stored chain up to head as a node starts its
// bloom indexer (eth/backend.go; with 0 confirmations instead of
// params.BloomConfirms, so that the last section is indexed too), waits until it
// has stored every section and closes it.
func runChainIndexer(ci *core.ChainIndexer, head *types.Header, sections uint64, w io.Writer) error {
	defer ci.Close()
	ci.Start(&headChain{head: head})
	p := newProgress(w, "ChainIndexer", sections)
	deadline := time.Now().Add(30*time.Second + time.Duration(sections)*2*time.Second)
	for {
		stored, _, _ := ci.Sections()
		p.step(stored)
		if stored >= sections {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("e2e: the ChainIndexer stored %d of %d sections in time", stored, sections)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
