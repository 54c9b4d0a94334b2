package repocheck

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestMakefileFuzzTargets fails for a fuzz target of the module or of bench/
// that the Makefile's FUZZ_TARGETS (make fuzz, make test-fuzz) leaves out, or
// lists under another package.
func TestMakefileFuzzTargets(t *testing.T) {
	makefile, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile(`(?m)^FUZZ_TARGETS := \\\n((?:.*\\\n)*.*)`).FindSubmatch(makefile)
	if block == nil {
		t.Fatal("no FUZZ_TARGETS in the Makefile")
	}
	listed := map[string]bool{}
	for _, f := range strings.Fields(strings.ReplaceAll(string(block[1]), "\\", " ")) {
		if parts := strings.Split(f, ":"); len(parts) == 3 {
			listed[parts[0]+":"+parts[1]] = true
		}
	}
	fuzzFunc := regexp.MustCompile(`(?m)^func (Fuzz\w*)\(`)
	found := 0
	testFiles(t, func(path string, src []byte) {
		rel, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil {
			t.Fatal(err)
		}
		pkg := filepath.ToSlash(rel)
		for _, m := range fuzzFunc.FindAllSubmatch(src, -1) {
			found++
			if !listed[pkg+":"+string(m[1])] {
				t.Errorf("%s: %s is not in the Makefile's FUZZ_TARGETS as %s:%s:<executions>", path, m[1], pkg, m[1])
			}
		}
	})
	if found == 0 {
		t.Fatal("no fuzz targets found")
	}
}
