package scheduler

// Stats are a Scheduler's counters since New, for a node's metrics. Sections
// are counted per request: a request for a run of n sections adds n to Hits
// and Misses together.
type Stats struct {
	Hits         int64 // sections served from the cache
	Misses       int64 // sections not in the cache (Shared of them joined a read in flight)
	Shared       int64 // sections served by a read another request started
	Reads        int64 // Source.Bitsets calls
	ReadSections int64 // sections those calls read
	Failures     int64 // reads that failed (error, panic, wrong length, cancellation)
	Evictions    int64 // vectors evicted from the cache
	Invalidated  int64 // vectors dropped by Invalidate
	Bytes        int64 // the cache's size now, entry overhead included
	Entries      int64 // vectors cached now
	Budget       int64 // the cache's budget (Config.CacheBytes)
}

// Stats returns the counters now. It takes only the cache's lock, which no
// cache hit takes, so a node's metrics poll does not stall its queries.
func (s *Scheduler) Stats() Stats {
	s.cacheMu.Lock()
	bytes, entries, evictions := s.cache.bytes(), int64(s.cache.count), s.cache.evictions
	s.cacheMu.Unlock()
	return Stats{
		Hits:         s.hits.Load(),
		Misses:       s.misses.Load(),
		Shared:       s.shared.Load(),
		Reads:        s.readCalls.Load(),
		ReadSections: s.readSections.Load(),
		Failures:     s.failures.Load(),
		Evictions:    evictions,
		Invalidated:  s.invalidated.Load(),
		Bytes:        bytes,
		Entries:      entries,
		Budget:       s.cache.budget,
	}
}
