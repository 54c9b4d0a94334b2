package bitops

import (
	"errors"
	"math/bits"
)

// The sparse bitset encoding of go-ethereum's common/bitutil (v1.14.13), the format
// of every bloom-bit vector in a node's database:
//
//	enc(x) = nil                           if x holds only zero bytes (or is empty)
//	enc(x) = x                             if len(x) == 1
//	enc(x) = enc(bitmap(x)) ++ nonZero(x)  otherwise
//
// where bitmap(x) has one bit per byte of x, set when the byte is non-zero, most
// significant bit first (byte i is bit 0x80>>(i%8) of bitmap byte i/8), and
// nonZero(x) lists the non-zero bytes of x in order. Unrolled, an encoding is the
// single byte of the deepest level (size 1), then the non-zero bytes of each level
// from the deepest bitmap up to the data itself. The levels have sizes
// n, ceil(n/8), ceil(n/64), ..., 1.
//
// CompressBytes stores the input itself when the encoding is not shorter, so a
// decoder told the original length takes an input of exactly that length as raw.

// Decoding errors, with go-ethereum's messages. An input go-ethereum rejects is
// rejected here with the same error.
var (
	// ErrMissingData: the bitmaps reference more bytes than the input holds.
	ErrMissingData = errors.New("missing bytes on input")
	// ErrUnreferencedData: bytes are left over after decoding.
	ErrUnreferencedData = errors.New("extra bytes on input")
	// ErrExceededTarget: the input is longer than the target, or a bitmap marks a
	// byte past the end of its level.
	ErrExceededTarget = errors.New("target data size exceeded")
	// ErrZeroContent: a byte marked non-zero by its bitmap is zero.
	ErrZeroContent = errors.New("zero byte in input content")
	// ErrTargetTooLarge: the input is valid but decodes to more than
	// MaxDecompressedSize bytes (go-ethereum would try to allocate them).
	ErrTargetTooLarge = errors.New("target data size too large")
)

// MaxDecompressedSize bounds the result of DecompressBytes. Bloom-bit vectors are
// 512 bytes. For a valid input with a larger target, where go-ethereum would
// allocate the target (and for huge ones panic or run out of memory),
// DecompressBytes returns ErrTargetTooLarge instead. An invalid input gets
// go-ethereum's error for any target. DecompressInto has no such bound.
const MaxDecompressedSize = 1 << 30

// CompressBytes returns the sparse bitset encoding of data, exactly as go-ethereum's
// bitutil.CompressBytes: nil if data holds only zero bytes, a copy of data if the
// encoding would not be shorter (an empty, non-nil slice for empty data).
func CompressBytes(data []byte) []byte {
	if len(data) == 0 {
		return []byte{}
	}
	return AppendCompressed(nil, data)
}

// AppendCompressed appends CompressBytes(data) to dst and returns the extended
// slice. It allocates nothing when dst has room for the result and len(data) is at
// most 7160 (the bitmaps then fit on the stack). data must not overlap dst's spare
// capacity.
func AppendCompressed(dst, data []byte) []byte {
	// The bitmaps go in a stack buffer, a small one for bloom-bit vectors: Go
	// clears it on every call.
	if b := bitmapsLen(len(data)); b <= smallScratch {
		var bm [smallScratch]byte
		return appendCompressed(dst, data, bm[:b])
	}
	return appendCompressedLarge(dst, data)
}

func appendCompressedLarge(dst, data []byte) []byte {
	if b := bitmapsLen(len(data)); b <= largeScratch {
		var bm [largeScratch]byte
		return appendCompressed(dst, data, bm[:b])
	}
	return appendCompressed(dst, data, make([]byte, bitmapsLen(len(data))))
}

// appendCompressed is AppendCompressed with room for the bitmaps in bm.
func appendCompressed(dst, data, bm []byte) []byte {
	raceRead(data)
	total := plan(bm, data)
	switch {
	case total == 0:
		return dst
	case total >= len(data):
		return append(dst, data...)
	}
	n := len(dst)
	if cap(dst)-n < total {
		// One allocation (slices.Grow makes two under the race detector), of
		// exactly the result for CompressBytes, doubling for a growing buffer.
		grown := make([]byte, n, max(n+total, 2*cap(dst)))
		copy(grown, dst)
		dst = grown
	}
	dst = dst[:n+total]
	raceWrite(dst[n:])
	emit(dst[n:], data, bm)
	return dst
}

