package matcher

import (
	"math/rand/v2"
	"testing"

	"golang.org/x/crypto/sha3"
)

// refBloomLookup is the plain reference of a bloom lookup: the three bits of
// the data's Keccak-256, each set in the bloom.
func refBloomLookup(bloom *[256]byte, data []byte) bool {
	h := sha3.NewLegacyKeccak256()
	h.Write(data)
	sum := h.Sum(nil)
	for k := 0; k < 3; k++ {
		bit := (uint(sum[2*k])<<8 | uint(sum[2*k+1])) & 2047
		if bloom[255-bit/8]&(1<<(bit%8)) == 0 {
			return false
		}
	}
	return true
}

// refBloomFilter restates go-ethereum's eth/filters bloomFilter.
func refBloomFilter(bloom *[256]byte, addresses [][20]byte, topics [][][32]byte) bool {
	if len(addresses) > 0 {
		included := false
		for _, a := range addresses {
			if refBloomLookup(bloom, a[:]) {
				included = true
				break
			}
		}
		if !included {
			return false
		}
	}
	for _, sub := range topics {
		included := len(sub) == 0
		for _, t := range sub {
			if refBloomLookup(bloom, t[:]) {
				included = true
				break
			}
		}
		if !included {
			return false
		}
	}
	return true
}

func addToBloom(bloom *[256]byte, data []byte) {
	h := sha3.NewLegacyKeccak256()
	h.Write(data)
	sum := h.Sum(nil)
	for k := 0; k < 3; k++ {
		bit := (uint(sum[2*k])<<8 | uint(sum[2*k+1])) & 2047
		bloom[255-bit/8] |= 1 << (bit % 8)
	}
}

type address [20]byte // a named type, as go-ethereum's common.Address

func TestBloomFilter(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	matches := 0
	for i := range 3000 {
		var addrs [][20]byte
		for range rng.IntN(3) {
			var a [20]byte
			a[0], a[1] = byte(rng.IntN(6)), 0xad
			addrs = append(addrs, a)
		}
		topics := make([][][32]byte, rng.IntN(4))
		for p := range topics {
			for range rng.IntN(3) { // zero topics: a wildcard position
				var h [32]byte
				h[0], h[1] = byte(rng.IntN(6)), byte(p)
				topics[p] = append(topics[p], h)
			}
		}
		var bloom [256]byte
		switch i % 3 {
		case 0: // random and dense
			for j := range bloom {
				//lint:ignore SA4000 two independent random draws
				bloom[j] = byte(rng.Uint32()) | byte(rng.Uint32())
			}
		default: // holding some of the filter's clauses
			for _, a := range addrs {
				if rng.IntN(2) == 0 {
					addToBloom(&bloom, a[:])
				}
			}
			for _, sub := range topics {
				for _, h := range sub {
					if rng.IntN(2) == 0 {
						addToBloom(&bloom, h[:])
					}
				}
			}
		}
		want := refBloomFilter(&bloom, addrs, topics)
		f := NewBloomFilter(addrs, topics)
		if got := f.Test(bloom); got != want {
			t.Fatalf("Test = %v, want %v (addresses %x, topics %x)", got, want, addrs, topics)
		}
		if got := f.TestPtr(&bloom); got != want {
			t.Fatalf("TestPtr = %v, want %v", got, want)
		}
		if want {
			matches++
		}
	}
	if matches < 300 || matches > 2700 {
		t.Fatalf("%d of 3000 matched: the cases do not exercise both answers", matches)
	}
	// Named element types pass as they are; no address and no topic match all.
	named := NewBloomFilter([]address{{1}}, [][][32]byte{nil, {}})
	var bloom [256]byte
	if named.Test(bloom) {
		t.Error("an address not in the empty bloom matched")
	}
	if !NewBloomFilter[[20]byte, [32]byte](nil, [][][32]byte{{}, nil}).Test(bloom) {
		t.Error("a filter of wildcards did not match")
	}
}
