package e2e

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"
	"sync"

	"github.com/ethereum/go-ethereum/crypto"
)

// Filter is a named log filter in the Matcher's form: AND across groups, OR
// within a group (eth/filters: the addresses, then one group per topic position).
type Filter struct {
	Name    string
	Clauses [][][]byte
}

// Real event signatures: topic 0 of ERC-20 Transfer and Approval logs.
var (
	TransferTopic = crypto.Keccak256([]byte("Transfer(address,address,uint256)"))
	ApprovalTopic = crypto.Keccak256([]byte("Approval(address,address,uint256)"))
)

// Filters returns the benchmark filters 1addr, 1addr1topic, 10addr2topic and
// sparse (see SparseFilter).
// The blooms do not say which addresses they hold, so the addresses are chosen
// among deterministic candidates by how many of the real blooms contain them: the
// single address is in about 10% of them (a popular contract), each of the ten in
// about 1.5%. On blooms this dense most of those matches are false positives, as
// on mainnet; either way a query finds hundreds of blocks per section. The
// topics are Transfer and Approval, present in nearly every block here.
func Filters(all [][256]byte) []Filter {
	popular := clausesAt(all, 20, 0.10, 1)
	addrs := clausesAt(all, 20, 0.015, 10)
	return []Filter{
		{"1addr", [][][]byte{popular}},
		{"1addr1topic", [][][]byte{popular, {TransferTopic}}},
		{"10addr2topic", [][][]byte{addrs, {TransferTopic}, {ApprovalTopic}}},
		SparseFilter(all),
	}
}

// SparseFilter returns the filter "sparse": one address AND one topic that are
// each in about 1.5% of the real blooms (so each alone makes hundreds of
// candidates per section, as a lone clause always does) but never in the same
// one. Only the blocks where Build plants both (Planted) match it.
func SparseFilter(all [][256]byte) Filter {
	sparseOnce.Do(func() { sparse = findSparse(all) })
	return Filter{"sparse", [][][]byte{{sparse.addr}, {sparse.topic}}}
}

// sparseClauses are the clauses of the sparse filter.
type sparseClauses struct {
	addr, topic []byte
	bloom       [256]byte // the bloom bits of both
}

var (
	sparseOnce sync.Once
	sparse     sparseClauses
)

// findSparse picks the address among the candidates at most 1.5% frequent that
// is in the most blooms, and the most frequent topic candidate of at most 1.5%
// that shares no bloom with it.
func findSparse(all [][256]byte) (out sparseClauses) {
	out.addr = clausesAt(all, 20, 0.015, 1)[0]
	addrBits := ClauseBits(out.addr)
	var with [][256]byte // the blooms holding the address
	for _, b := range all {
		if bloomHas(b, addrBits) {
			with = append(with, b)
		}
	}
	for _, topic := range clausesAt(all, 32, 0.015, 64) {
		bits := ClauseBits(topic)
		shared := false
		for _, b := range with {
			shared = shared || bloomHas(b, bits)
		}
		if !shared {
			out.topic = topic
			for _, bit := range append(addrBits[:], bits[:]...) {
				out.bloom[255-bit/8] |= 1 << (bit % 8)
			}
			return out
		}
	}
	panic("e2e: no topic candidate without a bloom shared with the sparse address")
}

// plantEvery and plantOffset place the sparse filter's matches: block
// s*SectionSize+plantOffset of every section s with s%plantEvery == 3, so that a
// chain of 256 sections has 20 (one in its last 10 sections) and one of 4
// sections has one.
const (
	plantEvery  = 13
	plantOffset = 1234
)

// Planted reports whether Build ORs the sparse filter's bits into block n's
// bloom.
func Planted(n uint64) bool {
	return n%SectionSize == plantOffset && (n/SectionSize)%plantEvery == 3
}

// clausesAt returns the k deterministic size-byte candidates found in the most
// blooms without exceeding the fraction frac of them.
func clausesAt(all [][256]byte, size int, frac float64, k int) [][]byte {
	type cand struct {
		clause []byte
		count  int
	}
	limit := int(frac * float64(len(all)))
	var cands []cand
	for i := range 4096 {
		c := crypto.Keccak256([]byte(fmt.Sprintf("bloomsimd e2e clause %d", i)))[:size]
		bits := ClauseBits(c)
		n := 0
		for _, b := range all {
			if bloomHas(b, bits) {
				n++
			}
		}
		if n <= limit {
			cands = append(cands, cand{c, n})
		}
	}
	slices.SortStableFunc(cands, func(a, b cand) int { return cmp.Compare(b.count, a.count) })
	out := make([][]byte, k)
	for i := range out {
		out[i] = cands[i].clause
	}
	return out
}

// ClauseBits returns the three bloom bits of a clause.
func ClauseBits(clause []byte) [3]uint {
	h := crypto.Keccak256(clause)
	var bits [3]uint
	for k := range bits {
		bits[k] = uint(binary.BigEndian.Uint16(h[2*k:])) & 2047
	}
	return bits
}

// Occurrences returns how many of the blooms hold all three bits of clause: the
// blocks a filter of that clause alone finds in one cycle of the chain's blooms.
func Occurrences(all [][256]byte, clause []byte) int {
	bits := ClauseBits(clause)
	n := 0
	for _, b := range all {
		if bloomHas(b, bits) {
			n++
		}
	}
	return n
}

// bloomHas reports whether the bloom has all the bits set.
func bloomHas(bloom [256]byte, bits [3]uint) bool {
	for _, bit := range bits {
		if bloom[255-bit/8]&(1<<(bit%8)) == 0 {
			return false
		}
	}
	return true
}
