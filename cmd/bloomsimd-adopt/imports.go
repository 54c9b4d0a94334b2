package main

import (
	"path"
	"strconv"
	"strings"
)

// The two packages bloomsimd replaces, by the last elements of their import
// paths (go-ethereum's, or a fork's own copy), and what they become. One path
// carries each package's whole API: matcher holds the Matcher and the
// Generator, bitops all of common/bitutil.
var swaps = []struct{ suffix, name, path string }{
	{"/core/bloombits", "bloombits", "github.com/bloomsimd/bloomsimd/matcher"},
	{"/common/bitutil", "bitutil", "github.com/bloomsimd/bloomsimd/bitops"},
}

// swapImports points every import of core/bloombits and common/bitutil (the
// fork's own copy or go-ethereum's, as a dependency) at bloomsimd, keeping the
// name the file uses. The fork's own copies of those packages stay (other
// code and tests may still import them), unused by the node.
func (t *tree) swapImports() {
	for _, rel := range t.goFiles {
		dir := path.Dir(rel)
		if strings.HasSuffix("/"+dir, "/core/bloombits") || strings.HasSuffix("/"+dir, "/common/bitutil") {
			continue
		}
		src := t.read(rel)
		if !strings.Contains(string(src), "/core/bloombits\"") && !strings.Contains(string(src), "/common/bitutil\"") {
			continue // not parsed: most files import neither
		}
		f := t.parse(rel)
		if f == nil {
			continue
		}
		var swapped []string
		for _, s := range f.ast.Imports {
			p, _ := strconv.Unquote(s.Path.Value)
			for _, sw := range swaps {
				if !strings.HasSuffix(p, sw.suffix) || strings.HasPrefix(p, "github.com/bloomsimd/") {
					continue
				}
				name := sw.name
				if s.Name != nil {
					name = s.Name.Name
				}
				f.replace(s, name+" "+strconv.Quote(sw.path))
				swapped = append(swapped, p)
			}
		}
		if len(swapped) > 0 {
			t.apply(f, "import "+strings.Join(swapped, ", ")+" swapped for bloomsimd's")
		}
	}
}
