//go:build purego || noasm || !(amd64 || arm64)

package bitops

// Without assembly there are no vector kernels: blockBytes is always 0, every
// operation runs in Go and the *Blocks functions are never called.
const hasKernels = false

func andBlocks(dst, a, b []byte)         { noKernels() }
func orBlocks(dst, a, b []byte)          { noKernels() }
func xorBlocks(dst, a, b []byte)         { noKernels() }
func testBlocks(p []byte) bool           { noKernels(); return false }
func popcountBlocks(p []byte) int        { noKernels(); return 0 }
func and3Blocks(dst, a, b, c []byte)     { noKernels() }
func orAnd3Blocks(dst, a, b, c []byte)   { noKernels() }
func orIntoBlocks(dst, src []byte)       { noKernels() }
func andIntoBlocks(dst, src []byte) bool { noKernels(); return false }

func noKernels() { panic("bitops: vector kernel called in a build without kernels") }
