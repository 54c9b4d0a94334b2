// Package matcher finds the blocks whose blooms may match a log filter by
// combining bloom-bit vectors, section by section. It is a drop-in for
// go-ethereum v1.14.13's core/bloombits Matcher (NewMatcher, Start,
// MatcherSession.Multiplex with the same Retrieval hand-shake), built on fewer
// goroutines and the fused section kernels of bitops, and adds Scan, a
// synchronous parallel path over a local Source of vectors.
//
// A filter is a list of groups ANDed together; a group is a list of clauses
// (addresses or topics) ORed together; a clause matches a block when the three
// bloom bits of its Keccak-256 hash are set. The vector of bloom bit b for section
// s holds bit b of the blooms of blocks s*sectionSize ... (s+1)*sectionSize-1,
// block s*sectionSize+j at byte j/8, mask 0x80>>(j%8).
//
// go-ethereum's per-bit scheduler, which caches the delivered vectors for the
// sessions of one Matcher, is bitcache.go here (the retrieval queue
// deduplicates). Sharing reads and a bounded cache across all the queries of
// a node is package scheduler's job.
//
// Where go-ethereum panics or hangs on bad input (a section size, a Source, a
// retrieval reply), this package returns an error or asks again, as the
// documentation of Start, Scan, Source, DeliverSections and Multiplex says; the
// error values are in errors.go.
package matcher

import (
	"hash"
	"sync"
	"sync/atomic"

	"golang.org/x/crypto/sha3"

	"github.com/bloomsimd/bloomsimd/rotate"
)

// Matcher holds a compiled filter and caches, across its sessions, the vectors
// retrievers deliver.
type Matcher struct {
	sectionSize uint64
	groups      []group // AND of groups, in filter order
	bits        []uint  // distinct bloom bits of all groups
	bitIndex    map[uint]int
	caches      []bitCache // per entry of bits: the cache of delivered vectors
	maxGroup    int        // most distinct bits in one group
	position    []int32    // [g*len(bits)+bit]: position of bit in groups[g].bits, or -1

	running atomic.Bool
}

// group is one AND term: the OR of its clauses.
type group struct {
	bits    []int    // distinct indexes into Matcher.bits used by the group
	clauses [][3]int // each clause's three bits, as positions in bits
}

// bloomBits returns the three bloom bits (0..2047) of a clause: for k = 0..2, the
// big-endian 16-bit word k of its Keccak-256 hash, modulo 2048.
func bloomBits(clause []byte) [3]uint {
	k := keccaks.Get().(*keccak)
	k.h.Reset()
	k.h.Write(clause)
	k.h.Read(k.sum[:]) // Sum would copy the state first
	var out [3]uint
	for i := range out {
		out[i] = (uint(k.sum[2*i])<<8 | uint(k.sum[2*i+1])) % rotate.BloomBitLength
	}
	keccaks.Put(k)
	return out
}

// keccak is a Keccak-256 hasher with room for its sum. A node compiles a
// Matcher per query: pooled, hashing its clauses allocates nothing.
type keccak struct {
	h   keccakState
	sum [32]byte
}

// keccakState is a Keccak-256 hasher that can finalize without copying its
// state (go-ethereum's crypto.KeccakState).
type keccakState interface {
	hash.Hash
	Read([]byte) (int, error)
}

var keccaks = sync.Pool{New: func() any {
	return &keccak{h: sha3.NewLegacyKeccak256().(keccakState)}
}}

// NewMatcher compiles filters for sections of sectionSize blocks. Groups that are
// nil or empty, or that hold a nil clause, match everything and are dropped (an
// all-zero address is an ordinary clause). With no group left, every block
// matches. A sectionSize that is zero, not a multiple of 8 or above
// MaxSectionSize makes Start and Scan fail with ErrSectionSize (NewMatcher keeps
// go-ethereum's signature, without an error).
func NewMatcher(sectionSize uint64, filters [][][]byte) *Matcher {
	var groups [][][3]uint
	for _, clauses := range filters {
		if len(clauses) == 0 || hasNil(clauses) {
			continue
		}
		g := make([][3]uint, len(clauses))
		for i, clause := range clauses {
			g[i] = bloomBits(clause)
		}
		groups = append(groups, g)
	}
	return newMatcher(sectionSize, groups)
}

// newMatcher builds a Matcher for groups given as the bloom bits of their
// clauses.
func newMatcher(sectionSize uint64, groups [][][3]uint) *Matcher {
	most := 0 // distinct bits at most
	for _, clauses := range groups {
		most += 3 * len(clauses)
	}
	most = min(most, rotate.BloomBitLength)
	m := &Matcher{
		sectionSize: sectionSize,
		groups:      make([]group, 0, len(groups)),
		bits:        make([]uint, 0, most),
		bitIndex:    make(map[uint]int, most),
	}
	pos := make([]int, 0, most) // per matcher bit index: 1 + its position in the group's bits, or 0
	for _, clauses := range groups {
		g := group{bits: make([]int, 0, 3*len(clauses)), clauses: make([][3]int, 0, len(clauses))}
		clear(pos)
		for _, bits := range clauses {
			var c [3]int
			for k, bit := range bits {
				idx, ok := m.bitIndex[bit]
				if !ok {
					idx = len(m.bits)
					m.bitIndex[bit] = idx
					m.bits = append(m.bits, bit)
					pos = append(pos, 0)
				}
				if pos[idx] == 0 {
					g.bits = append(g.bits, idx)
					pos[idx] = len(g.bits)
				}
				c[k] = pos[idx] - 1
			}
			g.clauses = append(g.clauses, c)
		}
		m.groups = append(m.groups, g)
		m.maxGroup = max(m.maxGroup, len(g.bits))
	}
	m.caches = make([]bitCache, len(m.bits))
	m.position = make([]int32, len(m.groups)*len(m.bits))
	for g := range m.groups {
		row := m.position[g*len(m.bits) : (g+1)*len(m.bits)]
		for i := range row {
			row[i] = -1
		}
		for p, idx := range m.groups[g].bits {
			row[idx] = int32(p)
		}
	}
	return m
}

func hasNil(clauses [][]byte) bool {
	for _, c := range clauses {
		if c == nil {
			return true
		}
	}
	return false
}

// checkSectionSize reports a section size the matcher cannot work with.
func (m *Matcher) checkSectionSize() error { return checkSectionSize(m.sectionSize) }
