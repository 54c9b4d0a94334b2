//go:build !purego && !noasm

package asm

import (
	"fmt"
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bloomsimd/bloomsimd/internal/cpu"
	"github.com/klauspost/cpuid/v2"
)

// The dispatch must never run a kernel on a CPU that lacks an instruction of it.
// Avo writes above every TEXT symbol the ISA extensions its instructions need
// ("// Requires: AVX, AVX512F"). Every use of a kernel in this package's Go code,
// a call or the kernel taken as a function value, sits in a
// `case g.open():` or the body of an `if g.open()` for a gate g, and a gate
// guarantees the features of its level (cpu.LevelFeatures, which detection
// requires) and of its extensions (cpu.ExtensionFeatures, which cpu.Has reports).
// checkGates derives from the source which gate each use sits under and
// compares.

// gateNames are the gate constants of gate_amd64.go, for reading gate expressions.
var gateNames = map[string]gate{
	"avx2": avx2, "avx512": avx512, "gfni": gfni, "vbmi": vbmi, "vbmi2": vbmi2,
	"vpopcntdq": vpopcntdq, "compress512": compress512,
}

// amd64Baseline are the features every amd64 CPU has (GOAMD64=v1), which Avo
// names when an instruction needs them.
var amd64Baseline = []string{"CMOV", "SSE", "SSE2"}

// features lists what an open gate guarantees.
func (g gate) features() map[string]bool {
	f := map[string]bool{}
	for _, name := range amd64Baseline {
		f[name] = true
	}
	add := func(ids ...cpuid.FeatureID) {
		for _, id := range ids {
			f[id.String()] = true
		}
	}
	ext := cpu.ExtensionFeatures
	for bit, ids := range map[gate][]cpuid.FeatureID{
		avx2: cpu.LevelFeatures[cpu.AVX2], avx512: cpu.LevelFeatures[cpu.AVX512],
		gfni: {ext.GFNI}, vbmi: {ext.VBMI}, vbmi2: {ext.VBMI2}, vpopcntdq: {ext.VPOPCNTDQ},
	} {
		if g&bit != 0 {
			add(ids...)
		}
	}
	return f
}

// blockKernels is the directory of package kernels, whose block kernels this
// package calls through their exported entries: andAVX512 through AndAVX512.
var blockKernels = filepath.Join("..", "internal", "kernels")

// parseRequires maps every TEXT symbol of an assembly source to the features on
// the "// Requires:" line right above it (none when there is no such line). A
// symbol of package kernels is mapped under the name of its entry.
func parseRequires(file, src string, into map[string][]string) error {
	lines := strings.Split(src, "\n")
	for i, line := range lines {
		rest, ok := strings.CutPrefix(line, "TEXT ·")
		if !ok {
			continue
		}
		name, _, ok := strings.Cut(rest, "(SB)")
		if !ok {
			return fmt.Errorf("unreadable TEXT line %q", line)
		}
		var feats []string
		if i > 0 {
			if list, ok := strings.CutPrefix(lines[i-1], "// Requires: "); ok {
				for _, f := range strings.Split(list, ",") {
					feats = append(feats, strings.TrimSpace(f))
				}
			}
		}
		if filepath.Dir(file) == blockKernels {
			name = strings.ToUpper(name[:1]) + name[1:]
		}
		into[name] = feats
	}
	return nil
}

// kernelCall is one use of an assembly kernel in the Go source: a call or a
// function value.
type kernelCall struct {
	pos   string
	gated bool // inside a gate's case or if body
	gate  gate
}

