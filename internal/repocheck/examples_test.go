package repocheck

import (
	"go/doc"
	"go/parser"
	"go/token"
	"strings"
	"testing"
)

// TestExamplesPlayable parses the module's test files and fails for every
// example go/doc cannot make a program of: one in the package itself (not
// x_test), or one that uses a test helper of another file.
func TestExamplesPlayable(t *testing.T) {
	found := 0
	testFiles(t, func(path string, src []byte) {
		f, err := parser.ParseFile(token.NewFileSet(), path, src, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, ex := range doc.Examples(f) {
			found++
			if ex.Play == nil {
				t.Errorf("%s: Example%s is not runnable as shown: it must be in package %s_test and use only exported API, imports and declarations of its own file",
					path, ex.Name, strings.TrimSuffix(f.Name.Name, "_test"))
			}
		}
	})
	if found == 0 {
		t.Fatal("no examples found")
	}
}
