//go:build race

package bitops

import (
	"runtime"
	"unsafe"
)

// The race detector cannot see the assembly kernels' loads and stores; the entry
// points report the ranges they touch.

const raceEnabled = true

func raceRead(p []byte) {
	if len(p) > 0 {
		runtime.RaceReadRange(unsafe.Pointer(&p[0]), len(p))
	}
}

func raceWrite(p []byte) {
	if len(p) > 0 {
		runtime.RaceWriteRange(unsafe.Pointer(&p[0]), len(p))
	}
}
