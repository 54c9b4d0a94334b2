//go:build !purego && !noasm

package asm

import "math/bits"

// Hand-written NEON compression kernels (compress_arm64.s). They work on whole
// 64-byte blocks, n a positive multiple of 64. Pack and expand look up 8-byte
// shuffles in neonTables, passed in as table (assembly reads no Go variables):
// table[0:2048] holds, for each bitmap byte b, the lanes b marks,
// in order (then 0x80); table[2048:4096] holds for each lane its rank among the
// marked lanes, or 0x80 if unmarked; table[4096:4352] holds the popcount of b.
// Bitmap bit 7-t of byte j marks byte 8j+t, as in go-ethereum's encoding.

// bitmapNEON writes the bitmap of the n bytes at src (n/8 bytes) to dst and
// returns the number of non-zero bytes.
//
//go:noescape
func bitmapNEON(dst, src *byte, n int) int

// packNEON writes the non-zero bytes of the n bytes at src to dst, in order, given
// the bitmap of src at bm. It returns the bytes of src done and of dst written.
// Each 8 bytes are packed with one TBL and stored whole, so it stops before a
// 64-byte block whose stores could reach past room bytes of dst.
//
//go:noescape
func packNEON(dst, src, bm *byte, n, room int, table *byte) (done, written int)

// expandNEON decodes the n bytes at dst from their bitmap at bm (n/8 bytes) and
// the non-zero bytes at src, of which avail are there. It returns the bytes of
// dst done and of src read, stopping before a 64-byte block that needs more than
// avail bytes or would take a zero byte, which it leaves unwritten. Each block's
// bitmap is read before the block is written, so bm may lie inside dst past the
// block. Its 8-byte loads never reach past avail (near the end they start at
// avail-8 and the TBL indexes shift); it stops at once when avail < 8.
//
//go:noescape
func expandNEON(dst, bm, src *byte, n, avail int, table *byte) (done, read int)

// neonTables is the table packNEON and expandNEON index by bitmap byte (layout above).
var neonTables = func() (t [4352]byte) {
	for b := range 256 {
		pack, ranks := t[8*b:8*b+8], t[2048+8*b:2048+8*b+8]
		k := 0
		for lane := range 8 {
			pack[lane], ranks[lane] = 0x80, 0x80
			if b&(0x80>>lane) != 0 {
				pack[k], ranks[lane] = byte(lane), byte(k)
				k++
			}
		}
		t[4096+b] = byte(bits.OnesCount8(uint8(b)))
	}
	return t
}()
