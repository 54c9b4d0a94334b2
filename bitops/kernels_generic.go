//go:build purego || noasm || !(amd64 || arm64)

package bitops

// Without assembly there are no vector kernels: blockBytes is always 0, every
// operation runs in Go and the *Blocks functions are never called.
const hasKernels = false

func andBlocks(dst, a, b *byte, n int)         { noKernels() }
func orBlocks(dst, a, b *byte, n int)          { noKernels() }
func xorBlocks(dst, a, b *byte, n int)         { noKernels() }
func testBlocks(p *byte, n int) bool           { noKernels(); return false }
func popcountBlocks(p *byte, n int) int        { noKernels(); return 0 }
func and3Blocks(dst, a, b, c *byte, n int)     { noKernels() }
func orAnd3Blocks(dst, a, b, c *byte, n int)   { noKernels() }
func orIntoBlocks(dst, src *byte, n int)       { noKernels() }
func andIntoBlocks(dst, src *byte, n int) bool { noKernels(); return false }

func noKernels() { panic("bitops: vector kernel called in a build without kernels") }
