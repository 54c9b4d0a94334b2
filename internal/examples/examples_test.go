package examples

import (
	"go/doc"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestExamplesPlayable parses the module's test files and fails for every
// example go/doc cannot make a program of: one in the package itself (not
// x_test), or one that uses a test helper of another file.
func TestExamplesPlayable(t *testing.T) {
	root := filepath.Join("..", "..")
	found := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "bench", "gen", "testdata", ".tmp", ".git": // own modules, data
				if path != root {
					return filepath.SkipDir
				}
			}
			return nil
		}
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		for _, ex := range doc.Examples(f) {
			found++
			if ex.Play == nil {
				t.Errorf("%s: Example%s is not runnable as shown: move it to package %s_test, with what it uses in its file",
					path, ex.Name, strings.TrimSuffix(f.Name.Name, "_test"))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found == 0 {
		t.Fatal("no examples found")
	}
}
