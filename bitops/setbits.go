package bitops

import (
	"encoding/binary"
	"math"
	"math/bits"
)

// Bit order: bit i of a vector is byte i/8, mask 0x80>>(i%8) (most significant bit
// first), the order of the bloom-bit index where bit i stands for block i of a section.

// maxIntBits is the length of the longest vector whose bit indexes are ints:
// 256 MiB on 32-bit platforms (beyond any 64-bit one's memory elsewhere).
const maxIntBits = math.MaxInt / 8

// SetBits yields the index of every set bit of p in ascending order. On 32-bit
// platforms a p of more than 256 MiB has bit indexes an int cannot hold: SetBits
// panics for it (AppendSetBits takes any length).
//
// The result is an iter.Seq[int] spelled out (func(yield func(int) bool)), so
// that the package builds with Go 1.22, which has no package iter; from Go 1.23
// it ranges (for i := range SetBits(p)) and assigns to an iter.Seq[int].
func SetBits(p []byte) func(yield func(int) bool) {
	if len(p) > maxIntBits {
		panic("bitops.SetBits: vector longer than MaxInt bits")
	}
	return func(yield func(int) bool) {
		for i := 0; i < len(p); i += 8 {
			for w := wordAt(p, i); w != 0; {
				z := bits.LeadingZeros64(w)
				if !yield(i*8 + z) {
					return
				}
				w &^= 1 << (63 - z)
			}
		}
	}
}

// AppendSetBits appends base+i for every set bit i of p, in ascending order, and
// returns the extended slice. With base = section*sectionSize it yields block numbers.
func AppendSetBits(dst []uint64, p []byte, base uint64) []uint64 {
	for i := 0; i < len(p); i += 8 {
		for w := wordAt(p, i); w != 0; {
			z := bits.LeadingZeros64(w)
			dst = append(dst, base+8*uint64(i)+uint64(z)) // 8*i overflows an int on 32-bit
			w &^= 1 << (63 - z)
		}
	}
	return dst
}

// wordAt returns the 8 bytes of p from i as a big-endian word, zero-padded past the
// end of p, so that bit k of the vector is bit 63-k%64 of its word.
func wordAt(p []byte, i int) uint64 {
	if len(p)-i >= 8 {
		return binary.BigEndian.Uint64(p[i:])
	}
	var w uint64
	for k, b := range p[i:] {
		w |= uint64(b) << (56 - 8*k)
	}
	return w
}
