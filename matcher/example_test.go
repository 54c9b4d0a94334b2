package matcher_test

import (
	"context"
	"fmt"

	"golang.org/x/crypto/sha3"

	"github.com/bloomsimd/bloomsimd/matcher"
	"github.com/bloomsimd/bloomsimd/rotate"
)

// memorySource serves the vectors of sections rotated in memory.
type memorySource [][][]byte // [section][bit] vector

func (s memorySource) Bitsets(ctx context.Context, bit uint, first uint64, dst [][]byte) error {
	for i := range dst {
		copy(dst[i], s[first+uint64(i)][bit])
	}
	return nil
}

// addToBloom sets the three bloom bits of a clause (an address or a topic), as
// go-ethereum's types.Bloom.Add does.
func addToBloom(bloom *[256]byte, clause []byte) {
	h := sha3.NewLegacyKeccak256()
	h.Write(clause)
	sum := h.Sum(nil)
	for k := 0; k < 6; k += 2 {
		bit := (uint(sum[k])<<8 | uint(sum[k+1])) % rotate.BloomBitLength
		bloom[rotate.BloomByteLength-1-bit/8] |= 1 << (bit % 8)
	}
}

// Scan runs a filter over a Source directly, with no retrieval protocol: here two
// sections indexed in memory, where the address logs in blocks 5 and 4100.
func ExampleMatcher_Scan() {
	address := []byte("an address of 20 b..")
	var src memorySource
	for section := 0; section < 2; section++ {
		gen, _ := rotate.NewGenerator(4096)
		for i := uint(0); i < 4096; i++ {
			var bloom [256]byte
			if block := uint(section)*4096 + i; block == 5 || block == 4100 {
				addToBloom(&bloom, address)
			}
			gen.AddBloom(i, bloom)
		}
		vectors := make([][]byte, 2048)
		for bit := range vectors {
			vectors[bit], _ = gen.Bitset(uint(bit))
		}
		src = append(src, vectors)
	}
	m := matcher.NewMatcher(4096, [][][]byte{{address}})
	err := m.Scan(context.Background(), 0, 8191, src, func(block uint64) bool {
		fmt.Println("block", block)
		return true
	})
	fmt.Println(err)
	// Output:
	// block 5
	// block 4100
	// <nil>
}

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

// A retriever of its own answers a session's requests, go-ethereum's way.
func ExampleMatcher_Start() {
	// Blocks whose blooms hold the bits of this address.
	addr := make([]byte, 20)
	m := matcher.NewMatcher(4096, [][][]byte{{addr}})
	results := make(chan uint64, 64)
	session, err := m.Start(context.Background(), 0, 8191, results)
	if err != nil {
		panic(err)
	}
	defer session.Close()
	// A retriever serving every vector as all ones: every block matches.
	ones := make([]byte, 4096/8)
	for i := range ones {
		ones[i] = 0xff
	}
	mux := make(chan chan *matcher.Retrieval)
	go func() {
		for request := range mux {
			task := <-request
			task.Bitsets = make([][]byte, len(task.Sections))
			for i := range task.Bitsets {
				task.Bitsets[i] = ones
			}
			request <- task
		}
	}()
	defer close(mux)
	go session.Multiplex(16, 0, mux)
	n := 0
	for range results {
		n++
	}
	fmt.Println(n, session.Error())
	// Output: 8192 <nil>
}
