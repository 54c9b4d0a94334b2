//go:build !purego && !noasm

package rotate

import "github.com/bloomsimd/bloomsimd/internal/cpu"

// Implementation names the kernels that run: "neon" or "generic".
func Implementation() string { return cpu.Active.String() }
