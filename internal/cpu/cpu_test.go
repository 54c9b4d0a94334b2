package cpu

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

func TestSupportedEndsWithGeneric(t *testing.T) {
	s := Supported()
	if s[0] != Ceiling || s[len(s)-1] != Generic {
		t.Fatalf("Supported() = %v with Ceiling %v", s, Ceiling)
	}
}

func TestSetOnlyLowers(t *testing.T) {
	for l := Generic; l <= AVX512; l++ {
		restore, err := Set(l.String())
		if runnable(l) != (err == nil) {
			t.Fatalf("Set(%v) with Ceiling %v: err = %v", l, Ceiling, err)
		}
		if err == nil && Active != l {
			t.Fatalf("Set(%v) left %v active", l, Active)
		}
		restore()
	}
	if _, err := Set("sse9"); err == nil {
		t.Fatal("Set accepted an unknown name")
	}
}

// BLOOMSIMD_IMPL is read at start-up: run this test binary again with it set.
func TestEnvironmentOverride(t *testing.T) {
	if name := os.Getenv("BLOOMSIMD_CHILD_EXPECT"); name != "" {
		if Active.String() != name || Supported()[0] != Active {
			t.Fatalf("child: active %v, supported %v, want %s", Active, Supported(), name)
		}
		return
	}
	cases := []struct{ env, want, stderr string }{
		{"generic", "generic", ""},
		{"bogus", Best.String(), "unknown implementation"},
	}
	if Best == AVX512 {
		cases = append(cases, struct{ env, want, stderr string }{"avx2", "avx2", ""})
	}
	if Best != AVX512 {
		cases = append(cases, struct{ env, want, stderr string }{"avx512", Best.String(), "cannot run avx512"})
	}
	for _, c := range cases {
		cmd := exec.Command(os.Args[0], "-test.run=^TestEnvironmentOverride$")
		cmd.Env = append(os.Environ(), "BLOOMSIMD_IMPL="+c.env, "BLOOMSIMD_CHILD_EXPECT="+c.want)
		out, err := cmd.CombinedOutput()
		if errors.Is(err, syscall.ENOEXEC) {
			t.Skip("cannot re-execute the test binary here (emulated run without binfmt)")
		}
		if err != nil {
			t.Fatalf("BLOOMSIMD_IMPL=%s: %v\n%s", c.env, err, out)
		}
		if c.stderr != "" && !strings.Contains(string(out), c.stderr) {
			t.Fatalf("BLOOMSIMD_IMPL=%s: no message containing %q:\n%s", c.env, c.stderr, out)
		}
	}
}
