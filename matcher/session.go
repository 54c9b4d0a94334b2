package matcher

import (
	"context"
	"errors"
	"sync"
)

// A session's code, by concern:
//   - session.go: the session's state and lifecycle (Start, Error, Close).
//   - window.go: the sections in flight and their slots.
//   - evaluate.go: evaluating the sections whose vectors are in (and the
//     evaluation core Scan shares).
//   - emit.go: sending the matches in order.
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

	quit        chan struct{} // closed when the session stops early
	wake        chan struct{} // (buffered) the emitter has work
	emitterDone chan struct{}
	closeOnce   sync.Once
	stopCtx     func() bool

	mu       sync.Mutex
	cond     sync.Cond // on mu: a bit to hand out, allocs or busy reaching zero
	quitting bool      // quit is closed
	finished bool      // every section done and sent
	err      error

	win     window         // the sections in flight (window.go)
	queue   retrievalQueue // what retrievers are to fetch (queue.go)
	emitBuf []uint64       // the emitter's scratch (emit.go)
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
		m:           m,
		ctx:         ctx,
		results:     results,
		begin:       begin,
		end:         end,
		quit:        make(chan struct{}),
		wake:        make(chan struct{}, 1),
		emitterDone: make(chan struct{}),
		win:         newWindow(m, begin, end),
		queue:       newRetrievalQueue(len(m.bits)),
	}
	s.cond.L = &s.mu
	for _, sch := range m.caches {
		sch.reset()
	}
	go s.emitter()
	s.mu.Lock()
	s.advanceLocked()
	s.mu.Unlock()
	s.drain()
	if ctx != nil {
		s.stopCtx = context.AfterFunc(ctx, func() { s.fail(ctx.Err(), true) })
	}
	return s, nil
}

// Error returns the error that ended the session early: a retrieval's Error, a
// delivered vector of the wrong length (ErrVectorLength), a nil reply
// (ErrNilReply) or the cancellation of Start's context.
func (s *MatcherSession) Error() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Close stops the session and returns once its goroutine has exited and every
// retrieval handed out has been answered. It may be called more than once.
func (s *MatcherSession) Close() {
	s.closeOnce.Do(func() {
		if s.stopCtx != nil {
			s.stopCtx()
		}
		s.mu.Lock()
		s.quitLocked()
		for s.queue.allocs > 0 || s.win.busy > 0 {
			s.cond.Wait()
		}
		s.mu.Unlock()
		<-s.emitterDone
		// Nothing evaluates or emits now: the slots' buffers can serve other
		// sessions (late deliveries find no slot and only fill the cache).
		s.mu.Lock()
		s.win.releaseSlots()
		s.mu.Unlock()
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
	}
}

// endedLocked reports whether the session has stopped or sent its last match.
func (s *MatcherSession) endedLocked() bool { return s.quitting || s.finished }
