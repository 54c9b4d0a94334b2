package bitops

import "github.com/bloomsimd/bloomsimd/internal/cpu"

// Implementation names the kernels that run: "avx512", "avx2", "neon" or "generic".
func Implementation() string { return cpu.Active.String() }

// Implementations lists the implementations this CPU and build can run, best first.
func Implementations() []string {
	var out []string
	for _, l := range cpu.Supported() {
		out = append(out, l.String())
	}
	return out
}

// SetImplementation switches every bloomsimd package to the named implementation and
// returns a function that restores the previous one. It refuses an implementation
// the CPU cannot run. It exists for tests and benchmarks that compare
// implementations in one process; it must not be called while other goroutines use
// the package.
func SetImplementation(name string) (restore func(), err error) { return cpu.Set(name) }
