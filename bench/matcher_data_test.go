package bench

import (
	"context"
	"encoding/binary"
	"math/rand/v2"
	"sync"
	"sync/atomic"

	"github.com/ethereum/go-ethereum/core/bloombits"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/bloomsimd/bloomsimd/bench/internal/e2e"
	"github.com/bloomsimd/bloomsimd/matcher"
)

// vectorStore holds in-memory bloom-bit vectors: vecs[bit][section], each
// sectionSize/8 bytes. Only the bits a test's filters use are filled; others
// read as missing (nil).
type vectorStore struct {
	sectionSize uint64
	sections    uint64
	vecs        [2048][][]byte
	requests    atomic.Int64 // Retrievals served
}

// clauseBits returns the three bloom bits of a filter clause, as go-ethereum
// computes them: ((h[2k]<<8)|h[2k+1]) & 2047.
func clauseBits(clause []byte) [3]uint {
	h := crypto.Keccak256(clause)
	var out [3]uint
	for k := range out {
		out[k] = uint(binary.BigEndian.Uint16(h[2*k:])) & 2047
	}
	return out
}

// filterBits lists the distinct bloom bits of filters (wildcards included: they
// cost nothing to fill).
func filterBits(filters [][][]byte) []uint {
	seen := map[uint]bool{}
	var out []uint
	for _, group := range filters {
		for _, clause := range group {
			if clause == nil {
				continue
			}
			for _, b := range clauseBits(clause) {
				if !seen[b] {
					seen[b] = true
					out = append(out, b)
				}
			}
		}
	}
	return out
}

// newRandomStore fills the vectors of bits over the given sections with random
// bits, each set with probability density.
func newRandomStore(seed uint64, sectionSize, sections uint64, bits []uint, density float64) *vectorStore {
	s := &vectorStore{sectionSize: sectionSize, sections: sections}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	threshold := uint16(density * 65536)
	if density >= 1 {
		threshold = 0xffff
	}
	for _, bit := range bits {
		slab := make([]byte, sections*sectionSize/8)
		vs := make([][]byte, sections)
		for sec := range vs {
			vs[sec] = slab[uint64(sec)*sectionSize/8 : uint64(sec+1)*sectionSize/8 : uint64(sec+1)*sectionSize/8]
		}
		for i := range slab {
			r := rng.Uint64()
			var b byte
			for k := 0; k < 8; k++ {
				if k == 4 {
					r = rng.Uint64()
				}
				if uint16(r>>(16*(k%4))) < threshold {
					b |= 0x80 >> k
				}
			}
			slab[i] = b
		}
		s.vecs[bit] = vs
	}
	return s
}

// newBloomStore rotates sections of blooms (tiled cyclically, shifted by
// section) into vectors for bits, the way go-ethereum's Generator would.
func newBloomStore(sectionSize, sections uint64, bits []uint, blooms [][256]byte) *vectorStore {
	s := &vectorStore{sectionSize: sectionSize, sections: sections}
	for _, bit := range bits {
		vs := make([][]byte, sections)
		for sec := range vs {
			v := make([]byte, sectionSize/8)
			for j := uint64(0); j < sectionSize; j++ {
				bloom := &blooms[(uint64(sec)*sectionSize+j)%uint64(len(blooms))]
				if bloom[255-bit/8]&(1<<(bit%8)) != 0 {
					v[j/8] |= 0x80 >> (j % 8)
				}
			}
			vs[sec] = v
		}
		s.vecs[bit] = vs
	}
	return s
}

// get returns the vector of bit for section, or nil when the store has none.
func (s *vectorStore) get(bit uint, section uint64) []byte {
	if bit >= uint(len(s.vecs)) {
		return nil
	}
	vs := s.vecs[bit]
	if section >= uint64(len(vs)) {
		return nil
	}
	return vs[section]
}

