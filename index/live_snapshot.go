package index

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync/atomic"

	"github.com/bloomsimd/bloomsimd/rotate"
)

// LiveSnapshot is one tip of a Live: a scheduler.Source whose vectors never change.
// Vectors read as zero for the blocks after the tip. The zero LiveSnapshot holds
// nothing.
type LiveSnapshot struct {
	st       *state
	next     uint64
	size     uint64
	vecBytes int
	stride   int
	chunks   uint64
}

// same reports whether sn and o are the same tip of one Live.
func (sn LiveSnapshot) same(o LiveSnapshot) bool { return sn.st == o.st && sn.next == o.next }

// Head returns the tip's block number, and false if the snapshot holds no block.
func (sn LiveSnapshot) Head() (uint64, bool) {
	if sn.st == nil || sn.next == sn.st.lo {
		return 0, false
	}
	return sn.next - 1, true
}

// Sections returns the sections the snapshot serves: those the Live holds from
// their first block, up to the tip's.
func (sn LiveSnapshot) Sections() (first, count uint64) {
	if sn.st == nil {
		return 0, 0
	}
	for _, sec := range sn.st.secs {
		start := sec.number * sn.size
		if start < sn.st.lo || start >= sn.next {
			continue
		}
		if count == 0 {
			first = sec.number
		}
		count++
	}
	return first, count
}

// Bitsets fills dst[i] with the vector of bloom bit bit for section first+i
// (scheduler.Source). A section the snapshot does not serve is an error naming the
// bit and the section.
func (sn LiveSnapshot) Bitsets(ctx context.Context, bit uint, first uint64, dst [][]byte) error {
	if bit >= BloomBits {
		return fmt.Errorf("index: live bloom bit %d out of range", bit)
	}
	if ctx != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	for i, d := range dst {
		section := first + uint64(i)
		if len(d) != sn.vecBytes {
			return fmt.Errorf("index: live vector buffer of bit %d, section %d has %d bytes, want %d", bit, section, len(d), sn.vecBytes)
		}
		sec := sn.served(section)
		if sec == nil {
			f, n := sn.Sections()
			return fmt.Errorf("index: live index does not hold bit %d of section %d (it holds %d sections from %d)", bit, section, n, f)
		}
		sn.vector(bit, sec, d)
	}
	return nil
}

// served returns the section if the snapshot serves it.
func (sn LiveSnapshot) served(section uint64) *liveSection {
	if sn.st == nil {
		return nil
	}
	for i := range sn.st.secs {
		sec := &sn.st.secs[i]
		if sec.number == section {
			start := section * sn.size
			if start < sn.st.lo || start >= sn.next {
				return nil
			}
			return sec
		}
	}
	return nil
}

// vector copies the vector of bit of sec as of the snapshot's tip into dst.
func (sn LiveSnapshot) vector(bit uint, sec *liveSection, dst []byte) {
	vec := sec.vecs[int(bit)*sn.stride:]
	start := sec.number * sn.size
	if sn.next-start > sn.size { // the tip is past the section: all of it is rotated
		copy(dst, vec[:sn.vecBytes])
		return
	}
	col := sn.next - 1 - start
	k := int(col / chunkBlocks)
	last := int(col % chunkBlocks)
	copy(dst[:8*k], vec)
	word, ok := sn.hotWord(bit, sec.number*sn.chunks+uint64(k), last)
	if !ok { // the chunk's slot was reused: it is rotated by now
		word = binary.BigEndian.Uint64(vec[8*k:]) &^ (^uint64(0) >> (last + 1))
	}
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], word)
	n := copy(dst[8*k:], b[:])
	clear(dst[8*k+n:])
}

// hotWord builds the word of bit for blocks 0..last of chunk id from its hot
// blooms, and reports false if the chunk's slot no longer holds it.
func (sn LiveSnapshot) hotWord(bit uint, id uint64, last int) (uint64, bool) {
	c := sn.st.ring[id%ringChunks]
	if c.id.Load() != id {
		return 0, false
	}
	b := rotate.BloomByteLength - 1 - int(bit/8) // the bloom byte holding bit
	mask := byte(1) << (bit % 8)
	var word uint64
	for j := 0; j <= last; j++ {
		var x [8]byte
		binary.NativeEndian.PutUint64(x[:], atomic.LoadUint64(&c.blooms[j][b/8]))
		if x[b%8]&mask != 0 {
			word |= 1 << (63 - j)
		}
	}
	// The loads above saw none of a reuse's writes if the stamp is unchanged
	// after them (the writer changes the stamp first).
	return word, c.id.Load() == id
}
