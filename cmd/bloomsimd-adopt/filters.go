package main

import (
	"bytes"
	"go/ast"
	"text/template"
)

// adoptFilters changes eth/filters: Filter.indexedLogs scans the backend's
// BloomSource when it has one, and Filter.unindexedLogs tests each header's
// bloom with a BloomFilter built once per query.
func (t *tree) adoptFilters() {
	const dir = "eth/filters"
	files := t.pkgFiles(dir)
	f, fn := findFunc(files, "Filter", "indexedLogs")
	if fn == nil {
		t.fail(dir, "Filter.indexedLogs", "not found")
	} else if !mentions(fn.Body, "BloomSource") {
		names := paramNames(fn)
		if len(names) != 3 || len(fn.Body.List) == 0 {
			t.fail(f.rel, "Filter.indexedLogs", "not (ctx, end, logChan)")
		} else {
			var b bytes.Buffer
			template.Must(template.New("scan").Parse(scanBlock)).Execute(&b, map[string]string{"ctx": names[0], "end": names[1], "logChan": names[2]})
			f.insertBefore(fn.Body.List[0], b.String())
			f.ensureImport(t, "bloombits", swaps[0].path)
			t.apply(f, "indexedLogs: the Scan path over the backend's BloomSource")
		}
	}
	files = t.pkgFiles(dir)
	t.adoptUnindexed(files)
}

func paramNames(fn *ast.FuncDecl) []string {
	var out []string
	for _, p := range fn.Type.Params.List {
		for _, n := range p.Names {
			out = append(out, n.Name)
		}
	}
	return out
}

// adoptUnindexed replaces unindexedLogs' call of blockLogs (which rehashes
// the filter's addresses and topics for every block) with a BloomFilter test,
// after checking that blockLogs is go-ethereum's: a bloom test, then
// checkMatches.
func (t *tree) adoptUnindexed(files []*srcFile) {
	f, fn := findFunc(files, "Filter", "unindexedLogs")
	if fn == nil {
		t.fail("eth/filters", "Filter.unindexedLogs", "not found")
		return
	}
	if mentions(fn.Body, "NewBloomFilter") {
		return
	}
	bf, blockLogs := findFunc(files, "Filter", "blockLogs")
	if blockLogs == nil || !isBloomThenCheck(bf, blockLogs) {
		t.fail("eth/filters", "Filter.blockLogs", "not go-ethereum's (if bloomFilter(header.Bloom, f.addresses, f.topics) { return f.checkMatches(ctx, header) }; return nil, nil): unindexedLogs left as it is")
		return
	}
	// The loop over headers and, in it, found, err := f.blockLogs(ctx, header).
	var loop *ast.ForStmt
	var call *ast.AssignStmt
	for _, s := range fn.Body.List {
		l, ok := s.(*ast.ForStmt)
		if !ok {
			continue
		}
		for _, s := range l.Body.List {
			a, ok := s.(*ast.AssignStmt)
			if !ok || len(a.Lhs) != 2 || len(a.Rhs) != 1 {
				continue
			}
			if c, ok := a.Rhs[0].(*ast.CallExpr); ok && len(c.Args) == 2 {
				if sel, ok := c.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "blockLogs" {
					loop, call = l, a
				}
			}
		}
	}
	if call == nil {
		t.fail(f.rel, "Filter.unindexedLogs: found, err := f.blockLogs(ctx, header)", "statement not found in its loop")
		return
	}
	c := call.Rhs[0].(*ast.CallExpr)
	recv, ctx, header := f.text(c.Fun.(*ast.SelectorExpr).X), f.text(c.Args[0]), f.text(c.Args[1])
	found, err := f.text(call.Lhs[0]), f.text(call.Lhs[1])
	f.insertBefore(loop, "// bloomsimd: the filter's addresses and topics hashed once per query, not\n\t"+
		"// once per block (blockLogs calls bloomFilter, which rehashes them).\n\t"+
		"bloom := bloombits.NewBloomFilter("+recv+".addresses, "+recv+".topics)\n\t")
	f.replace(call, "var "+found+" []*types.Log\n\t\t"+
		"if bloom.TestPtr((*[types.BloomByteLength]byte)(&"+header+".Bloom)) {\n\t\t\t"+
		found+", "+err+" = "+recv+".checkMatches("+ctx+", "+header+")\n\t\t}")
	f.ensureImport(t, "bloombits", swaps[0].path)
	t.apply(f, "unindexedLogs: headers' blooms tested with one BloomFilter per query")
}

// isBloomThenCheck reports whether blockLogs is go-ethereum's: an if on
// bloomFilter(...) returning checkMatches, then return nil, nil.
func isBloomThenCheck(f *srcFile, fn *ast.FuncDecl) bool {
	if len(fn.Body.List) != 2 {
		return false
	}
	i, ok := fn.Body.List[0].(*ast.IfStmt)
	if !ok || i.Init != nil || i.Else != nil || len(i.Body.List) != 1 {
		return false
	}
	c, ok := i.Cond.(*ast.CallExpr)
	if !ok || f.text(c.Fun) != "bloomFilter" || len(c.Args) != 3 {
		return false
	}
	r, ok := i.Body.List[0].(*ast.ReturnStmt)
	if !ok || len(r.Results) != 1 {
		return false
	}
	rc, ok := r.Results[0].(*ast.CallExpr)
	if !ok {
		return false
	}
	sel, ok := rc.Fun.(*ast.SelectorExpr)
	last, ok2 := fn.Body.List[1].(*ast.ReturnStmt)
	return ok && ok2 && sel.Sel.Name == "checkMatches" && len(last.Results) == 2 && f.text(last.Results[0]) == "nil" && f.text(last.Results[1]) == "nil"
}
