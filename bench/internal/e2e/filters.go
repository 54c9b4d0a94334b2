package e2e

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"

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

// Filters returns the benchmark filters 1addr, 1addr1topic and 10addr2topic.
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
	}
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

// bloomHas reports whether the bloom has all the bits set.
func bloomHas(bloom [256]byte, bits [3]uint) bool {
	for _, bit := range bits {
		if bloom[255-bit/8]&(1<<(bit%8)) == 0 {
			return false
		}
	}
	return true
}
