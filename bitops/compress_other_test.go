//go:build !amd64 || purego || noasm

package bitops

// maskedTails: only the amd64 AVX-512 compression kernels take a vector's tail.
func maskedTails() bool { return false }