// DecompressBytes decodes data into a new slice of target bytes, exactly as
// go-ethereum's bitutil.DecompressBytes: an input of target bytes is returned as a
// copy, a longer one is ErrExceededTarget, and the decoding errors come in the
// same order. Unlike go-ethereum it never panics, whatever the target, and for a
// target far larger than the input could fill (over 64 KiB and 64 bytes per input
// byte) it checks the input before allocating: a valid input whose target exceeds
// MaxDecompressedSize gives ErrTargetTooLarge.
func DecompressBytes(data []byte, target int) ([]byte, error) {
	switch {
	case len(data) > target:
		return nil, ErrExceededTarget
	case len(data) == target:
		out := make([]byte, target)
		copy(out, data)
		return out, nil
	case target > denseDecodeMax && target/64 > len(data) || target > MaxDecompressedSize:
		// A target far beyond what the input can fill: decode only the non-zero
		// bytes, allocating target bytes only for a valid input.
		return decodeSparse(data, target)
	}
	out := make([]byte, target)
	if err := decode(out, data); err != nil {
		return nil, err
	}
	return out, nil
}

// DecompressInto decodes data into dst, the target being len(dst): the result and
// errors are those of DecompressBytes(data, len(dst)), without allocating. On error
// the contents of dst are unspecified. data must not overlap dst.
func DecompressInto(dst, data []byte) error {
	switch {
	case len(data) > len(dst):
		return ErrExceededTarget
	case len(data) == len(dst):
		copy(dst, data)
		return nil
	}
	return decode(dst, data)
}

const (
	// smallScratch and largeScratch hold the bitmaps of inputs up to 888 and 7160
	// bytes.
	smallScratch = 128
	largeScratch = 1024
	// denseDecodeMax is the target up to which DecompressBytes allocates the result
	// before checking the input (or up to 64 bytes per input byte).
	denseDecodeMax = 1 << 16
	// maxLevels covers any int target: ceil(log8(2^63)) + 1.
	maxLevels = 23
)

// bitmapsLen is the total size of the bitmaps of an n-byte input: ceil(n/8) +
// ceil(n/64) + ... + 1, zero for n <= 1.
func bitmapsLen(n int) int {
	t := 0
	for n > 1 {
		n = (n-1)/8 + 1
		t += n
	}
	return t
}

// plan writes the bitmaps of every level of data into bm, level 1 (the bitmap of
// data) first, and returns the length of the encoding: 0 when data is empty or
// all zero. It stops early, returning at least len(data), once the encoding
// cannot be shorter than data: data is then stored raw.
func plan(bm, data []byte) int {
	if len(data) <= 1 {
		if len(data) == 1 && data[0] != 0 {
			return 1
		}
		return 0
	}
	total := 1 // the deepest level's single byte
	for level := data; len(level) > 1; {
		b := bm[:(len(level)-1)/8+1]
		c := bitmapOf(b, level)
		if c == 0 {
			return 0 // only the data itself can be all zero
		}
		if total += c; total >= len(data) {
			return total
		}
		level, bm = b, bm[len(b):]
	}
	return total
}

// emit writes the encoding of data into out, which has exactly the length plan
// returned, using the bitmaps plan left in bm. len(data) >= 2: shorter inputs are
// stored raw.
func emit(out, data, bm []byte) {
	// Level k for k >= 1 is bm[off[k]:off[k+1]]; level 0 is data.
	var off [maxLevels + 1]int
	m := 0
	for n := len(data); n > 1; m++ {
		n = (n-1)/8 + 1
		off[m+1] = off[m] + n
	}
	// The deepest level is one byte (its own encoding), then each level's non-zero
	// bytes from the deepest bitmap up to the data.
	out[0] = bm[off[m]-1]
	p := 1
	for k := m - 1; k >= 1; k-- {
		p += packOf(out[p:], bm[off[k-1]:off[k]], bm[off[k]:off[k+1]])
	}
	packOf(out[p:], data, bm[:off[1]])
}

// bitmapOf writes the bitmap of src into dst (len(dst) == ceil(len(src)/8)) and
// returns the number of non-zero bytes of src.
func bitmapOf(dst, src []byte) int {
	done, c := bitmapVec(dst, src)
	if done == len(src) {
		return c
	}
	return c + bitmapWords(dst[done/8:], src[done:])
}

// packOf writes the non-zero bytes of src into dst, given the bitmap bm of src, and
// returns their number. dst may be longer than needed; bytes past the count may be
// overwritten.
func packOf(dst, src, bm []byte) int {
	done, w := packVec(dst, src, bm)
	if done == len(src) {
		return w
	}
	return w + packWords(dst[w:], src[done:], bm[done/8:])
}

