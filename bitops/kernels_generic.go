//go:build purego || noasm || !(amd64 || arm64)

package bitops

// Without assembly there are no vector kernels: blockBytes is always 0, every
// operation runs in Go and the *Blocks and *Wide functions are never called.
const hasKernels = false

func wide() bool         { return false }
func widePopcount() bool { return false }

func andBlocks(_, _, _ *byte, _ int)       { noKernels() }
func orBlocks(_, _, _ *byte, _ int)        { noKernels() }
func xorBlocks(_, _, _ *byte, _ int)       { noKernels() }
func testBlocks(_ *byte, _ int) bool       { noKernels(); return false }
func popcountBlocks(_ *byte, _ int) int    { noKernels(); return 0 }
func and3Blocks(_, _, _, _ *byte, _ int)   { noKernels() }
func orAnd3Blocks(_, _, _, _ *byte, _ int) { noKernels() }
func orIntoBlocks(_, _ *byte, _ int)       { noKernels() }
func andIntoBlocks(_, _ *byte, _ int) bool { noKernels(); return false }

func andWide(_, _, _ *byte, _ int)       { noKernels() }
func orWide(_, _, _ *byte, _ int)        { noKernels() }
func xorWide(_, _, _ *byte, _ int)       { noKernels() }
func testWide(_ *byte, _ int) bool       { noKernels(); return false }
func popcountWide(_ *byte, _ int) int    { noKernels(); return 0 }
func and3Wide(_, _, _, _ *byte, _ int)   { noKernels() }
func orAnd3Wide(_, _, _, _ *byte, _ int) { noKernels() }
func orIntoWide(_, _ *byte, _ int)       { noKernels() }
func andIntoWide(_, _ *byte, _ int) bool { noKernels(); return false }

func noKernels() { panic("bitops: vector kernel called in a build without kernels") }
