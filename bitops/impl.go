package bitops

import "github.com/bloomsimd/bloomsimd/internal/cpu"

// Implementation names the kernels that run: "avx512", "avx2", "neon" or "generic".
func Implementation() string { return cpu.Active.String() }

// Implementations lists the implementations this CPU and build can run, best first,
// down from the one BLOOMSIMD_IMPL lowered the choice to at start-up. A process
// runs Implementation() only: there is no switch at run time.
func Implementations() []string {
	var out []string
	for _, l := range cpu.Supported() {
		out = append(out, l.String())
	}
	return out
}
