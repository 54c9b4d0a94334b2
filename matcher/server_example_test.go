package matcher_test

import (
	"context"
	"fmt"

	"github.com/bloomsimd/bloomsimd/matcher"
)

// A node answers its Matcher sessions' retrievals with ServeRetrievals over a
// Source (its index.Reader), in place of go-ethereum's eth/bloombits.go servers;
// the session side is go-ethereum's Multiplex, unchanged.
func ExampleServeRetrievals() {
	// Every vector all ones: every block of the range matches.
	ones := make([]byte, 4096/8)
	for i := range ones {
		ones[i] = 0xff
	}
	src := memorySource{{}, {}}
	for s := range src {
		src[s] = make([][]byte, 2048)
		for bit := range src[s] {
			src[s][bit] = ones
		}
	}
	requests := make(chan chan *matcher.Retrieval)
	quit := make(chan struct{})
	defer close(quit)
	matcher.ServeRetrievals(requests, quit, 16, 4096, src)

	m := matcher.NewMatcher(4096, [][][]byte{{[]byte("an address")}})
	results := make(chan uint64, 64)
	session, err := m.Start(context.Background(), 4000, 4199, results)
	if err != nil {
		panic(err)
	}
	go session.Multiplex(16, 0, requests) // as the node's filter system does
	n, first := 0, uint64(0)
	for block := range results {
		if n == 0 {
			first = block
		}
		n++
	}
	session.Close()
	fmt.Println(n, first, session.Error())
	// Output: 200 4000 <nil>
}
