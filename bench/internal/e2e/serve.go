package e2e

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/common/bitutil"
	"github.com/ethereum/go-ethereum/core/bloombits"
	"github.com/ethereum/go-ethereum/core/rawdb"

	"github.com/bloomsimd/bloomsimd/bitops"
	"github.com/bloomsimd/bloomsimd/matcher"
)

// A node's bloom service (eth/bloombits.go, eth/api_backend.go).
const (
	ServiceThreads = 16               // bloomServiceThreads: server goroutines per node
	FilterThreads  = 3                // bloomFilterThreads: Multiplex goroutines per query
	RetrievalBatch = 16               // bloomRetrievalBatch
	RetrievalWait  = time.Duration(0) // bloomRetrievalWait
	ResultsBuffer  = 64               // eth/filters: matches channel of indexedLogs
)

// Session is what go-ethereum's and our MatcherSession offer a node's query.
// R is the session's Retrieval type.
type Session[R any] interface {
	Multiplex(batch int, wait time.Duration, mux chan chan *R)
	Close()
	Error() error
}

// Serve starts n goroutines answering the retrievals sent on mux with answer,
// the loop of eth/bloombits.go's startBloomHandlers, until quit is closed.
func Serve[R any](n int, mux chan chan *R, quit chan struct{}, wg *sync.WaitGroup, answer func(*R)) {
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-quit:
					return
				case request := <-mux:
					task := <-request
					answer(task)
					request <- task
				}
			}
		}()
	}
}

// Multiplex runs a log query's bloom stage as a go-ethereum node does
// (eth/filters.Filter.indexedLogs): start starts a session delivering into the
// channel it is given, FilterThreads Multiplex goroutines serve it through mux.
// It hands each match to emit.
func Multiplex[R any, S Session[R]](start func(results chan uint64) (S, error), mux chan chan *R, emit func(block uint64)) error {
	results := make(chan uint64, ResultsBuffer)
	session, err := start(results)
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	for range FilterThreads {
		wg.Add(1)
		go func() { defer wg.Done(); session.Multiplex(RetrievalBatch, RetrievalWait, mux) }()
	}
	for n := range results {
		emit(n)
	}
	session.Close()
	wg.Wait()
	return session.Error()
}

// MultiplexQuery is Multiplex appending the matches to dst.
func MultiplexQuery[R any, S Session[R]](start func(results chan uint64) (S, error), mux chan chan *R, dst []uint64) ([]uint64, error) {
	err := Multiplex(start, mux, func(n uint64) { dst = append(dst, n) })
	return dst, err
}

// servers are the node-wide bloom request servers of a Chain (ServiceThreads
// goroutines per request channel), started on first use and stopped by Close.
type servers struct {
	once sync.Once
	quit chan struct{}
	wg   sync.WaitGroup
	geth chan chan *bloombits.Retrieval
	ours chan chan *matcher.Retrieval
	// reads counts the vectors the go-ethereum-style servers (geth, ours) read:
	// one point lookup each.
	reads atomic.Uint64

	mu     sync.Mutex
	dropin map[matcher.Source]chan chan *matcher.Retrieval // matcher.ServeRetrievals per Source
	bridge map[matcher.Source]chan chan *bloombits.Retrieval
}

func (c *Chain) serve() *servers {
	s := &c.servers
	s.once.Do(func() {
		s.quit = make(chan struct{})
		s.geth = make(chan chan *bloombits.Retrieval)
		s.ours = make(chan chan *matcher.Retrieval)
		Serve(ServiceThreads, s.geth, s.quit, &s.wg, func(task *bloombits.Retrieval) {
			task.Bitsets, task.Error = c.readBitsets(task.Bit, task.Sections, bitutil.DecompressBytes)
		})
		Serve(ServiceThreads, s.ours, s.quit, &s.wg, func(task *matcher.Retrieval) {
			task.Bitsets, task.Error = c.readBitsets(task.Bit, task.Sections, bitops.DecompressBytes)
		})
	})
	return s
}

// dropIn returns the request channel of matcher.ServeRetrievals serving src
// with ServiceThreads goroutines, as a node would start it in place of
// startBloomHandlers, starting it on first use.
func (c *Chain) dropIn(src matcher.Source) chan chan *matcher.Retrieval {
	s := c.serve()
	s.mu.Lock()
	defer s.mu.Unlock()
	if mux, ok := s.dropin[src]; ok {
		return mux
	}
	if s.dropin == nil {
		s.dropin = map[matcher.Source]chan chan *matcher.Retrieval{}
	}
	mux := make(chan chan *matcher.Retrieval)
	matcher.ServeRetrievals(mux, s.quit, ServiceThreads, SectionSize, src)
	s.dropin[src] = mux
	return mux
}

