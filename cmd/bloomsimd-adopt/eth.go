package main

import (
	"bytes"
	"go/ast"
	"go/token"
	"strings"
)

// adoptEth wires the node (package eth): the index-writer call and the
// index's construction in New, its stop in Stop, a field on Ethereum, the
// retrieval servers, BloomStatus and the generated eth/bloomsimd.go.
func (t *tree) adoptEth(snapshot string, precise bool) {
	const dir = "eth"
	before := len(t.problems)
	files := t.pkgFiles(dir)
	if len(files) == 0 {
		t.fail(dir, "package eth", "not found")
		return
	}
	sf, st := findStruct(files, "Ethereum")
	if st == nil {
		t.fail(dir, "type Ethereum", "no such struct")
		return
	}
	for _, name := range []string{"chainDb", "blockchain", "bloomIndexer", "bloomRequests", "closeBloomHandler"} {
		if field(st, name) == nil {
			t.fail(sf.rel, "Ethereum."+name, "no such field (the generated code reads it)")
		}
	}
	if bf, bst := findStruct(files, "EthAPIBackend"); bst == nil || field(bst, "eth") == nil {
		t.fail(dir, "EthAPIBackend.eth", "no such type or field")
	} else if where := t.declared(dir, "EthAPIBackend", "BloomSource"); where != "" && where != "eth/bloomsimd.go" {
		t.fail(bf.rel, "EthAPIBackend.BloomSource", "already declared in %s", where)
	}
	for _, name := range []string{"bloomSIMD", "newBloomSIMD"} {
		if where := t.declared(dir, "", name); where != "" && where != "eth/bloomsimd.go" {
			t.fail(where, name, "already declared: the generated eth/bloomsimd.go would clash")
		}
	}
	if len(t.problems) > before {
		return
	}

	// The field, next to the bloom indexer's.
	if field(st, "bloomSIMD") == nil {
		sf.insertAfter(field(st, "bloomIndexer"), "\n\tbloomSIMD *bloomSIMD // bloomsimd: the node's bloom-bit index (eth/bloomsimd.go)")
		t.apply(sf, "field Ethereum.bloomSIMD")
		files = t.pkgFiles(dir)
	}
	t.adoptNew(files)
	files = t.pkgFiles(dir)
	t.adoptStop(files)
	files = t.pkgFiles(dir)
	t.adoptStartBloomHandlers(files)
	files = t.pkgFiles(dir)
	t.adoptBloomStatus(files)

	imp := t.packageImports(files, "core", "types", "ethdb", "event", "log")
	eventHeader := t.chainHeadEventHeader(imp["core"])
	if imp == nil || eventHeader == "" {
		return
	}
	imp["eventHeader"] = eventHeader
	imp["snapshot"] = snapshot
	if precise {
		imp["precise"] = "true"
	}
	t.generate("eth/bloomsimd.go", "eth", ethFile, imp, "the node's bloom-bit index: Reader and live head composed, fed from the chain head, BloomSource")
	if precise {
		t.generatePreciseEth(files, imp)
	}
}

// adoptNew makes New build the index writer with NewBloomSIMDIndexer and the
// node's index right after the bloom indexer starts.
func (t *tree) adoptNew(files []*srcFile) {
	f, fn := findFunc(files, "", "New")
	if fn == nil {
		t.fail("eth", "func New", "not found")
		return
	}
	if r := fn.Type.Results; r == nil || len(r.List) != 2 || f.text(r.List[1].Type) != "error" {
		t.fail(f.rel, "func New", "does not return (node, error)")
		return
	}
	var size string
	var start *ast.ExprStmt
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			if s, ok := n.Fun.(*ast.SelectorExpr); ok && (s.Sel.Name == "NewBloomIndexer" || s.Sel.Name == "NewBloomSIMDIndexer") && len(n.Args) == 3 {
				size = f.text(n.Args[1])
				if s.Sel.Name == "NewBloomIndexer" {
					f.replace(s.Sel, "NewBloomSIMDIndexer")
				}
			}
		case *ast.ExprStmt:
			if isCall(n.X, "bloomIndexer", "Start") {
				start = n
			}
		}
		return true
	})
	switch {
	case size == "":
		t.fail(f.rel, "New: core.NewBloomIndexer(db, size, confirms)", "call not found")
	case start == nil:
		t.fail(f.rel, "New: bloomIndexer.Start(chain)", "call not found")
	case !mentions(fn.Body, "newBloomSIMD"):
		x := f.text(start.X.(*ast.CallExpr).Fun.(*ast.SelectorExpr).X.(*ast.SelectorExpr).X)
		f.insertAfter(start, "\n\t// bloomsimd: the node's bloom-bit index, built once here (eth/bloomsimd.go).\n"+
			"\tbloomIndex, err := newBloomSIMD("+x+".chainDb, "+size+", "+x+".bloomIndexer, "+x+".blockchain)\n"+
			"\tif err != nil {\n\t\treturn nil, err\n\t}\n\t"+x+".bloomSIMD = bloomIndex\n")
	}
	t.apply(f, "New: the index writer is core.NewBloomSIMDIndexer; the node's index is built after bloomIndexer.Start")
}

