package e2e

import (
	"context"
	"sync"
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

// MultiplexQuery runs a log query's bloom stage as a go-ethereum node does
// (eth/filters.Filter.indexedLogs): start starts a session delivering into the
// channel it is given, FilterThreads Multiplex goroutines serve it through mux.
// It appends the matches to dst.
func MultiplexQuery[R any, S Session[R]](start func(results chan uint64) (S, error), mux chan chan *R, dst []uint64) ([]uint64, error) {
	results := make(chan uint64, ResultsBuffer)
	session, err := start(results)
	if err != nil {
		return dst, err
	}
	var wg sync.WaitGroup
	for range FilterThreads {
		wg.Add(1)
		go func() { defer wg.Done(); session.Multiplex(RetrievalBatch, RetrievalWait, mux) }()
	}
	for n := range results {
		dst = append(dst, n)
	}
	session.Close()
	wg.Wait()
	return dst, session.Error()
}

// servers are the node-wide bloom request servers of a Chain (ServiceThreads
// goroutines per request channel), started on first use and stopped by Close.
type servers struct {
	once sync.Once
	quit chan struct{}
	wg   sync.WaitGroup
	geth chan chan *bloombits.Retrieval
	ours chan chan *matcher.Retrieval
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

// GethQuery runs a log query's bloom stage with a fresh go-ethereum Matcher on
// the Chain's node servers, appending the matching blocks of [begin, end] to dst.
func (c *Chain) GethQuery(ctx context.Context, filters [][][]byte, begin, end uint64, dst []uint64) ([]uint64, error) {
	start := func(results chan uint64) (*bloombits.MatcherSession, error) {
		return bloombits.NewMatcher(SectionSize, filters).Start(ctx, begin, end, results)
	}
	return MultiplexQuery(start, c.serve().geth, dst)
}

// OurMultiplexQuery is GethQuery with our Matcher: same session protocol, same
// servers, our decompression.
func (c *Chain) OurMultiplexQuery(ctx context.Context, filters [][][]byte, begin, end uint64, dst []uint64) ([]uint64, error) {
	start := func(results chan uint64) (*matcher.MatcherSession, error) {
		return matcher.NewMatcher(SectionSize, filters).Start(ctx, begin, end, results)
	}
	return MultiplexQuery(start, c.serve().ours, dst)
}
