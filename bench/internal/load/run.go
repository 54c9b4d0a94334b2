package load

import (
	"context"
	"fmt"
	"runtime/metrics"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Func runs one query's bloom stage, appending the matching blocks to dst (the
// consumer of the matches) and returning it.
type Func func(ctx context.Context, q Query, dst []uint64) ([]uint64, error)

// Answer is what a query returned, in short: the number of blocks and a hash
// of the list, checked against a reference after the run.
type Answer struct {
	Blocks int
	Hash   uint64
}

// AnswerOf returns the Answer of blocks: their number and a hash of the list
// (FNV-1a over the numbers).
func AnswerOf(blocks []uint64) Answer {
	h := uint64(14695981039346656037)
	for _, n := range blocks {
		h = (h ^ n) * 1099511628211
	}
	return Answer{len(blocks), h}
}

// Result is what Run measured.
type Result struct {
	Elapsed   time.Duration   // wall time of all the queries
	Latencies []time.Duration // per query, in query order
	Answers   []Answer        // per query, in query order
	// PeakHeap is the most heap bytes in objects (live or not yet swept) seen
	// during the run (run a GC before), less the clients' match buffers: what
	// the node and its query path hold.
	PeakHeap uint64
}

// Percentile returns the p-th percentile (0 < p <= 1) of the latencies, by the
// nearest-rank method.
func (r *Result) Percentile(p float64) time.Duration {
	if len(r.Latencies) == 0 {
		return 0
	}
	sorted := slices.Clone(r.Latencies)
	slices.Sort(sorted)
	rank := int(p*float64(len(sorted))+0.999999) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}

// sampleEvery is how often Run samples the heap (and the caller's probe).
const sampleEvery = 2 * time.Millisecond

// Run runs queries through run from clients goroutines at once, each taking
// the next query not yet taken, as soon as its previous one is answered. Each
// client collects the matches into one buffer, allocated before the run with
// room for maxBlocks (the largest answer), so that the run measures the query
// paths, not the growth of their consumers' buffers. probe,
// if not nil, is called every sampleEvery during the run and once at its end
// (to watch a cache's size); its error fails the run. The first error of a
// query stops the others and is returned.
func Run(ctx context.Context, clients int, queries []Query, maxBlocks int, run Func, probe func() error) (*Result, error) {
	if clients < 1 {
		return nil, fmt.Errorf("load: %d clients", clients)
	}
	res := &Result{Latencies: make([]time.Duration, len(queries)), Answers: make([]Answer, len(queries))}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	stopSampling := make(chan struct{})
	sampled := make(chan error, 1)
	go func() { sampled <- sample(stopSampling, &res.PeakHeap, probe) }()

	dsts := make([][]uint64, clients)
	for i := range dsts {
		dsts[i] = make([]uint64, 0, maxBlocks)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for _, dst := range dsts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(queries) || ctx.Err() != nil {
					return
				}
				t0 := time.Now()
				var err error
				if dst, err = run(ctx, queries[i], dst[:0]); err != nil {
					cancel(fmt.Errorf("load: query %d (%+v): %w", i, queries[i], err))
					return
				}
				res.Latencies[i] = time.Since(t0)
				res.Answers[i] = AnswerOf(dst)
			}
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	close(stopSampling)
	if err := <-sampled; err != nil {
		return nil, err
	}
	res.PeakHeap -= min(res.PeakHeap, uint64(clients*maxBlocks*8))
	if ctx.Err() != nil {
		return nil, context.Cause(ctx)
	}
	return res, nil
}

// sample records the peak of the heap's object bytes into peak and calls probe,
// every sampleEvery until stop is closed, then once more.
func sample(stop <-chan struct{}, peak *uint64, probe func() error) error {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	tick := time.NewTicker(sampleEvery)
	defer tick.Stop()
	for {
		metrics.Read(s)
		*peak = max(*peak, s[0].Value.Uint64())
		if probe != nil {
			if err := probe(); err != nil {
				return err
			}
		}
		select {
		case <-stop:
			metrics.Read(s)
			*peak = max(*peak, s[0].Value.Uint64())
			if probe != nil {
				return probe()
			}
			return nil
		case <-tick.C:
		}
	}
}