// isCall reports whether x is a call X.field.method(...).
func isCall(x ast.Expr, fieldName, method string) bool {
	c, ok := x.(*ast.CallExpr)
	if !ok {
		return false
	}
	s, ok := c.Fun.(*ast.SelectorExpr)
	if !ok || s.Sel.Name != method {
		return false
	}
	inner, ok := s.X.(*ast.SelectorExpr)
	return ok && inner.Sel.Name == fieldName
}

// adoptStop stops the live index's feeder after the bloom indexer closes.
func (t *tree) adoptStop(files []*srcFile) {
	f, fn := findFunc(files, "Ethereum", "Stop")
	if fn == nil {
		t.fail("eth", "Ethereum.Stop", "not found")
		return
	}
	if mentions(fn.Body, "bloomSIMD") {
		return
	}
	for _, s := range fn.Body.List {
		if e, ok := s.(*ast.ExprStmt); ok && isCall(e.X, "bloomIndexer", "Close") {
			x := f.text(e.X.(*ast.CallExpr).Fun.(*ast.SelectorExpr).X.(*ast.SelectorExpr).X)
			f.insertAfter(s, "\n\t"+x+".bloomSIMD.stop() // bloomsimd: unsubscribes the live index from the chain head")
			t.apply(f, "Stop: the live index's feeder stops")
			return
		}
	}
	t.fail(f.rel, "Ethereum.Stop: bloomIndexer.Close()", "statement not found")
}

// adoptStartBloomHandlers replaces the retrieval servers' body.
func (t *tree) adoptStartBloomHandlers(files []*srcFile) {
	f, fn := findFunc(files, "Ethereum", "startBloomHandlers")
	if fn == nil {
		t.fail("eth", "Ethereum.startBloomHandlers", "not found")
		return
	}
	if len(fn.Type.Params.List) != 1 || len(fn.Type.Params.List[0].Names) != 1 || recvName(fn) == "" {
		t.fail(f.rel, "Ethereum.startBloomHandlers", "not func (x *Ethereum) startBloomHandlers(sectionSize uint64)")
		return
	}
	body := strings.NewReplacer("eth.", recvName(fn)+".", "sectionSize", fn.Type.Params.List[0].Names[0].Name).Replace(startBloomHandlersBody)
	if mentions(fn.Body, "bloomSIMDSource") {
		return
	}
	f.replace(fn.Body, body)
	f.ensureImport(t, "bloombits", swaps[0].path)
	t.apply(f, "startBloomHandlers: the retrieval servers read the node's index")
}

// adoptBloomStatus has BloomStatus report the composed index's sections.
func (t *tree) adoptBloomStatus(files []*srcFile) {
	f, fn := findFunc(files, "EthAPIBackend", "BloomStatus")
	if fn == nil {
		t.fail("eth", "EthAPIBackend.BloomStatus", "not found")
		return
	}
	if mentions(fn.Body, "bloomSIMD") || len(fn.Body.List) == 0 || recvName(fn) == "" {
		return
	}
	b := recvName(fn)
	f.insertBefore(fn.Body.List[0], "if "+b+".eth.bloomSIMD != nil {\n\t\treturn "+b+".eth.bloomSIMD.status() // bloomsimd: disk and live sections\n\t}\n\t")
	t.apply(f, "BloomStatus: the sections of the node's index (disk and live)")
}

// packageImports finds the fork's import path of each named package among a
// package's files.
func (t *tree) packageImports(files []*srcFile, names ...string) map[string]string {
	imp := map[string]string{}
	for _, name := range names {
		for _, f := range files {
			if p := f.importPath(name); p != "" {
				imp[name] = p
				break
			}
		}
		if imp[name] == "" {
			dir := "the package"
			if len(files) > 0 {
				dir = files[0].rel[:strings.LastIndex(files[0].rel, "/")]
			}
			t.fail(dir, "import "+name, "no file of the package imports it: the generated code cannot name it")
			return nil
		}
	}
	return imp
}

// chainHeadEventHeader is how the generated feeder gets the header out of a
// core.ChainHeadEvent: go-ethereum 1.14.12+ sends the Header, older forks the
// Block.
func (t *tree) chainHeadEventHeader(corePath string) string {
	if corePath == "" {
		return ""
	}
	dir := strings.TrimPrefix(strings.TrimPrefix(corePath, t.module), "/")
	if !strings.HasPrefix(corePath, t.module) {
		t.fail("eth", "core.ChainHeadEvent", "package core (%s) is not in this tree", corePath)
		return ""
	}
	_, st := findStruct(t.pkgFiles(dir), "ChainHeadEvent")
	switch {
	case st == nil:
		t.fail(dir, "type ChainHeadEvent", "no such struct")
	case field(st, "Header") != nil:
		return "ev.Header"
	case field(st, "Block") != nil:
		return "ev.Block.Header()"
	default:
		t.fail(dir, "ChainHeadEvent", "has neither a Header nor a Block field")
	}
	return ""
}

// generate writes a generated file unless a file of the same name that the
// tool did not write is in the way.
func (t *tree) generate(rel, pkg, text string, data any, why string) {
	src, err := render(rel, text, data)
	if err != nil {
		t.fail(rel, "generated file", "%v", err)
		return
	}
	if old := t.read(rel); old != nil && !bytes.HasPrefix(old, []byte(generatedHeader)) {
		t.fail(rel, "file", "exists and was not written by bloomsimd-adopt")
		return
	}
	t.goFiles = appendOnce(t.goFiles, rel)
	t.set(rel, src, why)
}

func appendOnce(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

var _ = token.IMPORT