// decode decodes data into dst, 0 <= len(data) < len(dst), in place: each level's
// bitmap is decoded into the tail of dst and expanded forwards into the level
// above, which ends at the same place. A level of L bytes ends with its bitmap of
// B = ceil(L/8) bytes, so bitmap byte j+1 sits at L-B+j+1 >= 8j+8 for j+1 < B:
// the level bytes 8j..8j+7 of bitmap byte j never reach a later bitmap byte, and
// reading each bitmap byte (or the 8 of a whole 64-byte block) before writing
// its level bytes is enough.
func decode(dst, data []byte) error {
	raceRead(data)
	raceWrite(dst)
	if len(data) == 0 {
		clear(dst)
		return nil
	}
	var size [maxLevels]int
	m := 0
	for size[0] = len(dst); size[m] > 1; m++ {
		size[m+1] = (size[m]-1)/8 + 1
	}
	t := len(dst)
	if data[0] == 0 {
		// The deepest bitmap is empty, so is everything above it: nothing is
		// consumed and the rest of the input is unreferenced.
		return ErrUnreferencedData
	}
	dst[t-1] = data[0]
	ptr := 1
	for k := m - 1; k >= 0; k-- {
		var err error
		if ptr, err = expandOf(dst[t-size[k]:], dst[t-size[k+1]:], data, ptr); err != nil {
			return err
		}
	}
	if ptr != len(data) {
		return ErrUnreferencedData
	}
	return nil
}

// expandOf decodes one level: dst (len L) from its bitmap bm (len ceil(L/8), maybe
// the tail of dst) and the input bytes from data[ptr:]. It returns the new ptr.
// The vector and word kernels take the whole 64-byte blocks they can check in
// advance; expandBytes does the rest and finds the exact error.
func expandOf(dst, bm, data []byte, ptr int) (int, error) {
	done, read := expandVec(dst, bm, data, ptr)
	if ptr += read; done == len(dst) {
		return ptr, nil
	}
	if len(dst)-done >= 64 {
		d, r := expandWords(dst[done:], bm[done/8:], data[ptr:])
		done, ptr = done+d, ptr+r
	}
	return expandBytes(dst[done:], bm[done/8:], data, ptr)
}

// expandBytes decodes dst from bm and data[ptr:] one bitmap byte at a time, checking
// each marked byte as go-ethereum does: input left, inside the level, non-zero.
func expandBytes(dst, bm, data []byte, ptr int) (int, error) {
	for j := range bm {
		b := bm[j] // read before dst[8j:] is written: it may overlap bm[j]
		base := 8 * j
		if len(dst)-base >= 8 {
			// A whole group of 8 with its input present and non-zero, as a word.
			if b == 0 {
				le.PutUint64(dst[base:], 0)
				continue
			}
			if c := bits.OnesCount8(b); c <= len(data)-ptr {
				var w uint64
				zero := false
				for _, x := range data[ptr : ptr+c] {
					t := bits.LeadingZeros8(b)
					b &^= 0x80 >> t
					w |= uint64(x) << (8 * t)
					zero = zero || x == 0
				}
				if !zero {
					le.PutUint64(dst[base:], w)
					ptr += c
					continue
				}
				b = bm[j] // unchanged: nothing was written yet
			}
		}
		for t := range 8 {
			i := base + t
			if b&(0x80>>t) == 0 {
				if i < len(dst) {
					dst[i] = 0
				}
				continue
			}
			switch {
			case ptr >= len(data):
				return ptr, ErrMissingData
			case i >= len(dst):
				return ptr, ErrExceededTarget
			case data[ptr] == 0:
				return ptr, ErrZeroContent
			}
			dst[i] = data[ptr]
			ptr++
		}
	}
	return ptr, nil
}

// decodeSparse decodes data into target bytes keeping only the non-zero bytes of
// each level, for targets far larger than the input: the work is bounded by the
// input (each marked byte consumes an input byte), and target bytes are allocated
// only once the input is known to be valid. 0 <= len(data) < target.
func decodeSparse(data []byte, target int) ([]byte, error) {
	var size [maxLevels]int
	m := 0
	for size[0] = target; size[m] > 1; m++ {
		size[m+1] = (size[m]-1)/8 + 1
	}
	// pos/val: the non-zero bytes of the current level, in order.
	var pos []int
	var val []byte
	ptr := 0
	if len(data) > 0 && data[0] != 0 {
		pos, val, ptr = []int{0}, []byte{data[0]}, 1
	}
	var npos []int
	var nval []byte
	for k := m - 1; k >= 0 && len(pos) > 0; k-- {
		npos, nval = npos[:0], nval[:0]
		for e, p := range pos {
			for b := val[e]; b != 0; {
				t := bits.LeadingZeros8(b) // the first marked byte
				b &^= 0x80 >> t
				i := 8*p + t
				switch {
				case ptr >= len(data):
					return nil, ErrMissingData
				case i >= size[k]:
					return nil, ErrExceededTarget
				case data[ptr] == 0:
					return nil, ErrZeroContent
				}
				npos, nval = append(npos, i), append(nval, data[ptr])
				ptr++
			}
		}
		pos, val, npos, nval = npos, nval, pos, val
	}
	if ptr != len(data) {
		return nil, ErrUnreferencedData
	}
	if target > MaxDecompressedSize {
		return nil, ErrTargetTooLarge
	}
	out := make([]byte, target)
	for e, p := range pos {
		out[p] = val[e]
	}
	return out, nil
}
