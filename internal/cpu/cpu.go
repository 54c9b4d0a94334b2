// Package cpu selects the kernel level once at start-up: the best the CPU runs,
// lowered (never raised) by BLOOMSIMD_IMPL. The kernels' callers read Active and
// Has on every call, so tests and benchmarks can switch the level with Set or
// mask features off with MaskForTest (mask.go).
package cpu

import (
	"fmt"
	"os"
	"strings"
)

// Level is a family of kernels, ordered so that a higher level needs more of the CPU.
type Level uint8

const (
	Generic Level = iota // pure Go, every architecture
	NEON                 // arm64 baseline
	AVX2                 // amd64 with AVX2 (and BMI2)
	AVX512               // amd64 with AVX-512 F+BW+VL
)

var names = [...]string{Generic: "generic", NEON: "neon", AVX2: "avx2", AVX512: "avx512"}

func (l Level) String() string { return names[l] }

// Parse maps an implementation name to its level.
func Parse(name string) (Level, bool) {
	for l, n := range names {
		if n == name {
			return Level(l), true
		}
	}
	return Generic, false
}

// Features are the optional extensions some kernels use on top of their level.
type Features struct {
	GFNI      bool // GF2P8AFFINEQB (bit-matrix transposes); VEX form with AVX2, EVEX with AVX-512
	VBMI      bool // VPERMB, VPERMI2B
	VBMI2     bool // VPCOMPRESSB, VPEXPANDB
	VPOPCNTDQ bool // VPOPCNTQ
}

var (
	// Best is the highest level this CPU and build can run.
	Best Level
	// Has lists the optional extensions of this CPU (all false in pure-Go builds).
	Has Features
	// Ceiling is the highest level this process may use: Best, or lower when
	// BLOOMSIMD_IMPL asked for less. Set never goes above it.
	Ceiling Level
	// Active is the level the kernels dispatch on.
	Active Level
)

func init() {
	Best, Has = detect()
	Active, Ceiling = Best, Best
	if env := os.Getenv("BLOOMSIMD_IMPL"); env != "" {
		if err := lower(env); err != nil {
			fmt.Fprintf(os.Stderr, "bloomsimd: BLOOMSIMD_IMPL=%s ignored: %v; using %s\n", env, err, Active)
		}
		Ceiling = Active
	}
}

// Supported lists the levels this process may run, best first: those of the CPU up to
// the Ceiling that BLOOMSIMD_IMPL set.
func Supported() []Level {
	var out []Level
	for l := AVX512; l > Generic; l-- {
		if runnable(l) {
			out = append(out, l)
		}
	}
	return append(out, Generic)
}

// runnable reports whether this process may run level l: the levels of one
// architecture are nested up to the Ceiling; the other architecture's never run.
func runnable(l Level) bool {
	switch l {
	case NEON:
		return Ceiling == NEON
	case AVX2:
		return Ceiling >= AVX2
	default:
		return l <= Ceiling && l != NEON
	}
}

func lower(name string) error {
	l, ok := Parse(strings.ToLower(strings.TrimSpace(name)))
	if !ok {
		return fmt.Errorf("unknown implementation (want one of %s)", strings.Join(names[:], ", "))
	}
	if !runnable(l) {
		return fmt.Errorf("this CPU or build cannot run %s", l)
	}
	Active = l
	return nil
}

// Set makes name the active level and returns a function restoring the previous
// one. It only accepts levels this CPU runs, up to the Ceiling. It is meant for tests and benchmarks:
// calling it while other goroutines run kernels is a data race.
func Set(name string) (restore func(), err error) {
	prev := Active
	if err := lower(name); err != nil {
		return func() {}, fmt.Errorf("bloomsimd: %s: %w", name, err)
	}
	return func() { Active = prev }, nil
}
