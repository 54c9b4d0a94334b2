//go:build purego || noasm || !(amd64 || arm64)

package rotate

// Implementation names the kernels that run: always "generic" in this build.
func Implementation() string { return "generic" }
