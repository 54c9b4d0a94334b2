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

// Func runs one query's bloom stage, handing each matching block, in
// ascending order, to t (t.Add, or t.Next where a callback may stop early): the
// consumer of the matches, which keeps only a running summary (a client's
// buffer of a query's matches would be a cache miss per match, the same cost on
// every path, and measure the consumer).
type Func func(ctx context.Context, q Query, t *Tally) error

// Answer is what a query returned, in short: the number of blocks, a sum of
// their mixed numbers (a hash of the set), and whether any came out of strictly
// ascending order; for ordered lists, equal Answers mean equal lists but for a
// 2^-64 chance.
type Answer struct {
	Blocks     int
	Sum        uint64
	OutOfOrder bool
}

// Tally builds an Answer from the blocks of one query, one at a time; its zero
// value has seen none. Unlike a hash chain, its sum has no serial dependency
// from block to block.
type Tally struct {
	Answer
	last uint64
}

// Add counts the next block.
func (t *Tally) Add(block uint64) {
	if t.Blocks > 0 && block <= t.last {
		t.OutOfOrder = true
	}
	t.last = block
	t.Blocks++
	t.Sum += mix(block)
}

// Next is Add as a callback that never asks to stop (Matcher.Scan's emit).
func (t *Tally) Next(block uint64) bool {
	t.Add(block)
	return true
}

// mix is splitmix64's finalizer: every input bit affects every output bit.
func mix(x uint64) uint64 {
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// AnswerOf returns the Answer of blocks.
func AnswerOf(blocks []uint64) Answer {
	var t Tally
	for _, n := range blocks {
		t.Add(n)
	}
	return t.Answer
}

// Result is what Run measured.
type Result struct {
	Elapsed   time.Duration   // wall time of all the queries
	Latencies []time.Duration // per query, in query order
	Answers   []Answer        // per query, in query order
	// PeakHeap is the most heap bytes in objects (live or not yet swept) seen
	// during the run (run a GC before): what the node and its query path hold.
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
// client tallies the matches of a query into its Answer. probe,
// if not nil, is called every sampleEvery during the run and once at its end
// (to watch a cache's size); its error fails the run. The first error of a
// query stops the others and is returned.
func Run(ctx context.Context, clients int, queries []Query, run Func, probe func() error) (*Result, error) {
	if clients < 1 {
		return nil, fmt.Errorf("load: %d clients", clients)
	}
	res := &Result{Latencies: make([]time.Duration, len(queries)), Answers: make([]Answer, len(queries))}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	stopSampling := make(chan struct{})
	sampled := make(chan error, 1)
	go func() { sampled <- sample(stopSampling, &res.PeakHeap, probe) }()

	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var tally Tally
			for {
				i := int(next.Add(1) - 1)
				if i >= len(queries) || ctx.Err() != nil {
					return
				}
				tally = Tally{}
				t0 := time.Now()
				if err := run(ctx, queries[i], &tally); err != nil {
					cancel(fmt.Errorf("load: query %d (%+v): %w", i, queries[i], err))
					return
				}
				res.Latencies[i] = time.Since(t0)
				res.Answers[i] = tally.Answer
			}
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	close(stopSampling)
	if err := <-sampled; err != nil {
		return nil, err
	}
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
