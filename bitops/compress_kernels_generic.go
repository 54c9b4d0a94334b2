//go:build purego || noasm || !(amd64 || arm64)

package bitops

// Without assembly the word kernels of compress_kernels.go do all the work.

func bitmapVec(dst, src []byte) (done, count int)              { return 0, 0 }
func packVec(dst, src, bm []byte) (done, written int)          { return 0, 0 }
func expandVec(dst, bm, data []byte, ptr int) (done, read int) { return 0, 0 }
