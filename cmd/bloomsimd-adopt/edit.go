package main

import (
	"bytes"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// edit replaces the bytes [start, end) of a file with text. The tool finds
// start and end from the syntax tree (a declaration, a statement, an import),
// never from line numbers.
type edit struct {
	start, end int
	text       string
}

func (f *srcFile) off(p token.Pos) int { return f.fset.Position(p).Offset }

func (f *srcFile) text(n ast.Node) string { return string(f.src[f.off(n.Pos()):f.off(n.End())]) }

func (f *srcFile) replace(n ast.Node, text string) {
	f.edits = append(f.edits, edit{f.off(n.Pos()), f.off(n.End()), text})
}

// insertAfter inserts text at the end of n's last line (after a trailing
// comment), so that text starting with a newline goes on lines of its own.
func (f *srcFile) insertAfter(n ast.Node, text string) {
	e := f.off(n.End())
	if i := bytes.IndexByte(f.src[e:], '\n'); i >= 0 {
		e += i
	}
	f.edits = append(f.edits, edit{e, e, text})
}

func (f *srcFile) insertBefore(n ast.Node, text string) {
	s := f.off(n.Pos())
	f.edits = append(f.edits, edit{s, s, text})
}

// apply applies the edits, drops imports the file no longer uses, and
// gofmts the result; the file goes back to the tree.
func (t *tree) apply(f *srcFile, why string) {
	if len(f.edits) == 0 {
		return
	}
	sort.Slice(f.edits, func(i, j int) bool { return f.edits[i].start > f.edits[j].start })
	src := append([]byte(nil), f.src...)
	for _, e := range f.edits {
		src = append(src[:e.start], append([]byte(e.text), src[e.end:]...)...)
	}
	src, err := dropUnusedImports(f.rel, selectorNames(f.ast), src)
	if err == nil {
		src, err = format.Source(src)
	}
	if err != nil {
		t.fail(f.rel, "file", "the changed file does not parse: %v", err)
		return
	}
	t.set(f.rel, src, why)
}

// dropUnusedImports removes the imports the file named before the edits
// (usedBefore) and no longer names: the ones a replaced function body was the
// only user of. An import whose package name differs from its path's last
// element (github.com/ava-labs/libevm is package ethereum) is never named by
// that guess, so it stays.
func dropUnusedImports(rel string, usedBefore map[string]bool, src []byte) ([]byte, error) {
	g, err := parseSrc(rel, src)
	if err != nil {
		return nil, err
	}
	used := selectorNames(g.ast)
	for _, s := range g.ast.Imports {
		name := importName(s)
		if !usedBefore[name] || used[name] {
			continue
		}
		g.edits = append(g.edits, edit{g.off(s.Pos()), g.off(s.End()), ""})
	}
	sort.Slice(g.edits, func(i, j int) bool { return g.edits[i].start > g.edits[j].start })
	for _, e := range g.edits {
		src = append(src[:e.start:e.start], src[e.end:]...)
	}
	return src, nil
}

// selectorNames is the set of identifiers a file uses as X in X.Sel.
func selectorNames(f *ast.File) map[string]bool {
	used := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if s, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := s.X.(*ast.Ident); ok {
				used[id.Name] = true
			}
		}
		return true
	})
	return used
}

// importName is the name a file uses for an import: explicit, or the path's
// last element without a major-version suffix.
func importName(s *ast.ImportSpec) string {
	if s.Name != nil {
		return s.Name.Name
	}
	p, _ := strconv.Unquote(s.Path.Value)
	parts := strings.Split(p, "/")
	last := parts[len(parts)-1]
	if len(parts) > 1 && len(last) > 1 && last[0] == 'v' && strings.Trim(last[1:], "0123456789") == "" {
		last = parts[len(parts)-2]
	}
	return strings.TrimPrefix(strings.TrimSuffix(last, "-go"), "go-")
}

func parseSrc(rel string, src []byte) (*srcFile, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, rel, src, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	return &srcFile{rel: rel, src: src, fset: fset, ast: f}, nil
}

// ensureImport adds `name "path"` to a file's parenthesized import block, as
// a group of its own at its end, unless the file imports path already.
func (f *srcFile) ensureImport(t *tree, name, path string) {
	for _, s := range f.ast.Imports {
		if p, _ := strconv.Unquote(s.Path.Value); p == path {
			return
		}
	}
	for _, d := range f.ast.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.IMPORT && g.Lparen.IsValid() {
			at := f.off(g.Rparen) // a group of its own, after the file's
			f.edits = append(f.edits, edit{at, at, "\n\t" + name + " " + strconv.Quote(path) + "\n"})
			return
		}
	}
	t.fail(f.rel, "import", "no parenthesized import block to add %s to", path)
}

// mentions reports whether an identifier named name occurs in n.
func mentions(n ast.Node, name string) bool {
	found := false
	ast.Inspect(n, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && id.Name == name {
			found = true
		}
		return !found
	})
	return found
}

// findFunc finds the function name (a method of recv when recv is not "")
// among a package's files.
func findFunc(files []*srcFile, recv, name string) (*srcFile, *ast.FuncDecl) {
	for _, f := range files {
		for _, d := range f.ast.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Name.Name != name || fd.Body == nil {
				continue
			}
			if recv == "" && fd.Recv == nil || recv != "" && fd.Recv != nil && recvType(fd) == recv {
				return f, fd
			}
		}
	}
	return nil, nil
}

func recvType(fd *ast.FuncDecl) string {
	if len(fd.Recv.List) != 1 {
		return ""
	}
	x := fd.Recv.List[0].Type
	if s, ok := x.(*ast.StarExpr); ok {
		x = s.X
	}
	if id, ok := x.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

func recvName(fd *ast.FuncDecl) string {
	if n := fd.Recv.List[0].Names; len(n) == 1 {
		return n[0].Name
	}
	return ""
}

// findStruct finds the struct type name among a package's files.
func findStruct(files []*srcFile, name string) (*srcFile, *ast.StructType) {
	for _, f := range files {
		for _, d := range f.ast.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.TYPE {
				continue
			}
			for _, s := range g.Specs {
				ts := s.(*ast.TypeSpec)
				if st, ok := ts.Type.(*ast.StructType); ok && ts.Name.Name == name {
					return f, st
				}
			}
		}
	}
	return nil, nil
}

// field returns the struct's field name, or nil.
func field(st *ast.StructType, name string) *ast.Field {
	for _, fl := range st.Fields.List {
		for _, n := range fl.Names {
			if n.Name == name {
				return fl
			}
		}
	}
	return nil
}

// declared reports whether a package declares name at top level (in any of
// its files, tests included) or as a method of recv.
func (t *tree) declared(dir, recv, name string) string {
	for _, rel := range t.goFiles {
		if filepath.ToSlash(filepath.Dir(rel)) != dir {
			continue
		}
		f := t.parse(rel)
		if f == nil {
			continue
		}
		for _, d := range f.ast.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Name.Name == name && (d.Recv == nil) == (recv == "") && (recv == "" || recvType(d) == recv) {
					return rel
				}
			case *ast.GenDecl:
				if recv != "" {
					continue
				}
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						if s.Name.Name == name {
							return rel
						}
					case *ast.ValueSpec:
						for _, n := range s.Names {
							if n.Name == name {
								return rel
							}
						}
					}
				}
			}
		}
	}
	return ""
}
