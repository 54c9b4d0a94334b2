//go:build purego || noasm || !(amd64 || arm64)

package rotate

func transpose8(dst *[BloomBitLength]byte, src *[8][BloomByteLength]byte) {
	transpose8Generic(dst, src)
}

// scatterWords reports false: this build has no vector kernels.
func scatterWords(dst []byte, stride int, r *rows, words int) bool { return false }
