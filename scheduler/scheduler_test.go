package scheduler

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

// Many requesters ask for the same sections while many fetchers serve them:
// every section is fetched exactly once and every requester gets every vector,
// in the order it asked.
func TestSchedulerClientsFetchers(t *testing.T) {
	requests := 5000
	if testing.Short() {
		requests = 1000
	}
	for _, c := range []struct{ clients, fetchers int }{{1, 1}, {1, 10}, {10, 1}, {10, 10}} {
		t.Run(fmt.Sprintf("clients=%d/fetchers=%d", c.clients, c.fetchers), func(t *testing.T) {
			t.Parallel()
			testScheduler(t, c.clients, c.fetchers, requests)
		})
	}
}

func testScheduler(t *testing.T, clients, fetchers, requests int) {
	s := New(7)
	fetch := make(chan Request, 16)
	var fetched atomic.Int64
	var fetchWG sync.WaitGroup
	for range fetchers {
		fetchWG.Add(1)
		go func() {
			defer fetchWG.Done()
			for req := range fetch {
				if req.Bit != 7 {
					t.Errorf("fetch for bit %d, want 7", req.Bit)
				}
				fetched.Add(1)
				// Also deliver a section nobody asked for and a duplicate: both ignored.
				unasked := req.Section + uint64(requests)
				s.Deliver([]uint64{unasked, req.Section, req.Section},
					[][]byte{{0xff}, vectorOf(req.Section), {0xee}})
			}
		}()
	}
	quit := make(chan struct{})
	var clientWG sync.WaitGroup
	for range clients {
		clientWG.Add(1)
		go func() {
			defer clientWG.Done()
			in := make(chan uint64, 16)
			out := make(chan []byte, 16)
			go s.Run(in, fetch, out, quit)
			go func() {
				for j := range requests {
					in <- uint64(j)
				}
				close(in)
			}()
			j := 0
			for v := range out {
				if want := vectorOf(uint64(j)); !bytes.Equal(v, want) {
					t.Errorf("result %d: got %x, want %x", j, v, want)
				}
				j++
			}
			if j != requests {
				t.Errorf("got %d results, want %d", j, requests)
			}
		}()
	}
	clientWG.Wait()
	close(fetch)
	fetchWG.Wait()
	close(quit)
	if got := fetched.Load(); got != int64(requests) {
		t.Errorf("fetched %d vectors, want %d", got, requests)
	}
}

func TestSchedulerRequestDeliverReset(t *testing.T) {
	s := New(3)
	if s.Bit() != 3 {
		t.Fatalf("Bit() = %d", s.Bit())
	}
	if _, ok, first := s.Request(1); ok || !first {
		t.Fatalf("first request: ok=%v first=%v", ok, first)
	}
	if _, ok, first := s.Request(1); ok || first {
		t.Fatalf("second request: ok=%v first=%v", ok, first)
	}
	s.Request(2)
	done1, done2 := s.Done(1), s.Done(2)
	if s.Done(9) != nil {
		t.Fatal("Done of an unrequested section is not nil")
	}
	if n := s.Deliver([]uint64{1, 5}, [][]byte{{0xaa}, {0xbb}}); n != 1 {
		t.Fatalf("Deliver stored %d, want 1 (section 5 was not requested)", n)
	}
	select {
	case <-done1:
	default:
		t.Fatal("Done(1) not closed after delivery")
	}
	select {
	case <-done2:
		t.Fatal("Done(2) closed without delivery")
	default:
	}
	if data, ok := s.Cached(1); !ok || !bytes.Equal(data, []byte{0xaa}) {
		t.Fatalf("Cached(1) = %x, %v", data, ok)
	}
	if _, ok := s.Cached(5); ok {
		t.Fatal("unrequested section 5 cached")
	}
	// Reset keeps delivered section 1 and drops undelivered section 2.
	s.Reset()
	if data, ok, first := s.Request(1); !ok || first || !bytes.Equal(data, []byte{0xaa}) {
		t.Fatalf("after Reset, Request(1) = %x ok=%v first=%v", data, ok, first)
	}
	if _, ok, first := s.Request(2); ok || !first {
		t.Fatalf("after Reset, Request(2): ok=%v first=%v, want a new first request", ok, first)
	}
	// A delivery after Done was taken on a delivered entry returns a closed channel.
	select {
	case <-s.Done(1):
	default:
		t.Fatal("Done of a delivered section not closed")
	}
	// Shorter data than sections: the extra sections stay undelivered.
	if n := s.Deliver([]uint64{2, 3}, [][]byte{{0x01}}); n != 1 {
		t.Fatalf("Deliver stored %d, want 1", n)
	}
}

// Run stops promptly when quit closes, even with results pending.
func TestSchedulerRunQuit(t *testing.T) {
	s := New(0)
	in := make(chan uint64, 4)
	out := make(chan []byte)
	fetch := make(chan Request, 4)
	quit := make(chan struct{})
	finished := make(chan struct{})
	go func() { s.Run(in, fetch, out, quit); close(finished) }()
	in <- 1
	<-fetch // requested, never delivered
	close(quit)
	<-finished
	if _, open := <-out; open {
		t.Fatal("done channel not closed")
	}
}
