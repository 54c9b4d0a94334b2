package matcher

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

func vectorOf(section uint64) []byte {
	return binary.BigEndian.AppendUint64(nil, section)
}

// cached returns the delivered vector of section, if any.
func (s *bitCache) cached(section uint64) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, mask := s.page(section, false), uint64(1)<<(section%pageSize)
	if p == nil || p.delivered&mask == 0 {
		return nil, false
	}
	return p.data[section%pageSize], true
}

// Many requesters ask for the same sections while many fetchers deliver them,
// with repeated and unasked deliveries: every section is stored exactly once,
// and every requester finally finds every vector.
func TestBitCacheClientsFetchers(t *testing.T) {
	requests := 5000
	if testing.Short() {
		requests = 1000
	}
	for _, c := range []struct{ clients, fetchers int }{{1, 1}, {1, 10}, {10, 1}, {10, 10}} {
		t.Run(fmt.Sprintf("clients=%d/fetchers=%d", c.clients, c.fetchers), func(t *testing.T) {
			t.Parallel()
			testBitCache(t, c.clients, c.fetchers, requests)
		})
	}
}

func testBitCache(t *testing.T, clients, fetchers, requests int) {
	s := new(bitCache)
	fetch := make(chan uint64, 16)
	var stored atomic.Int64
	var fetchWG sync.WaitGroup
	for range fetchers {
		fetchWG.Add(1)
		go func() {
			defer fetchWG.Done()
			for section := range fetch {
				// Also deliver a section nobody asked for and a duplicate: both ignored.
				unasked := section + uint64(requests)
				stored.Add(int64(s.deliver([]uint64{unasked, section, section},
					[][]byte{{0xff}, vectorOf(section), {0xee}})))
			}
		}()
	}
	var clientWG sync.WaitGroup
	for range clients {
		clientWG.Add(1)
		go func() {
			defer clientWG.Done()
			var cached [16][]byte
			sections := make([]uint64, len(cached))
			for j := 0; j < requests; j += len(cached) {
				n := min(len(cached), requests-j)
				for i := range n {
					sections[i] = uint64(j + i)
				}
				s.requestAll(sections[:n], cached[:n])
				for i := range n {
					if cached[i] == nil {
						fetch <- sections[i]
					} else if want := vectorOf(sections[i]); !bytes.Equal(cached[i], want) {
						t.Errorf("section %d: got %x, want %x", sections[i], cached[i], want)
					}
				}
			}
		}()
	}
	clientWG.Wait()
	close(fetch)
	fetchWG.Wait()
	if got := stored.Load(); got != int64(requests) {
		t.Errorf("stored %d vectors, want %d", got, requests)
	}
	for j := range requests {
		if v, ok := s.cached(uint64(j)); !ok || !bytes.Equal(v, vectorOf(uint64(j))) {
			t.Fatalf("section %d: cached %x, %v", j, v, ok)
		}
	}
	if _, ok := s.cached(uint64(requests)); ok {
		t.Error("an unasked section was stored")
	}
}

func TestBitCacheRequestDeliverReset(t *testing.T) {
	s := new(bitCache)
	var cached [2][]byte
	s.requestAll([]uint64{1, 2}, cached[:])
	if cached[0] != nil || cached[1] != nil {
		t.Fatalf("first request: cached %x", cached)
	}
	if n := s.deliver([]uint64{1, 5}, [][]byte{{0xaa}, {0xbb}}); n != 1 {
		t.Fatalf("deliver stored %d, want 1 (section 5 was not requested)", n)
	}
	if n := s.deliver([]uint64{1}, [][]byte{{0xcc}}); n != 0 {
		t.Fatalf("a repeated delivery stored %d, want 0", n)
	}
	if data, ok := s.cached(1); !ok || !bytes.Equal(data, []byte{0xaa}) {
		t.Fatalf("cached(1) = %x, %v", data, ok)
	}
	if _, ok := s.cached(5); ok {
		t.Fatal("unrequested section 5 cached")
	}
	if _, ok := s.cached(2); ok {
		t.Fatal("undelivered section 2 cached")
	}
	// reset keeps delivered section 1 and drops the request of section 2.
	s.reset()
	if n := s.deliver([]uint64{2}, [][]byte{{0x02}}); n != 0 {
		t.Fatalf("deliver after reset stored %d, want 0 (the request was dropped)", n)
	}
	s.requestAll([]uint64{1, 2}, cached[:])
	if !bytes.Equal(cached[0], []byte{0xaa}) || cached[1] != nil {
		t.Fatalf("after reset, requestAll = %x, want [aa, nil]", cached)
	}
	// Shorter data than sections: the extra sections stay undelivered.
	s.requestAll([]uint64{3}, cached[:1])
	if n := s.deliver([]uint64{2, 3}, [][]byte{{0x01}}); n != 1 {
		t.Fatalf("deliver stored %d, want 1", n)
	}
	if _, ok := s.cached(3); ok {
		t.Fatal("section 3 cached without data")
	}
}