// gethBridge returns a request channel of go-ethereum's type whose requests
// ServiceThreads goroutines forward to matcher.ServeRetrievals over src.
func (c *Chain) gethBridge(src matcher.Source) chan chan *bloombits.Retrieval {
	ours := c.dropIn(src)
	s := c.serve()
	s.mu.Lock()
	defer s.mu.Unlock()
	if mux, ok := s.bridge[src]; ok {
		return mux
	}
	if s.bridge == nil {
		s.bridge = map[matcher.Source]chan chan *bloombits.Retrieval{}
	}
	mux := make(chan chan *bloombits.Retrieval)
	Serve(ServiceThreads, mux, s.quit, &s.wg, func(task *bloombits.Retrieval) {
		request := make(chan *matcher.Retrieval)
		select {
		case ours <- request:
		case <-s.quit:
			task.Error = errors.New("e2e: servers stopped")
			return
		}
		request <- &matcher.Retrieval{Bit: task.Bit, Sections: task.Sections, Context: task.Context}
		reply := <-request
		task.Bitsets, task.Error = reply.Bitsets, reply.Error
	})
	s.bridge[src] = mux
	return mux
}

func (s *servers) stop() {
	if s.quit != nil {
		close(s.quit)
		s.wg.Wait()
		s.quit = nil
	}
}

// readBitsets reads the vectors of bit for sections as eth/bloombits.go's
// servers do, decompressing with decompress; an unreadable vector is left nil
// and its error returned.
func (c *Chain) readBitsets(bit uint, sections []uint64, decompress func([]byte, int) ([]byte, error)) ([][]byte, error) {
	c.servers.reads.Add(uint64(len(sections)))
	bitsets := make([][]byte, len(sections))
	var failed error
	for i, section := range sections {
		head := rawdb.ReadCanonicalHash(c.DB, (section+1)*SectionSize-1)
		compVector, err := rawdb.ReadBloomBits(c.DB, bit, section, head)
		if err == nil {
			bitsets[i], err = decompress(compVector, int(SectionSize/8))
		}
		if err != nil {
			bitsets[i], failed = nil, err
		}
	}
	return bitsets, failed
}

// ServerReads returns how many vectors the Chain's go-ethereum-style servers
// (GethQuery's and OurMultiplexQuery's) have read so far, each with one point
// lookup, as eth/bloombits.go reads them.
func (c *Chain) ServerReads() uint64 { return c.servers.reads.Load() }

// Geth runs a log query's bloom stage with a fresh go-ethereum Matcher on the
// Chain's node servers, handing each matching block of [begin, end] to emit.
func (c *Chain) Geth(ctx context.Context, filters [][][]byte, begin, end uint64, emit func(block uint64)) error {
	start := func(results chan uint64) (*bloombits.MatcherSession, error) {
		return bloombits.NewMatcher(SectionSize, filters).Start(ctx, begin, end, results)
	}
	return Multiplex(start, c.serve().geth, emit)
}

// GethQuery is Geth appending the matching blocks to dst.
func (c *Chain) GethQuery(ctx context.Context, filters [][][]byte, begin, end uint64, dst []uint64) ([]uint64, error) {
	err := c.Geth(ctx, filters, begin, end, func(n uint64) { dst = append(dst, n) })
	return dst, err
}

// GethOnOurServerQuery is GethQuery with go-ethereum's Matcher asking
// matcher.ServeRetrievals over src (through a bridge between the two Retrieval
// types): our server speaking go-ethereum's own protocol.
func (c *Chain) GethOnOurServerQuery(ctx context.Context, src matcher.Source, filters [][][]byte, begin, end uint64, dst []uint64) ([]uint64, error) {
	start := func(results chan uint64) (*bloombits.MatcherSession, error) {
		return bloombits.NewMatcher(SectionSize, filters).Start(ctx, begin, end, results)
	}
	return MultiplexQuery(start, c.gethBridge(src), dst)
}

// DropInQuery is the bloom stage of a node with go-ethereum's core/bloombits
// swapped for our matcher and startBloomHandlers for matcher.ServeRetrievals
// over src: the node's query code (MultiplexQuery) unchanged.
func (c *Chain) DropInQuery(ctx context.Context, src matcher.Source, filters [][][]byte, begin, end uint64, dst []uint64) ([]uint64, error) {
	err := DropInOn(ctx, c.dropIn(src), filters, begin, end, func(n uint64) { dst = append(dst, n) })
	return dst, err
}

// DropInOn is DropInQuery on retrieval servers of the caller's (those
// answering requests: matcher.ServeRetrievals over a shared scheduler, say),
// handing each matching block to emit.
func DropInOn(ctx context.Context, requests chan chan *matcher.Retrieval, filters [][][]byte, begin, end uint64, emit func(block uint64)) error {
	start := func(results chan uint64) (*matcher.MatcherSession, error) {
		return matcher.NewMatcher(SectionSize, filters).Start(ctx, begin, end, results)
	}
	return Multiplex(start, requests, emit)
}

// OurMultiplexQuery is GethQuery with our Matcher: same session protocol, same
// servers, our decompression.
func (c *Chain) OurMultiplexQuery(ctx context.Context, filters [][][]byte, begin, end uint64, dst []uint64) ([]uint64, error) {
	start := func(results chan uint64) (*matcher.MatcherSession, error) {
		return matcher.NewMatcher(SectionSize, filters).Start(ctx, begin, end, results)
	}
	return MultiplexQuery(start, c.serve().ours, dst)
}