// gateCalls finds every use of a kernel in the Go sources and the gate it sits under.
func gateCalls(goFiles map[string]string, kernels map[string][]string) (map[string][]kernelCall, error) {
	calls := map[string][]kernelCall{}
	fset := token.NewFileSet()
	for name, src := range goFiles {
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			return nil, err
		}
		var walk func(n ast.Node, g gate, gated bool) error
		walkList := func(stmts []ast.Stmt, g gate, gated bool) error {
			for _, s := range stmts {
				if err := walk(s, g, gated); err != nil {
					return err
				}
			}
			return nil
		}
		walk = func(n ast.Node, g gate, gated bool) error {
			var err error
			ast.Inspect(n, func(n ast.Node) bool {
				if err != nil || n == nil {
					return false
				}
				switch n := n.(type) {
				case *ast.CaseClause:
					if len(n.List) == 1 {
						if cg, ok, e := gateOf(n.List[0]); e != nil {
							err = e
						} else if ok {
							err = walkList(n.Body, cg, true)
							return false
						}
					}
				case *ast.IfStmt:
					if cg, ok, e := gateOf(n.Cond); e != nil {
						err = e
					} else if ok {
						if err = walk(n.Body, cg, true); err == nil && n.Else != nil {
							err = walk(n.Else, g, gated)
						}
						return false
					}
				case *ast.FuncDecl:
					// A kernel's declaration is no use of it: only the body counts.
					if n.Body != nil {
						err = walk(n.Body, g, gated)
					}
					return false
				case *ast.Ident:
					// A call, or the kernel taken as a function value (resolve).
					if _, isKernel := kernels[n.Name]; isKernel {
						calls[n.Name] = append(calls[n.Name], kernelCall{fset.Position(n.Pos()).String(), gated, g})
					}
				}
				return true
			})
			return err
		}
		if err := walk(f, 0, false); err != nil {
			return nil, err
		}
	}
	return calls, nil
}

