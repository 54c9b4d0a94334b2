//go:build !purego && !noasm

package cpu

// NEON (ASIMD) is part of the arm64 baseline, as the Go toolchain assumes.
func detect() (Level, Features) { return NEON, Features{} }
