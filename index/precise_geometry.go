package index

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
)

// Bounds of a precise index's geometry.
const (
	// PreciseMinBits and PreciseMaxBits bound Geometry.Bits: whole header-bloom
	// widths (rotate.Generator's 2048 bits per bloom), positions that fit the
	// key's 16 bits.
	PreciseMinBits = 2048
	PreciseMaxBits = 1 << 16
	// PreciseMaxProbes bounds Geometry.Probes.
	PreciseMaxProbes = 8
)

// ErrGeometry is wrapped by the errors of a Geometry the index cannot have.
var ErrGeometry = errors.New("invalid precise index geometry")

// Geometry is the shape of a precise index: every block gets a wide bloom of
// Bits bits (its positions) in which each log value (an address or a topic)
// sets Probes positions, chosen by SipHash-2-4 under Key. A section then has
// Bits vectors, one per position, each built and stored as a bloom-bit vector.
//
// A one-value clause passes a block with n distinct values with probability
// about (1 - e^(-Probes*n/Bits))^Probes: about 0.3% at n = 420 (mainnet) for
// DefaultGeometry, against 10% for the 2048-bit, 3-probe header bloom
// (docs/precision.md measures it).
type Geometry struct {
	Bits   uint32   // positions per block: a power of two, PreciseMinBits..PreciseMaxBits
	Probes uint32   // positions per value: 1..PreciseMaxProbes
	Key    [16]byte // the hash key: choose it at random once per index
}

// DefaultGeometry returns the geometry docs/precision.md chose, 8192 positions
// and 3 probes, under key. Three probes keep the header bloom's clause shape, so
// the matcher evaluates it unchanged.
func DefaultGeometry(key [16]byte) Geometry {
	return Geometry{Bits: 8192, Probes: 3, Key: key}
}

// Check reports a geometry outside the bounds, wrapping ErrGeometry.
func (g Geometry) Check() error {
	switch {
	case g.Bits < PreciseMinBits || g.Bits > PreciseMaxBits || bits.OnesCount32(g.Bits) != 1:
		return fmt.Errorf("index: %w: %d bits, want a power of two from %d to %d", ErrGeometry, g.Bits, PreciseMinBits, PreciseMaxBits)
	case g.Probes == 0 || g.Probes > PreciseMaxProbes:
		return fmt.Errorf("index: %w: %d probes, want 1 to %d", ErrGeometry, g.Probes, PreciseMaxProbes)
	}
	return nil
}

// AppendPositions appends value's Probes positions (each below Bits) to dst:
// the double hashing h1 + i*h2 of the two halves of its 64-bit keyed hash
// (Kirsch and Mitzenmacher), h2 odd so that the probes differ when Bits is a
// power of two. The geometry must be valid (Check).
func (g Geometry) AppendPositions(dst []uint, value []byte) []uint {
	h := sipHash24(binary.LittleEndian.Uint64(g.Key[:8]), binary.LittleEndian.Uint64(g.Key[8:]), value)
	h1, h2 := uint32(h), uint32(h>>32)|1
	mask := g.Bits - 1
	for i := range g.Probes {
		dst = append(dst, uint((h1+i*h2)&mask))
	}
	return dst
}

// AppendLogValues appends a log's values, its address and its topics, to dst as
// the clauses a precise index hashes; go-ethereum's common.Address and
// []common.Hash pass as they are.
func AppendLogValues[A ~[20]byte, T ~[32]byte](dst [][]byte, address A, topics []T) [][]byte {
	a := [20]byte(address)
	dst = append(dst, a[:])
	for _, t := range topics {
		t := [32]byte(t)
		dst = append(dst, t[:])
	}
	return dst
}
