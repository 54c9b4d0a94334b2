package matcher

import (
	"context"
	"errors"
	"sync"
)

// A session's code, by concern:
//   - session.go: the session's state and lifecycle (Start, Error, Close) and
//     its runner, which is Scan over the session's feed.
//   - feed.go: the feed, the Source that the session's retrievals fill.
//   - queue.go, retrieve.go: the retrieval queue and the exported retrieval
//     steps (AllocateRetrieval, PendingSections, AllocateSections,
//     DeliverSections).
//   - multiplex.go: Multiplex, go-ethereum's retrieval hand-shake.

// MatcherSession is one running match over a block range, started by
// Matcher.Start.
type MatcherSession struct {
	m          *Matcher
	ctx        context.Context
	results    chan uint64
	begin, end uint64

	quit       chan struct{} // closed when the session stops early
	runnerDone chan struct{}
	closeOnce  sync.Once
	stopCtx    func() bool

	mu       sync.Mutex
	cond     sync.Cond // on mu: a bit to hand out, allocs reaching zero, the end
	quitting bool      // quit is closed
	finished bool      // every section done and sent
	err      error

	feed  feed           // the vectors asked for and delivered (feed.go)
	queue retrievalQueue // what retrievers are to fetch (queue.go)
}

// Start begins matching blocks begin..end (inclusive). Matches are sent to
// results in ascending order, each once; results is closed when the range is
// done, when the session fails (see Error) or is closed, or when ctx is
// cancelled. Vectors are asked for through Multiplex (or AllocateRetrieval and
// friends). A begin after end gives a session that sends nothing. A section
// size the matcher cannot work with is an error wrapping ErrSectionSize.
//
// Sessions of one Matcher may run at the same time, sharing its cache of
// delivered vectors. Only calls of Start itself must not overlap: a Start while
// another is setting up its session fails with "matcher already running" (as in
// go-ethereum, whose guard also ends when Start returns). Each Start forgets the
// requests the running sessions have not had answered yet, so their answers,
// when they come, serve those sessions but are not cached for later ones.
func (m *Matcher) Start(ctx context.Context, begin, end uint64, results chan uint64) (*MatcherSession, error) {
	if m.running.Swap(true) {
		return nil, errRunning
	}
	defer m.running.Store(false)
	if err := m.checkSectionSize(); err != nil {
		return nil, err
	}
	if results == nil {
		return nil, errors.New("matcher: nil results channel")
	}
	s := &MatcherSession{
		m:          m,
		ctx:        ctx,
		results:    results,
		begin:      begin,
		end:        end,
		quit:       make(chan struct{}),
		runnerDone: make(chan struct{}),
		queue:      newRetrievalQueue(len(m.bits)),
	}
	s.cond.L = &s.mu
	s.feed.init(s)
	for i := range m.caches {
		m.caches[i].reset()
	}
	s.mu.Lock()
	s.feed.prefetchLocked(0)
	s.mu.Unlock()
	go s.run()
	if ctx != nil {
		s.stopCtx = context.AfterFunc(ctx, func() { s.fail(ctx.Err(), true) })
	}
	return s, nil
}

// run is the session's evaluation: Scan over the feed, sending the matches to
// results, which it closes at the end.
func (s *MatcherSession) run() {
	defer close(s.runnerDone)
	defer close(s.results)
	var err error
	if s.begin <= s.end {
		ctx := s.ctx
		if ctx == nil {
			ctx = context.Background()
		}
		err = s.m.Scan(ctx, s.begin, s.end, &s.feed, s.send)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.feed.releaseLocked()
	switch {
	case s.quitting: // the feed fails only once the session has stopped
	case err != nil: // ctx was cancelled, and its AfterFunc has not run yet
		s.err = err
		s.quitLocked()
	default:
		s.finished = true
		s.cond.Broadcast()
	}
}

// send sends block to results, and reports false if the session stopped first.
func (s *MatcherSession) send(block uint64) bool {
	select {
	case s.results <- block: // the common case, without a two-way select
		return true
	default:
	}
	select {
	case s.results <- block:
		return true
	case <-s.quit:
		return false
	}
}

// Error returns the error that ended the session early: a retrieval's Error, a
// delivered vector of the wrong length (ErrVectorLength), a nil reply
// (ErrNilReply) or the cancellation of Start's context.
func (s *MatcherSession) Error() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Close stops the session and returns once its goroutines have exited and every
// retrieval handed out has been answered. It may be called more than once.
func (s *MatcherSession) Close() {
	s.closeOnce.Do(func() {
		if s.stopCtx != nil {
			s.stopCtx()
		}
		s.mu.Lock()
		s.quitLocked()
		for s.queue.allocs > 0 {
			s.cond.Wait()
		}
		s.mu.Unlock()
		<-s.runnerDone
	})
}

// fail ends the session with err. A cancellation (ctxErr) after the last match
// was sent is not a failure.
func (s *MatcherSession) fail(err error, ctxErr bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ctxErr && s.finished {
		return
	}
	if s.err == nil {
		s.err = err
	}
	s.quitLocked()
}

func (s *MatcherSession) quitLocked() {
	if !s.quitting {
		s.quitting = true
		close(s.quit)
		s.cond.Broadcast()
		s.feed.stopLocked()
	}
}

// endedLocked reports whether the session has stopped or sent its last match.
func (s *MatcherSession) endedLocked() bool { return s.quitting || s.finished }
