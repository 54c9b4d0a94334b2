package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// tree is the fork's source tree as the tool changes it: every file it reads
// or writes, in memory until -w writes the changed ones.
type tree struct {
	root     string            // the fork's module root (holds go.mod)
	module   string            // its module path
	orig     map[string][]byte // file contents as read, by slash path from root
	files    map[string][]byte // contents after the changes so far
	goFiles  []string          // the tree's .go files, sorted
	problems []problem         // what could not be placed
	changes  map[string][]string
}

// problem is something the tool could not place: the file and the package,
// type or function it looked for, and why.
type problem struct{ file, name, why string }

func (p problem) String() string { return fmt.Sprintf("%s: %s: %s", p.file, p.name, p.why) }

var moduleLine = regexp.MustCompile(`(?m)^module\s+(\S+)`)

func loadTree(root string) (*tree, error) {
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return nil, fmt.Errorf("%s is not a module root: %w", root, err)
	}
	m := moduleLine.FindSubmatch(gomod)
	if m == nil {
		return nil, fmt.Errorf("%s/go.mod has no module line", root)
	}
	t := &tree{root: root, module: strings.Trim(string(m[1]), `"`), orig: map[string][]byte{}, files: map[string][]byte{}, changes: map[string][]string{}}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			if path != root {
				if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
					return filepath.SkipDir // another module
				}
			}
			return nil
		}
		if strings.HasSuffix(name, ".go") {
			rel, _ := filepath.Rel(root, path)
			t.goFiles = append(t.goFiles, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(t.goFiles)
	return t, err
}

// read returns a file's current contents (nil if it does not exist).
func (t *tree) read(rel string) []byte {
	if b, ok := t.files[rel]; ok {
		return b
	}
	b, err := os.ReadFile(filepath.Join(t.root, filepath.FromSlash(rel)))
	if err != nil {
		b = nil
	}
	t.orig[rel], t.files[rel] = b, b
	return b
}

func (t *tree) set(rel string, b []byte, why string) {
	t.read(rel)
	if !bytes.Equal(t.files[rel], b) {
		t.files[rel] = b
		t.changes[rel] = append(t.changes[rel], why)
	}
}

func (t *tree) fail(file, name, why string, args ...any) {
	t.problems = append(t.problems, problem{file, name, fmt.Sprintf(why, args...)})
}

// changed lists the files whose contents differ from the tree on disk.
func (t *tree) changed() []string {
	var out []string
	for rel, b := range t.files {
		if !bytes.Equal(b, t.orig[rel]) {
			out = append(out, rel)
		}
	}
	sort.Strings(out)
	return out
}

// pkgFiles parses the non-test .go files of a directory: one package.
func (t *tree) pkgFiles(dir string) []*srcFile {
	var out []*srcFile
	for _, rel := range t.goFiles {
		if filepath.ToSlash(filepath.Dir(rel)) != dir || strings.HasSuffix(rel, "_test.go") {
			continue
		}
		if f := t.parse(rel); f != nil {
			out = append(out, f)
		}
	}
	return out
}

// srcFile is one parsed file and the edits planned on it.
type srcFile struct {
	rel   string
	src   []byte
	fset  *token.FileSet
	ast   *ast.File
	edits []edit
}

func (t *tree) parse(rel string) *srcFile {
	src := t.read(rel)
	if src == nil {
		return nil
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, rel, src, parser.ParseComments)
	if err != nil {
		t.fail(rel, "file", "does not parse: %v", err)
		return nil
	}
	return &srcFile{rel: rel, src: src, fset: fset, ast: f}
}

// importPath returns the path this file imports under the package name name
// (explicit, or the path's last element), or "".
func (f *srcFile) importPath(name string) string {
	for _, s := range f.ast.Imports {
		p := strings.Trim(s.Path.Value, `"`)
		if s.Name != nil {
			if s.Name.Name == name {
				return p
			}
			continue
		}
		if p == name || strings.HasSuffix(p, "/"+name) {
			return p
		}
	}
	return ""
}
