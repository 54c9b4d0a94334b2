//go:build !purego && !noasm

package bitops

import (
	"math/bits"

	"github.com/bloomsimd/bloomsimd/bitops/asm"
	"github.com/bloomsimd/bloomsimd/internal/cpu"
)

// The NEON compression kernels take the leading whole 64-byte blocks;
// compress_words.go does the rest. The calls are direct, not through a table of
// funcs, so that the stack buffers of AppendCompressed stay on the stack.

// neonTables is the shuffle table the NEON pack and expand kernels index by bitmap
// byte (layout in bitops/asm/compress_arm64.go).
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

func bitmapVec(dst, src []byte) (done, count int) {
	n := len(src) &^ 63
	if n == 0 || cpu.Active != cpu.NEON {
		return 0, 0
	}
	return n, asm.BitmapNEON(&dst[0], &src[0], n)
}

func packVec(dst, src, bm []byte) (done, written int) {
	n := len(src) &^ 63
	if n == 0 || len(dst) == 0 || cpu.Active != cpu.NEON {
		return 0, 0
	}
	return asm.PackNEON(&dst[0], &src[0], &bm[0], n, len(dst), &neonTables[0])
}

// expandVec decodes from data[ptr:]; data is not empty, ptr <= len(data).
func expandVec(dst, bm, data []byte, ptr int) (done, read int) {
	n := len(dst) &^ 63
	if n == 0 || ptr == len(data) || cpu.Active != cpu.NEON {
		return 0, 0
	}
	return asm.ExpandNEON(&dst[0], &bm[0], &data[ptr], n, len(data)-ptr, &neonTables[0])
}
