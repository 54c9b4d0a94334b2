package main

import (
	"go/ast"
	"strings"
)

// adoptPreciseFilters (-precise) has eth/filters match the start of every range
// query with the precise log index: the generated eth/filters/bloomsimd_precise.go
// (Filter.bloomSIMDPreciseLogs) and its call in Filter.rangeLogsAsync, just
// before go-ethereum's bloom-bit stage. What it leaves (past the index's reach)
// goes on as go-ethereum's: indexedLogs, then header by header.
func (t *tree) adoptPreciseFilters() {
	const dir = "eth/filters"
	const generated = "eth/filters/bloomsimd_precise.go"
	if where := t.declared(dir, "Filter", "bloomSIMDPreciseLogs"); where != "" && where != generated {
		t.fail(where, "Filter.bloomSIMDPreciseLogs", "already declared: the generated %s would clash", generated)
		return
	}
	files := t.pkgFiles(dir)
	_, st := findStruct(files, "Filter")
	if st == nil {
		t.fail(dir, "type Filter", "no such struct")
		return
	}
	for _, name := range []string{"sys", "addresses", "topics", "begin", "matcher"} {
		if field(st, name) == nil {
			t.fail(dir, "Filter."+name, "no such field (the generated code reads it)")
		}
	}
	f, fn := findFunc(files, "Filter", "rangeLogsAsync")
	if fn == nil {
		t.fail(dir, "Filter.rangeLogsAsync", "not found")
		return
	}
	if !mentions(fn.Body, "bloomSIMDPreciseLogs") {
		t.insertPreciseCall(f, fn)
	}
	imp := t.packageImports(t.pkgFiles(dir), "types", "rpc")
	if imp == nil {
		return
	}
	t.generate(generated, "filters", filtersPreciseFile, imp, "Filter.bloomSIMDPreciseLogs: the precise log index up to its reach")
}

// insertPreciseCall finds go-ethereum's bloom-bit stage in rangeLogsAsync,
//
//	if indexed := sections * size; indexed > uint64(f.begin) {
//		if indexed > end { ... }
//		if err = f.indexedLogs(ctx, indexed-1, logChan); err != nil { errChan <- err; return }
//	}
//
// and puts the same error handling around a call of bloomSIMDPreciseLogs
// before it.
func (t *tree) insertPreciseCall(f *srcFile, fn *ast.FuncDecl) {
	var stage *ast.IfStmt
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		if s, ok := n.(*ast.IfStmt); ok && stage == nil {
			if a, ok := s.Init.(*ast.AssignStmt); ok && len(a.Lhs) == 1 && len(a.Rhs) == 1 && f.text(a.Lhs[0]) == "indexed" {
				stage = s
			}
		}
		return stage == nil
	})
	const what = "if indexed := sections * size; indexed > uint64(f.begin) { ... if err = f.indexedLogs(ctx, indexed-1, logChan); err != nil { ... } }"
	if stage == nil {
		t.fail(f.rel, "Filter.rangeLogsAsync", "the bloom-bit stage (%s) not found", what)
		return
	}
	mul, ok := stage.Init.(*ast.AssignStmt).Rhs[0].(*ast.BinaryExpr)
	if !ok || len(stage.Body.List) != 2 {
		t.fail(f.rel, "Filter.rangeLogsAsync", "the bloom-bit stage is not %s", what)
		return
	}
	clamp, ok1 := stage.Body.List[0].(*ast.IfStmt)
	call, ok2 := stage.Body.List[1].(*ast.IfStmt)
	var end string
	if ok1 {
		if c, ok := clamp.Cond.(*ast.BinaryExpr); ok {
			end = f.text(c.Y)
		}
	}
	var args []ast.Expr
	var recv string
	if ok2 {
		if a, ok := call.Init.(*ast.AssignStmt); ok && len(a.Rhs) == 1 {
			if c, ok := a.Rhs[0].(*ast.CallExpr); ok && len(c.Args) == 3 {
				if sel, ok := c.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "indexedLogs" {
					args, recv = c.Args, f.text(sel.X)
				}
			}
		}
	}
	if end == "" || args == nil {
		t.fail(f.rel, "Filter.rangeLogsAsync", "the bloom-bit stage is not %s", what)
		return
	}
	text := f.text(call)
	text = strings.Replace(text, f.text(call.Init.(*ast.AssignStmt).Rhs[0]),
		recv+".bloomSIMDPreciseLogs("+f.text(args[0])+", "+end+", "+f.text(mul.X)+", "+f.text(args[2])+")", 1)
	f.insertBefore(stage, "// bloomsimd: the precise log index first, as far as it reaches\n\t\t// (eth/filters/bloomsimd_precise.go); the rest as below.\n\t\t"+text+"\n\t\t")
	t.apply(f, "rangeLogsAsync: the precise log index before the bloom-bit stage")
}

// generatePreciseEth (-precise) writes eth/bloomsimd_precise.go, the node's
// precise log index, which eth/bloomsimd.go builds, feeds and stops. imp has
// the eth package's imports; common, core/rawdb and rlp are named as the eth
// package (files) imports them, since a fork may take them from another module
// (subnet-evm's come from libevm), else from the module's root.
func (t *tree) generatePreciseEth(files []*srcFile, imp map[string]string) {
	const rel = "eth/bloomsimd_precise.go"
	for _, name := range []string{"preciseSIMD", "newPreciseSIMD", "preciseBlocks", "appendBlockValues", "storedLog", "storedReceipt"} {
		if where := t.declared("eth", "", name); where != "" && where != rel {
			t.fail(where, name, "already declared: the generated %s would clash", rel)
			return
		}
	}
	if where := t.declared("eth", "EthAPIBackend", "PreciseSource"); where != "" && where != rel {
		t.fail(where, "EthAPIBackend.PreciseSource", "already declared")
		return
	}
	data := map[string]string{
		"common": t.module + "/common",
		"rawdb":  imp["core"] + "/rawdb",
		"rlp":    t.module + "/rlp",
	}
	for name := range data {
		for _, f := range files {
			if p := f.importPath(name); p != "" {
				data[name] = p
				break
			}
		}
	}
	for _, name := range []string{"types", "ethdb", "log"} {
		data[name] = imp[name]
	}
	t.generate(rel, "eth", ethPreciseFile, data, "the node's precise log index: key, backfill, live part fed with receipts, PreciseSource")
}
