package matcher

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fuzzReader hands out the bytes of a fuzz input, then zeros.
type fuzzReader struct {
	data []byte
	pos  int
}

func (r *fuzzReader) byte() byte {
	if r.pos >= len(r.data) {
		return 0
	}
	r.pos++
	return r.data[r.pos-1]
}

// The ways a fuzzed retriever misbehaves in one reply, bit by bit of its
// behaviour byte.
const (
	oddPartial     = 1 << iota // answer only the first half of the sections (the rest asked again)
	oddReversed                // answer in reverse order
	oddRepeated                // name every section twice
	oddLate                    // answer later, from another goroutine, after a pause
	oddMissing                 // a nil bitset for the first section (asked again)
	oddDuplicate               // deliver the reply again through DeliverSections, also after Close
	oddError                   // with oddWrongLength: the reply carries an Error
	oddWrongLength             // with oddReversed (not oddError): a vector of the wrong length
)

// oddBudget bounds the misbehaving replies of a session, so that it always ends.
const oddBudget = 48

// FuzzMultiplex drives a session through Multiplex with retrievers that answer
// late, partly, out of order, repeatedly and with errors, as the fuzz input says,
// and compares the matches with the plain reference and with Scan over the same
// vectors: equal when no error was injected, a prefix otherwise.
func FuzzMultiplex(f *testing.F) {
	f.Add([]byte{0, 1, 1, 2, 3, 4, 0, 0, 0, 10, 0, 1, 2, 4, 8, 16, 32})
	f.Add([]byte{1, 2, 2, 5, 7, 9, 11, 13, 2, 3, 4, 5, 6, 3, 40, 0, 0xff, 0x3f, 0x0f, 0x09})
	f.Add([]byte{3, 0, 1, 2, 2, 2, 8, 255, 1, 0x20, 0x08, 0x28, 0x08, 0x08})
	f.Add([]byte{2, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 7, 0, 0xc0, 0x40, 0x80})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &fuzzReader{data: data}
		size := []uint64{8, 16, 64, 512}[r.byte()%4]
		var groups [][][3]uint
		for range 1 + r.byte()%3 {
			clauses := make([][3]uint, 1+r.byte()%3)
			for i := range clauses {
				for k := range clauses[i] {
					clauses[i][k] = 2 + uint(r.byte()%24)
				}
			}
			groups = append(groups, clauses)
		}
		begin := uint64(r.byte()) * size / 16
		end := begin + uint64(r.byte())*size/16 + uint64(r.byte()%8)
		wait := time.Duration(r.byte()%2) * 20 * time.Microsecond
		behaviours := r.data[r.pos:]
		if len(behaviours) == 0 {
			behaviours = []byte{0}
		}
		want := expected(groups, begin, end)

		m := newMatcher(size, groups)
		scanned, err := scanAll(m, begin, end, testSource{size: size})
		if err != nil || !slices.Equal(scanned, want) {
			t.Fatalf("Scan: %d matches (err %v), want %d", len(scanned), err, len(want))
		}

		var (
			calls    atomic.Int64
			odd      atomic.Int64
			injected atomic.Value // the error injected, if any
			boom     = errors.New("retrieval failed")
			late     sync.WaitGroup
			session  *MatcherSession
			started  = make(chan struct{})
		)
		// answer returns the reply to task and the behaviour byte it followed.
		answer := func(task *Retrieval) (*Retrieval, byte) {
			b := behaviours[int(calls.Add(1)-1)%len(behaviours)]
			if b == 0 || odd.Add(1) > oddBudget {
				vectorsOf(size)(task)
				return task, 0
			}
			reply := &Retrieval{Bit: task.Bit, Sections: slices.Clone(task.Sections), Context: task.Context}
			if b&oddPartial != 0 {
				reply.Sections = reply.Sections[:(len(reply.Sections)+1)/2]
			}
			if b&oddRepeated != 0 {
				reply.Sections = append(reply.Sections, reply.Sections...)
			}
			if b&oddReversed != 0 {
				slices.Reverse(reply.Sections)
			}
			reply.Bitsets = make([][]byte, len(reply.Sections))
			for i, s := range reply.Sections {
				reply.Bitsets[i] = testVector(reply.Bit, s, size)
			}
			if b&oddMissing != 0 && len(reply.Bitsets) > 0 {
				reply.Bitsets[0] = nil
			}
			switch {
			case b&oddError != 0 && b&oddWrongLength != 0:
				injected.CompareAndSwap(nil, error(boom))
				reply.Error = boom
			case b&oddWrongLength != 0 && b&oddReversed != 0 && len(reply.Bitsets) > 0:
				injected.CompareAndSwap(nil, ErrVectorLength)
				reply.Bitsets[0] = make([]byte, size/8+1)
			}
			if b&oddDuplicate != 0 {
				dup := *reply
				late.Add(1)
				go func() {
					defer late.Done()
					<-started
					session.DeliverSections(dup.Bit, dup.Sections, dup.Bitsets)
					time.Sleep(50 * time.Microsecond)
					session.DeliverSections(dup.Bit, dup.Sections, dup.Bitsets)
				}()
			}
			return reply, b
		}

		mux := make(chan chan *Retrieval)
		quit := make(chan struct{})
		var wg sync.WaitGroup
		for range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-quit:
						return
					case request := <-mux:
						task := <-request
						reply, b := answer(task)
						if b&oddLate != 0 {
							// Answer later, while this server serves others.
							wg.Add(1)
							go func() {
								defer wg.Done()
								time.Sleep(time.Duration(b%64) * time.Microsecond)
								request <- reply
							}()
							continue
						}
						request <- reply
					}
				}
			}()
		}
		results := make(chan uint64, 16)
		session, err = m.Start(context.Background(), begin, end, results)
		if err != nil {
			t.Fatal(err)
		}
		close(started)
		for range 2 {
			wg.Add(1)
			go func() { defer wg.Done(); session.Multiplex(4, wait, mux) }()
		}
		got := collect(t, results)
		session.Close()
		late.Wait()
		close(quit)
		wg.Wait()

		err = session.Error()
		if inj, _ := injected.Load().(error); inj != nil {
			if err != nil && !errors.Is(err, inj) && !errors.Is(err, boom) && !errors.Is(err, ErrVectorLength) {
				t.Fatalf("session error %v, want one of the injected errors", err)
			}
			if len(got) > len(want) || !slices.Equal(got, want[:len(got)]) {
				t.Fatalf("%d matches, not a prefix of the %d expected", len(got), len(want))
			}
			return
		}
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("groups %v, size %d, %d..%d: %d matches (err %v), want %d", groups, size, begin, end, len(got), err, len(want))
		}
	})
}
