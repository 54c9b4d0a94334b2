//go:build race

package rotate

import (
	"runtime"
	"unsafe"
)

// The race detector does not see the memory the assembly kernels touch: tell it.

func raceTranspose8(dst *[BloomBitLength]byte, src *[8][BloomByteLength]byte) {
	runtime.RaceReadRange(unsafe.Pointer(src), len(src)*BloomByteLength)
	runtime.RaceWriteRange(unsafe.Pointer(dst), len(dst))
}

func raceScatter(dst []byte, stride int, r *rows, words int) {
	runtime.RaceReadRange(unsafe.Pointer(r), 8*words*BloomBitLength)
	for i := 0; i < BloomBitLength; i++ {
		runtime.RaceWriteRange(unsafe.Pointer(&dst[i*stride]), 8*words)
	}
}
