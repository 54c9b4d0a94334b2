package matcher

import (
	"encoding/binary"
	"math/bits"

	"github.com/bloomsimd/bloomsimd/bitops"
)

// The evaluation core of Scan (which the sessions run too): a section's result
// is the AND over the groups of the OR over each group's clauses of the AND of
// the clause's three vectors. orClause and andGroup are its two steps,
// appendMatches the blocks of a result within a range.

// orClause ORs the AND of a clause's three vectors into acc, or (for the first
// clause, i == 0) stores it there.
func orClause(i int, acc, a, b, c []byte) {
	if i == 0 {
		bitops.And3(acc, a, b, c)
	} else {
		bitops.OrAnd3(acc, a, b, c)
	}
}

// groupAcc is where group g's clauses accumulate: the running result itself for
// the first group, tmp for the others.
func groupAcc(g int, run, tmp []byte) []byte {
	if g == 0 {
		return run
	}
	return tmp
}

// andGroup ANDs group g's OR (accumulated as groupAcc says) into run and
// reports whether any bit of run is left set.
func andGroup(g int, run, tmp []byte) bool {
	if g == 0 {
		return bitops.TestBytes(run)
	}
	return bitops.AndInto(run, tmp)
}

// sectionBlocks returns the first and last block of section, clipped to
// [begin, end].
func (m *Matcher) sectionBlocks(section, begin, end uint64) (first, last uint64) {
	first = section * m.sectionSize
	last = first + (m.sectionSize - 1)
	if last < first { // the last section of the uint64 range
		last = ^uint64(0)
	}
	return max(first, begin), min(last, end)
}

// appendMatches appends to blocks, in ascending order, the blocks of section
// whose bits are set in run and that lie within [begin, end].
func (m *Matcher) appendMatches(blocks []uint64, run []byte, section, begin, end uint64) []uint64 {
	first, last := m.sectionBlocks(section, begin, end)
	start := len(blocks)
	blocks = bitops.AppendSetBits(blocks, run, section*m.sectionSize)
	if first != section*m.sectionSize || last-first != m.sectionSize-1 {
		blocks = append(blocks[:start], clip(blocks[start:], first, last)...)
	}
	return blocks
}

// emitMatches is appendMatches handing the blocks to emit instead, a word of
// run at a time; it reports false as soon as emit does.
func (m *Matcher) emitMatches(run []byte, section, begin, end uint64, emit func(uint64) bool) bool {
	first, last := m.sectionBlocks(section, begin, end)
	base := section * m.sectionSize
	whole := len(run) &^ 7
	for i := 0; i < len(run); i += 8 {
		var w uint64
		if i < whole {
			w = binary.BigEndian.Uint64(run[i:])
		} else {
			for k, c := range run[i:] { // the vector's last bytes
				w |= uint64(c) << (56 - 8*k)
			}
		}
		at := base + 8*uint64(i)
		for w != 0 {
			z := bits.LeadingZeros64(w)
			w &^= 1 << (63 - z)
			// Past last come only wrapped-around numbers (below first), if any.
			if b := at + uint64(z); first <= b && b <= last && !emit(b) {
				return false
			}
		}
	}
	return true
}

// clip keeps the blocks within [first, last], in place. (In the last section of
// the uint64 range, block numbers past the end wrap around to small ones.)
func clip(blocks []uint64, first, last uint64) []uint64 {
	out := blocks[:0]
	for _, b := range blocks {
		if first <= b && b <= last {
			out = append(out, b)
		}
	}
	return out
}