// expected computes the matches of filters over [begin, end] directly from the
// store: the plain reference both matchers must agree with.
func (s *vectorStore) expected(filters [][][]byte, begin, end uint64) []uint64 {
	var groups [][][3]uint
	for _, group := range filters {
		if len(group) == 0 {
			continue
		}
		var g [][3]uint
		for _, clause := range group {
			if clause == nil {
				g = nil
				break
			}
			g = append(g, clauseBits(clause))
		}
		if g != nil {
			groups = append(groups, g)
		}
	}
	var out []uint64
	for n := begin; n <= end; n++ {
		sec, j := n/s.sectionSize, n%s.sectionSize
		bitAt := func(bit uint) bool {
			v := s.get(bit, sec)
			return v != nil && v[j/8]&(0x80>>(j%8)) != 0
		}
		match := true
		for _, g := range groups {
			any := false
			for _, c := range g {
				if bitAt(c[0]) && bitAt(c[1]) && bitAt(c[2]) {
					any = true
					break
				}
			}
			if !any {
				match = false
				break
			}
		}
		if match {
			out = append(out, n)
		}
		if n == end { // end may be math.MaxUint64
			break
		}
	}
	return out
}

// answer is a server's reply to a retrieval, from the store (no decompression).
func (s *vectorStore) answer(bit uint, sections []uint64) [][]byte {
	s.requests.Add(1)
	bitsets := make([][]byte, len(sections))
	for i, section := range sections {
		bitsets[i] = s.get(bit, section)
	}
	return bitsets
}

// serveGeth starts n servers answering go-ethereum retrievals from the store the
// way eth/bloombits.go does, until quit is closed.
func (s *vectorStore) serveGeth(n int, mux chan chan *bloombits.Retrieval, quit chan struct{}, wg *sync.WaitGroup) {
	e2e.Serve(n, mux, quit, wg, func(task *bloombits.Retrieval) { task.Bitsets = s.answer(task.Bit, task.Sections) })
}

// serveOurs is serveGeth for our matcher's Retrieval.
func (s *vectorStore) serveOurs(n int, mux chan chan *matcher.Retrieval, quit chan struct{}, wg *sync.WaitGroup) {
	e2e.Serve(n, mux, quit, wg, func(task *matcher.Retrieval) { task.Bitsets = s.answer(task.Bit, task.Sections) })
}

// gethStart and ourStart start a session of a fresh Matcher of each kind over
// begin..end, for e2e.MultiplexQuery.
func gethStart(size uint64, filters [][][]byte, begin, end uint64) func(chan uint64) (*bloombits.MatcherSession, error) {
	return func(results chan uint64) (*bloombits.MatcherSession, error) {
		return bloombits.NewMatcher(size, filters).Start(context.Background(), begin, end, results)
	}
}

func ourStart(size uint64, filters [][][]byte, begin, end uint64) func(chan uint64) (*matcher.MatcherSession, error) {
	return func(results chan uint64) (*matcher.MatcherSession, error) {
		return matcher.NewMatcher(size, filters).Start(context.Background(), begin, end, results)
	}
}

// multiplexMatches runs one query of the session start starts, served by
// e2e.ServiceThreads servers that serve starts, as a node runs it.
func multiplexMatches[R any, S e2e.Session[R]](serve func(int, chan chan *R, chan struct{}, *sync.WaitGroup), start func(chan uint64) (S, error)) ([]uint64, error) {
	mux := make(chan chan *R)
	quit := make(chan struct{})
	var wg sync.WaitGroup
	serve(e2e.ServiceThreads, mux, quit, &wg)
	defer func() { close(quit); wg.Wait() }()
	return e2e.MultiplexQuery(start, mux, nil)
}

// Bitsets makes the store a matcher.Source (copying, as a database read would).
func (s *vectorStore) Bitsets(_ context.Context, bit uint, first uint64, dst [][]byte) error {
	var vs [][]byte
	if bit < uint(len(s.vecs)) {
		vs = s.vecs[bit]
	}
	for i := range dst {
		if sec := first + uint64(i); sec < uint64(len(vs)) {
			copy(dst[i], vs[sec])
		} else {
			clear(dst[i])
		}
	}
	return nil
}

// randomFilters makes a filter of one group of nAddr 20-byte addresses followed
// by nTopics single-topic groups of 32-byte hashes.
func randomFilters(rng *rand.Rand, nAddr, nTopics int) [][][]byte {
	var filters [][][]byte
	addrs := make([][]byte, nAddr)
	for i := range addrs {
		addrs[i] = randBytes(rng, 20)
	}
	filters = append(filters, addrs)
	for range nTopics {
		filters = append(filters, [][]byte{randBytes(rng, 32)})
	}
	return filters
}

func randBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}
