//go:build !amd64 || purego || noasm

package bitops

// TestBytes reports whether any byte of p is non-zero.
func TestBytes(p []byte) bool {
	m := blockBytes(len(p))
	if m > 0 {
		if raceEnabled {
			raceRead(p[:m])
		}
		if testBlocks(&p[0], m) {
			return true
		}
	}
	return m < len(p) && anySetGeneric(p[m:])
}
