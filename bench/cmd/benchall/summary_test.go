package main

import (
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestSummarizeNodeLayer: the node layer's rows (impl=geth, dropin, scan,
// precise) are summarized as paths of the selected implementation, each against
// the same go-ethereum rows of its benchmark; a path that did not run has no
// summary.
func TestSummarizeNodeLayer(t *testing.T) {
	raw := strings.Join([]string{
		"goos: linux",
		"BenchmarkBloomSIMDGetLogsLive/chain=c/filter=rare/range=full/impl=geth-2 1 8000 ns/op",
		"BenchmarkBloomSIMDGetLogsLive/chain=c/filter=rare/range=full/impl=dropin-2 1 4000 ns/op",
		"BenchmarkBloomSIMDGetLogsLive/chain=c/filter=rare/range=full/impl=scan-2 1 1000 ns/op",
		"BenchmarkBloomSIMDGetLogsLive/chain=c/filter=rare/range=full/impl=scan-2 1 3000 ns/op",
		"BenchmarkBloomSIMDPreciseGetLogs/chain=c/filter=rare/range=full/impl=geth-2 1 9000 ns/op",
		"BenchmarkBloomSIMDPreciseGetLogs/chain=c/filter=rare/range=full/impl=scan-2 1 90 ns/op",
		"BenchmarkBloomSIMDPreciseGetLogs/chain=c/filter=rare/range=full/impl=precise-2 1 300 ns/op",
		"",
	}, "\n")
	path := filepath.Join(t.TempDir(), "raw.txt")
	if err := os.WriteFile(path, []byte(raw), 0o644); err != nil {
		t.Fatal(err)
	}
	sums, err := summarize(path)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, s := range sums {
		g, n := s.geomean(nodeImpl)
		if n != 1 {
			t.Fatalf("%s: %d rows, want 1", s.name, n)
		}
		got[s.name] = g
	}
	// 8000/4000, 8000/median(1000, 3000), 9000/300
	want := map[string]float64{"node (dropin)": 2, "node (scan)": 4, "node (precise)": 30}
	if len(got) != len(want) {
		t.Fatalf("summaries %v, want %v", got, want)
	}
	for name, w := range want {
		if math.Abs(got[name]-w) > 1e-9 {
			t.Fatalf("summaries %v, want %v", got, want)
		}
	}
}

// TestResultName: the file name carries the vendor, family/model, dispatch
// level and Go version, and only file-name-safe characters.
func TestResultName(t *testing.T) {
	name := resultName()
	if !strings.Contains(name, "-f") || !strings.Contains(name, "-"+nodeImpl+"-") || !strings.HasSuffix(name, runtime.Version()) {
		t.Fatalf("resultName %q lacks family/model or dispatch level", name)
	}
	if strings.ContainsAny(name, " /()@") {
		t.Fatalf("resultName %q is not file-name safe", name)
	}
	t.Log(name)
}
