//go:build purego || noasm || !(amd64 || arm64)

package bitops

// Without assembly every operation runs in Go: blockBytes is always zero, so the
// block functions below are never called.

func blockBytes(int) int { return 0 }

func andBlocks(dst, a, b *byte, n int)         { panic(noBlocks) }
func orBlocks(dst, a, b *byte, n int)          { panic(noBlocks) }
func xorBlocks(dst, a, b *byte, n int)         { panic(noBlocks) }
func testBlocks(p *byte, n int) bool           { panic(noBlocks) }
func popcountBlocks(p *byte, n int) int        { panic(noBlocks) }
func and3Blocks(dst, a, b, c *byte, n int)     { panic(noBlocks) }
func orAnd3Blocks(dst, a, b, c *byte, n int)   { panic(noBlocks) }
func orIntoBlocks(dst, src *byte, n int)       { panic(noBlocks) }
func andIntoBlocks(dst, src *byte, n int) bool { panic(noBlocks) }

const noBlocks = "bitops: no vector kernels in this build"
