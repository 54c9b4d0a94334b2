package matcher

import "github.com/bloomsimd/bloomsimd/scheduler"

// Retrieval is go-ethereum's core/bloombits.Retrieval: scheduler.Retrieval.
type Retrieval = scheduler.Retrieval

// ServeRetrievals is scheduler.ServeRetrievals, kept here for code written
// against go-ethereum's core/bloombits names: it answers the Retrievals of
// Multiplex from src with threads goroutines until quit is closed.
func ServeRetrievals(requests chan chan *Retrieval, quit <-chan struct{}, threads int, sectionSize uint64, src Source) {
	scheduler.ServeRetrievals(requests, quit, threads, sectionSize, src)
}