// gateOf reports whether e is a gate test, g.open(), and which gate.
func gateOf(e ast.Expr) (gate, bool, error) {
	call, ok := e.(*ast.CallExpr)
	if !ok {
		return 0, false, nil
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "open" || len(call.Args) != 0 {
		return 0, false, nil
	}
	g, err := evalGate(sel.X)
	return g, err == nil, err
}

// evalGate evaluates a gate expression: gate names joined by |.
func evalGate(e ast.Expr) (gate, error) {
	switch e := e.(type) {
	case *ast.Ident:
		if g, ok := gateNames[e.Name]; ok {
			return g, nil
		}
		return 0, fmt.Errorf("unknown gate %s (add it to gateNames)", e.Name)
	case *ast.ParenExpr:
		return evalGate(e.X)
	case *ast.BinaryExpr:
		if e.Op == token.OR {
			x, err := evalGate(e.X)
			if err != nil {
				return 0, err
			}
			y, err := evalGate(e.Y)
			return x | y, err
		}
	}
	return 0, fmt.Errorf("unreadable gate expression %T", e)
}

// checkGates returns every kernel that is never used, used outside a gate, or
// used under a gate that does not guarantee a feature it requires.
func checkGates(asmFiles, goFiles map[string]string) ([]string, error) {
	kernels := map[string][]string{}
	for file, src := range asmFiles {
		if err := parseRequires(file, src, kernels); err != nil {
			return nil, err
		}
	}
	calls, err := gateCalls(goFiles, kernels)
	if err != nil {
		return nil, err
	}
	var problems []string
	for name, req := range kernels {
		if len(calls[name]) == 0 {
			problems = append(problems, fmt.Sprintf("%s: never used under a gate", name))
		}
		for _, c := range calls[name] {
			if !c.gated {
				problems = append(problems, fmt.Sprintf("%s: %s: used outside any gate", c.pos, name))
				continue
			}
			have := c.gate.features()
			var missing []string
			for _, f := range req {
				if !have[f] {
					missing = append(missing, f)
				}
			}
			if len(missing) > 0 {
				problems = append(problems, fmt.Sprintf("%s: %s requires %s, which its gate does not check",
					c.pos, name, strings.Join(missing, ", ")))
			}
		}
	}
	slices.Sort(problems)
	return problems, nil
}

// packageSources reads this package's amd64 assembly and the Go files an amd64
// build compiles (tests excluded).
func packageSources(t *testing.T) (asmFiles, goFiles map[string]string) {
	t.Helper()
	asmFiles, goFiles = map[string]string{}, map[string]string{}
	ctx := build.Default
	ctx.GOARCH = "amd64"
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	sNames, err := filepath.Glob("*_amd64.s")
	if err != nil || len(sNames) == 0 {
		t.Fatalf("no amd64 assembly: %v", err)
	}
	blockNames, err := filepath.Glob(filepath.Join(blockKernels, "*_amd64.s"))
	if err != nil || len(blockNames) == 0 {
		t.Fatalf("no amd64 block kernels: %v", err)
	}
	sNames = append(sNames, blockNames...)
	for _, name := range append(names, sNames...) {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		if ok, err := ctx.MatchFile(filepath.Dir(name), filepath.Base(name)); err != nil || !ok {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(name, ".s") {
			asmFiles[name] = string(src)
		} else {
			goFiles[name] = string(src)
		}
	}
	return asmFiles, goFiles
}

// TestKernelsRunOnlyWhereTheirInstructionsAre: every amd64 kernel is used, only
// under a gate, and every feature of its Requires line is one its gate checks.
func TestKernelsRunOnlyWhereTheirInstructionsAre(t *testing.T) {
	asmFiles, goFiles := packageSources(t)
	problems, err := checkGates(asmFiles, goFiles)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
	kernels := map[string][]string{}
	for file, src := range asmFiles {
		if err := parseRequires(file, src, kernels); err != nil {
			t.Fatal(err)
		}
	}
	if len(kernels) < 20 {
		t.Fatalf("read only %d kernels from %v", len(kernels), asmFiles)
	}
}

// TestCheckGatesCatchesMismatches: checkGates reports a kernel that needs a
// feature its level does not check (the former KORTESTB needing AVX512DQ), a gate
// weaker than its kernel, a call or function value outside any gate or in the
// else branch of one, and a kernel never used.
func TestCheckGatesCatchesMismatches(t *testing.T) {
	asmFiles, goFiles := packageSources(t)
	edit := func(files map[string]string, name, old, new string) map[string]string {
		t.Helper()
		out := map[string]string{}
		for k, v := range files {
			out[k] = v
		}
		if !strings.Contains(out[name], old) {
			t.Fatalf("fixture: %s no longer contains %q", name, old)
		}
		out[name] = strings.Replace(out[name], old, new, 1)
		return out
	}
	withFile := func(files map[string]string, name, src string) map[string]string {
		out := map[string]string{name: src}
		for k, v := range files {
			out[k] = v
		}
		return out
	}
	cases := []struct {
		name       string
		asm, gos   map[string]string
		wantSubstr string
	}{
		{"DQ on the AVX-512 level",
			edit(asmFiles, filepath.Join(blockKernels, "blocks_amd64.s"), "// Requires: AVX, AVX512F\nTEXT ·testAVX512(SB)",
				"// Requires: AVX, AVX512DQ, AVX512F\nTEXT ·testAVX512(SB)"),
			goFiles, "TestAVX512 requires AVX512DQ"},
		{"VPOPCNTDQ not checked",
			asmFiles, edit(goFiles, "blocks_amd64.go", "case (avx512 | vpopcntdq).open():", "case avx512.open():"),
			"PopcountAVX512 requires AVX512VPOPCNTDQ"},
		{"AVX-512 kernel on the AVX2 gate",
			asmFiles, edit(goFiles, "blocks_amd64.go", "case avx512.open():\n\t\tkernels.AndAVX512", "case avx2.open():\n\t\tkernels.AndAVX512"),
			"AndAVX512 requires AVX512F"},
		{"call outside any gate",
			asmFiles, withFile(goFiles, "extra.go", "package asm\nfunc f(p []byte) { kernels.AndAVX2(&p[0], &p[0], &p[0], 64) }\n"),
			"AndAVX2: used outside any gate"},
		{"function value outside any gate",
			asmFiles, withFile(goFiles, "extra.go", "package asm\nvar f = kernels.XorAVX512\n"),
			"XorAVX512: used outside any gate"},
		{"Expand's kernel on the AVX-512 level alone",
			asmFiles, edit(goFiles, "kernels_amd64.go", "case compress512.open():\n\t\treturn expandAVX512", "case avx512.open():\n\t\treturn expandAVX512"),
			"expandAVX512 requires AVX512VBMI2, GFNI"},
		{"call in the else branch",
			asmFiles, withFile(goFiles, "extra.go", "package asm\nfunc f(p []byte) { if avx2.open() {} else { kernels.OrAVX2(&p[0], &p[0], &p[0], 64) } }\n"),
			"OrAVX2: used outside any gate"},
		{"kernel never called",
			withFile(asmFiles, "extra_amd64.s", "// Requires: AVX\nTEXT ·orphanAVX2(SB), NOSPLIT, $0-8\n"),
			goFiles, "orphanAVX2: never used under a gate"},
	}
	for _, c := range cases {
		problems, err := checkGates(c.asm, c.gos)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		found := false
		for _, p := range problems {
			found = found || strings.Contains(p, c.wantSubstr)
		}
		if !found {
			t.Errorf("%s: not reported (want %q, got %q)", c.name, c.wantSubstr, problems)
		}
	}
}
