package main

import (
	"bytes"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// copyFork copies testdata/fork (a go-ethereum-shaped tree) to a temporary
// directory.
func copyFork(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir("testdata/fork", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("testdata/fork", path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func runTool(t *testing.T, dir string, diff, write bool) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(dir, options{diff: diff, write: write}, &out, &errb)
	return code, out.String(), errb.String()
}

func readFile(t *testing.T, dir, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// checkFiles checks that each file of want contains its strings and parses,
// and that diff (the -diff output of the run) shows it.
func checkFiles(t *testing.T, dir, diff string, want map[string][]string) {
	t.Helper()
	for rel, subs := range want {
		got := readFile(t, dir, rel)
		for _, s := range subs {
			if !strings.Contains(got, s) {
				t.Errorf("%s lacks %q:\n%s", rel, s, got)
			}
		}
		if _, err := parser.ParseFile(token.NewFileSet(), rel, got, 0); err != nil {
			t.Errorf("%s: %v", rel, err)
		}
		if !strings.Contains(diff, "+++ b/"+rel+"\n") {
			t.Errorf("-diff does not show %s", rel)
		}
	}
}

// TestAdopt: one run places every change, each file parses, and a second run
// changes nothing.
func TestAdopt(t *testing.T) {
	dir := copyFork(t)
	code, out, errs := runTool(t, dir, true, true)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	want := map[string][]string{
		"core/bloom_indexer.go": {`bloombits "github.com/bloomsimd/bloomsimd/matcher"`, `bitutil "github.com/bloomsimd/bloomsimd/bitops"`, "bloombits.NewGenerator"},
		"core/bloomsimd_indexer.go": {generatedHeader, "func NewBloomSIMDIndexer(db ethdb.Database, size, confirms uint64) *ChainIndexer",
			`"example.com/fork/core/rawdb"`, `"example.com/fork/ethdb"`},
		"eth/backend.go": {"bloomSIMD         *bloomSIMD", "core.NewBloomSIMDIndexer(chainDb, params.BloomBitsBlocks, params.BloomConfirms)",
			"eth.bloomIndexer.Start(eth.blockchain)\n\t// bloomsimd",
			"newBloomSIMD(eth.chainDb, params.BloomBitsBlocks, eth.bloomIndexer, eth.blockchain)",
			"s.bloomIndexer.Close()\n\ts.bloomSIMD.stop()"},
		"eth/bloombits.go":   {"bloombits.ServeRetrievals(eth.bloomRequests, eth.closeBloomHandler, bloomServiceThreads, sectionSize, src)", `"time"`},
		"eth/api_backend.go": {"if b.eth.bloomSIMD != nil {\n\t\treturn b.eth.bloomSIMD.status()", "sections, _, _ := b.eth.bloomIndexer.Sections()"},
		"eth/bloomsimd.go": {"b.follow(ev.Block.Header())", "b.composed." + snapshotMethod + "()", `"example.com/fork/event"`,
			"func (b *EthAPIBackend) BloomSource() bloombits.Source", "case <-b.sub.Err():"},
		"eth/filters/filter.go": {"interface{ BloomSource() bloombits.Source }", "f.matcher.Scan(ctx, uint64(f.begin), end, src,",
			"bloom := bloombits.NewBloomFilter(f.addresses, f.topics)\n\tfor ; f.begin",
			"if bloom.TestPtr((*[types.BloomByteLength]byte)(&header.Bloom)) {\n\t\t\tfound, err = f.checkMatches(ctx, header)"},
		"p2p/transport.go": {`bitutil "github.com/bloomsimd/bloomsimd/bitops"`},
	}
	checkFiles(t, dir, out, want)
	// The replaced body was the only user of rawdb and bitutil in bloombits.go.
	if got := readFile(t, dir, "eth/bloombits.go"); strings.Contains(got, "rawdb") || strings.Contains(got, "bitutil") {
		t.Errorf("eth/bloombits.go keeps unused imports:\n%s", got)
	}
	// go-ethereum's indexer and the core/bloombits package stay.
	if got := readFile(t, dir, "core/bloom_indexer.go"); !strings.Contains(got, "func NewBloomIndexer(") {
		t.Error("core.NewBloomIndexer is gone")
	}

	code, out, errs = runTool(t, dir, true, false)
	if code != 0 || out != "" {
		t.Fatalf("second run: exit %d, diff:\n%s%s", code, out, errs)
	}
}

// TestAdoptReportsWhatItCannotPlace: a missing function is named with its
// file, the exit status is 1, and -w writes nothing.
func TestAdoptReportsWhatItCannotPlace(t *testing.T) {
	dir := copyFork(t)
	filter := filepath.Join(dir, "eth/filters/filter.go")
	src := readFile(t, dir, "eth/filters/filter.go")
	src = strings.Replace(src, "func (f *Filter) blockLogs(", "func (f *Filter) blockLogsRenamed(", 1)
	if err := os.WriteFile(filter, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "eth/bloombits.go")); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runTool(t, dir, false, true)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, errs)
	}
	for _, want := range []string{"eth/filters: Filter.blockLogs: not go-ethereum's", "eth: Ethereum.startBloomHandlers: not found", "nothing written"} {
		if !strings.Contains(errs, want) {
			t.Errorf("report lacks %q:\n%s", want, errs)
		}
	}
	if got := readFile(t, dir, "eth/backend.go"); strings.Contains(got, "bloomsimd") {
		t.Error("-w wrote eth/backend.go despite the problems")
	}
}

// TestAdoptRefusesClashes: a file of the generated name the tool did not
// write, or a fork's own NewBloomSIMDIndexer, is reported, not overwritten.
func TestAdoptRefusesClashes(t *testing.T) {
	dir := copyFork(t)
	os.WriteFile(filepath.Join(dir, "eth/bloomsimd.go"), []byte("package eth\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "core/mine.go"), []byte("package core\n\nfunc NewBloomSIMDIndexer() {}\n"), 0o644)
	code, _, errs := runTool(t, dir, false, true)
	if code != 1 || !strings.Contains(errs, "eth/bloomsimd.go: file: exists and was not written by bloomsimd-adopt") ||
		!strings.Contains(errs, "core/mine.go: NewBloomSIMDIndexer: already declared") {
		t.Fatalf("exit %d:\n%s", code, errs)
	}
}

func TestUnifiedDiff(t *testing.T) {
	got := unifiedDiff("f.go", []byte("a\nb\nc\n"), []byte("a\nB\nc\nd\n"))
	want := "--- a/f.go\n+++ b/f.go\n@@ -1,3 +1,4 @@\n a\n-b\n+B\n c\n+d\n"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if got := unifiedDiff("n.go", nil, []byte("x\n")); got != "--- /dev/null\n+++ b/n.go\n@@ -0,0 +1,1 @@\n+x\n" {
		t.Fatalf("new file:\n%s", got)
	}
}

// TestAdoptKeepsImportsItCannotName: an import whose package name is not its
// path's last element (libevm's root package is ethereum) survives a file's
// edit, though the tool cannot tell it is used.
func TestAdoptKeepsImportsItCannotName(t *testing.T) {
	dir := copyFork(t)
	rel := "eth/api_backend.go"
	src := readFile(t, dir, rel)
	src = strings.Replace(src, "import (\n", "import (\n\t\"example.com/fork/rootpkg\"\n", 1) + "\nvar _ = ethereum.NotFound\n"
	if err := os.WriteFile(filepath.Join(dir, rel), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runTool(t, dir, false, true); code != 0 {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	if got := readFile(t, dir, rel); !strings.Contains(got, `"example.com/fork/rootpkg"`) || !strings.Contains(got, "bloomSIMD.status()") {
		t.Fatalf("%s:\n%s", rel, got)
	}
}

// TestAdoptPrecise: -precise on a tree the tool already adopted adds the
// precise index (the generated files, the hooks in eth/bloomsimd.go and the
// call in rangeLogsAsync before the bloom-bit stage), every file parses, and a
// second run changes nothing; a run without -precise leaves none of it.
func TestAdoptPrecise(t *testing.T) {
	dir := copyFork(t)
	if code, _, errs := runTool(t, dir, false, true); code != 0 {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	if got := readFile(t, dir, "eth/bloomsimd.go"); strings.Contains(got, "precise") {
		t.Fatal("eth/bloomsimd.go mentions the precise index without -precise")
	}
	var out, errb bytes.Buffer
	if code := run(dir, options{diff: true, write: true, precise: true}, &out, &errb); code != 0 {
		t.Fatalf("exit %d\n%s", code, errb.String())
	}
	want := map[string][]string{
		"eth/bloomsimd.go": {"precise     *preciseSIMD", "b.precise, err = newPreciseSIMD(db, sectionSize)",
			"b.precise.follow(h, onDisk)", "b.precise.stop()"},
		"eth/bloomsimd_precise.go": {generatedHeader, "index.OpenPreciseReader(db, sectionSize, rand.Reader)",
			`"example.com/fork/core/rawdb"`, `"example.com/fork/rlp"`, `"example.com/fork/common"`,
			"func (b *EthAPIBackend) PreciseSource() bloombits.PreciseSource"},
		"eth/filters/bloomsimd_precise.go": {generatedHeader, "func (f *Filter) bloomSIMDPreciseLogs(", `"example.com/fork/rpc"`},
		"eth/filters/filter.go":            {"if err = f.bloomSIMDPreciseLogs(ctx, end, sections, logChan); err != nil {\n\t\t\terrChan <- err\n\t\t\treturn\n\t\t}\n\t\tif indexed := sections * size;"},
	}
	checkFiles(t, dir, out.String(), want)
	out.Reset()
	if code := run(dir, options{diff: true, precise: true}, &out, &errb); code != 0 || out.Len() != 0 {
		t.Fatalf("second run: exit %d, diff:\n%s%s", code, out.String(), errb.String())
	}
}

// TestAdoptPreciseReportsStage: a rangeLogsAsync without go-ethereum's
// bloom-bit stage is reported, and nothing is written.
func TestAdoptPreciseReportsStage(t *testing.T) {
	dir := copyFork(t)
	rel := "eth/filters/filter.go"
	src := strings.Replace(readFile(t, dir, rel), "if indexed := sections * size;", "if covered := sections * size;", 1)
	src = strings.ReplaceAll(src, "indexed > uint64(f.begin)", "covered > uint64(f.begin)")
	if err := os.WriteFile(filepath.Join(dir, rel), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := run(dir, options{write: true, precise: true}, &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), "eth/filters/filter.go: Filter.rangeLogsAsync: the bloom-bit stage") {
		t.Fatalf("exit %d:\n%s", code, errb.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "eth/bloomsimd_precise.go")); err == nil {
		t.Fatal("-w wrote despite the problem")
	}
}

// TestAdoptPreciseForeignImports: a fork whose eth package takes common, rawdb
// and rlp from another module (subnet-evm takes them from libevm) gets the
// precise file with those imports, not paths under its own root.
func TestAdoptPreciseForeignImports(t *testing.T) {
	dir := copyFork(t)
	lib := "package eth\n\nimport (\n\t\"example.com/lib/common\"\n\t\"example.com/lib/core/rawdb\"\n\t\"example.com/lib/rlp\"\n)\n\n" +
		"var (\n\t_ common.Hash\n\t_ = rawdb.ReadReceiptsRLP\n\t_ = rlp.DecodeBytes\n)\n"
	if err := os.WriteFile(filepath.Join(dir, "eth/lib.go"), []byte(lib), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run(dir, options{write: true, precise: true}, &out, &errb); code != 0 {
		t.Fatalf("exit %d\n%s", code, errb.String())
	}
	got := readFile(t, dir, "eth/bloomsimd_precise.go")
	for _, want := range []string{`"example.com/lib/common"`, `"example.com/lib/core/rawdb"`, `"example.com/lib/rlp"`} {
		if !strings.Contains(got, want) {
			t.Errorf("eth/bloomsimd_precise.go lacks %s", want)
		}
	}
}
