package e2e

import (
	"context"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common/bitutil"
	"github.com/ethereum/go-ethereum/core/bloombits"
	"github.com/ethereum/go-ethereum/core/rawdb"
)

// A node's bloom service (eth/bloombits.go, eth/api_backend.go).
const (
	ServiceThreads = 16               // bloomServiceThreads: server goroutines per node
	FilterThreads  = 3                // bloomFilterThreads: Multiplex goroutines per query
	RetrievalBatch = 16               // bloomRetrievalBatch
	RetrievalWait  = time.Duration(0) // bloomRetrievalWait
	ResultsBuffer  = 64               // eth/filters: matches channel of indexedLogs
)

// servers are the node-wide bloom request servers of a Chain (ServiceThreads
// goroutines per request channel), started on first use and stopped by Close.
type servers struct {
	once sync.Once
	quit chan struct{}
	wg   sync.WaitGroup
	geth chan chan *bloombits.Retrieval
	ours ourRequests
}

func (c *Chain) serve() *servers {
	s := &c.servers
	s.once.Do(func() {
		s.quit = make(chan struct{})
		s.geth = make(chan chan *bloombits.Retrieval)
		s.ours = make(ourRequests)
		for range ServiceThreads {
			s.wg.Add(2)
			go func() { defer s.wg.Done(); c.serveGeth(s.quit, s.geth) }()
			go func() { defer s.wg.Done(); c.serveOurs(s.quit, s.ours) }()
		}
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

// serveGeth is eth/bloombits.go's startBloomHandlers goroutine.
func (c *Chain) serveGeth(quit chan struct{}, requests chan chan *bloombits.Retrieval) {
	for {
		select {
		case <-quit:
			return
		case request := <-requests:
			task := <-request
			task.Bitsets = make([][]byte, len(task.Sections))
			for i, section := range task.Sections {
				head := rawdb.ReadCanonicalHash(c.DB, (section+1)*SectionSize-1)
				if compVector, err := rawdb.ReadBloomBits(c.DB, task.Bit, section, head); err == nil {
					if blob, err := bitutil.DecompressBytes(compVector, int(SectionSize/8)); err == nil {
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
}

// GethQuery runs a log query's bloom stage as a go-ethereum node does
// (eth/filters.Filter.indexedLogs): a fresh bloombits.Matcher, a session served by
// FilterThreads Multiplex goroutines on the node's servers. It appends the
// matching blocks of [begin, end] to dst.
func (c *Chain) GethQuery(ctx context.Context, filters [][][]byte, begin, end uint64, dst []uint64) ([]uint64, error) {
	srv := c.serve()
	m := bloombits.NewMatcher(SectionSize, filters)
	matches := make(chan uint64, ResultsBuffer)
	session, err := m.Start(ctx, begin, end, matches)
	if err != nil {
		return dst, err
	}
	defer session.Close()
	for range FilterThreads {
		go session.Multiplex(RetrievalBatch, RetrievalWait, srv.geth)
	}
	for n := range matches {
		dst = append(dst, n)
	}
	return dst, session.Error()
}
