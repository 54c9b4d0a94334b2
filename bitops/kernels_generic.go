//go:build purego || noasm || !(amd64 || arm64)

package bitops

import "github.com/bloomsimd/bloomsimd/internal/cpu"

// Without assembly there are no vector kernels: every operation runs in Go.
var vector [cpu.Generic + 1]blockKernels
