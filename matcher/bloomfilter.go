package matcher

import "github.com/bloomsimd/bloomsimd/rotate"

// BloomFilter tests block header blooms against a log filter of addresses and
// topics, as go-ethereum's eth/filters bloomFilter does for the blocks it checks
// header by header, but with every address and topic hashed once, when the
// filter is made, instead of once per block.
//
// A bloom matches when one of the addresses is in it (or there are none) and,
// for every topic position, one of its topics is (an empty position matches
// anything). A topic position holds the topics allowed at that position of a
// log, so positions are ANDed and the topics of one position ORed. It is safe
// for concurrent use.
type BloomFilter struct {
	clauses []bloomClause // the groups' clauses, one group after another
	ends    []int         // ends[g]: one past the last clause of group g
}

// bloomClause is a clause's three bloom bits, as bloom byte indexes and masks.
type bloomClause struct {
	index [3]uint8
	mask  [3]byte
}

// NewBloomFilter hashes addresses and topics for Test. go-ethereum's
// []common.Address and [][]common.Hash pass as they are.
func NewBloomFilter[A ~[20]byte, T ~[32]byte](addresses []A, topics [][]T) *BloomFilter {
	f := &BloomFilter{}
	if len(addresses) > 0 {
		for _, a := range addresses {
			a := [20]byte(a)
			f.clauses = append(f.clauses, newBloomClause(a[:]))
		}
		f.ends = append(f.ends, len(f.clauses))
	}
	for _, position := range topics {
		if len(position) == 0 {
			continue // a wildcard
		}
		for _, topic := range position {
			t := [32]byte(topic)
			f.clauses = append(f.clauses, newBloomClause(t[:]))
		}
		f.ends = append(f.ends, len(f.clauses))
	}
	return f
}

func newBloomClause(data []byte) bloomClause {
	var c bloomClause
	for k, bit := range bloomBits(data) {
		// Bit i of a bloom is bit i%8 of its byte 255-i/8.
		c.index[k] = uint8(rotate.BloomByteLength - 1 - bit/8)
		c.mask[k] = 1 << (bit % 8)
	}
	return c
}

// Test reports whether bloom may hold a log the filter matches: exactly
// go-ethereum's bloomFilter(bloom, addresses, topics). A go-ethereum
// types.Bloom passes as it is.
func (f *BloomFilter) Test(bloom [256]byte) bool {
	return f.TestPtr(&bloom)
}

// TestPtr is Test without copying the bloom.
func (f *BloomFilter) TestPtr(bloom *[256]byte) bool {
	start := 0
	for _, end := range f.ends {
		found := false
		for _, c := range f.clauses[start:end] {
			if bloom[c.index[0]]&c.mask[0] != 0 && bloom[c.index[1]]&c.mask[1] != 0 && bloom[c.index[2]]&c.mask[2] != 0 {
				found = true
				break
			}
		}
		if !found {
			return false
		}
		start = end
	}
	return true
}
