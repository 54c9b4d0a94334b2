//go:build purego || noasm || !(amd64 || arm64)

package cpu

func detect() (Level, Features) { return Generic, Features{} }
