// Command benchall is `make bench`: it runs the bench module's side-by-side benchmarks
// layer by layer, for every implementation this CPU runs and for go-ethereum v1.14.13,
// saves the raw `go test -bench` output to ../.tmp/bench/<cpu>-<go>.txt (with -save, or
// BLOOMSIMD_BENCH_SAVE=1: results/<cpu>-<go>.txt), prints a benchstat table and a
// per-layer summary, and draws the speedups beside it as <cpu>-<go>.svg/.png. <cpu>
// names the CPU's brand, vendor, family and model and the dispatch level
// (resultName), so that two machines never share a file.
//
// Run it from the bench directory (make bench does). Flags choose the run length;
// the defaults finish in under ten minutes on a 2-core machine.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"time"

	"github.com/bloomsimd/bloomsimd/bitops"
	"github.com/klauspost/cpuid/v2"
)

// A layer is one level of the engine and the benchmarks that measure it.
type layer struct {
	name, pattern string
	benchtime     string // per benchmark row and count
	cpus          string // -cpu list, if the layer is measured at several GOMAXPROCS
}

var layers = []layer{
	{"bitops", "^Benchmark(AND|OR|XOR|Test)$", "100ms", ""},
	{"compress", "^Benchmark(Compress|Decompress|AppendCompressed|DecompressInto)$", "100ms", ""},
	{"rotate", "^BenchmarkSection(AddBloom)?$", "200ms", ""},
	{"index", "^BenchmarkIndex$", "200ms", ""},
	{"matcher", "^BenchmarkMatcher$", "300ms", "1,2"}, // Scan on one core and on two
	{"e2e", "^BenchmarkEndToEnd$", "100ms", ""},       // 100ms keeps make bench under 10 minutes on 2 cores
	{"write", "^BenchmarkIndexWrite$", "200ms", ""},   // a section's index into Pebble
	// Concurrent clients on one node: a fixed number of queries per row, so that
	// every path answers the same draw of the mix.
	{"load", "^BenchmarkLoad$", "300x", ""},
	// Full eth_getLogs inside the go-ethereum copy (scripts/gethcopy.sh bench):
	// one query per row and count; its Pebble chains (16 sections here unless
	// BLOOMSIMD_GETH_BENCH_SECTIONS says otherwise; 256 in make bench-geth) are
	// built once into .tmp. PreciseGetLogs adds the precise log index (issue 16).
	{"node", "^BenchmarkBloomSIMD(GetLogsLive|PreciseGetLogs)$", "1x", ""},
}

// nodeLayer runs in the go-ethereum copy, through the script, not in bench/.
const nodeLayer = "node"

func main() {
	count := flag.Int("count", 6, "runs of each benchmark (benchstat wants at least 6 for a 95% confidence interval)")
	only := flag.String("layers", "", "comma-separated layers to run (default all: bitops,compress,rotate,index,matcher,e2e,write,load,node)")
	out := flag.String("out", "", "raw output file (default ../.tmp/bench/<cpu>-<go>.txt, with -save results/<cpu>-<go>.txt)")
	save := flag.Bool("save", os.Getenv("BLOOMSIMD_BENCH_SAVE") == "1", "save into results/ (default with BLOOMSIMD_BENCH_SAVE=1)")
	from := flag.String("from", "", "summarize and chart this raw output file of an earlier run instead of running")
	flag.Parse()
	if *from != "" {
		report(*from)
		return
	}

	name := resultName()
	if *out == "" {
		*out = filepath.Join("..", ".tmp", "bench", name+".txt")
		if *save {
			*out = filepath.Join("results", name+".txt")
		}
	}
	if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
		fatal(err)
	}
	fmt.Printf("bloomsimd bench on %s (%s, %d cores), implementations %v, go-ethereum v1.14.13 as impl=geth\n",
		cpuid.CPU.BrandName, runtime.GOARCH, runtime.NumCPU(), bitops.Implementations())
	fmt.Printf("raw results: %s\n", *out)

	raw, err := os.Create(*out)
	if err != nil {
		fatal(err)
	}
	start := time.Now()
	todo := selectLayers(*only)
	for i, l := range todo {
		fmt.Printf("\n== [%d/%d] %s (%s elapsed)\n", i+1, len(todo), l.name, time.Since(start).Round(time.Second))
		if err := runLayer(l, *count, raw); err != nil {
			fatal(fmt.Errorf("layer %s: %w", l.name, err))
		}
	}
	if err := raw.Close(); err != nil {
		fatal(err)
	}
	fmt.Printf("\nall layers done in %s\n", time.Since(start).Round(time.Second))
	report(*out)
}

// report prints the benchstat table and the summary of the raw file out, and draws
// its chart beside it.
func report(out string) {

	fmt.Println("\n== benchstat -col /impl (each row: one benchmark; columns: implementations)")
	bs := exec.Command("go", "tool", "benchstat", "-col", "/impl", out)
	bs.Stdout, bs.Stderr = os.Stdout, os.Stderr
	if err := bs.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "benchstat:", err)
	}

	sum, err := summarize(out)
	if err != nil {
		fatal(err)
	}
	selected := bitops.Implementation()
	fmt.Printf("\n== summary: speedup over go-ethereum of %s, the implementation selected on this CPU (median ns/op ratio)\n", selected)
	fmt.Println("   against go-ethereum's Matcher on go-ethereum's servers: (multiplex) our Matcher through go-ethereum's API on the same servers;")
	fmt.Println("   (dropin) the same on matcher.ServeRetrievals; (scan) Matcher.Scan, the one-patch fast path")
	printSummary(os.Stdout, sum, selected)
	if ls, err := summarizeLoad(out); err != nil {
		fatal(err)
	} else if ls != nil {
		printLoadSummary(os.Stdout, ls)
	}
	base := strings.TrimSuffix(out, ".txt")
	if err := chart(sum, base, selected); err != nil {
		fmt.Fprintln(os.Stderr, "chart:", err)
	} else {
		fmt.Printf("\nchart: %s.svg and %s.png\n", base, base)
	}
}

func selectLayers(only string) []layer {
	if only == "" {
		return layers
	}
	var out []layer
	for _, name := range strings.Split(only, ",") {
		found := false
		for _, l := range layers {
			if l.name == strings.TrimSpace(name) {
				out, found = append(out, l), true
			}
		}
		if !found {
			fatal(fmt.Errorf("unknown layer %q", name))
		}
	}
	return out
}

var benchLine = regexp.MustCompile(`^Benchmark\S+\s+\d+\s+`)

// runLayer runs one layer's benchmarks, appending the raw output to raw and echoing
// each finished row as progress.
func runLayer(l layer, count int, raw io.Writer) error {
	args := []string{"test", "-run", "^$", "-bench", l.pattern, "-benchtime", l.benchtime,
		"-count", fmt.Sprint(count), "-timeout", "30m"}
	if l.cpus != "" {
		args = append(args, "-cpu", l.cpus)
	}
	args = append(args, ".")
	cmd := exec.Command("go", args...)
	if l.name == nodeLayer {
		cmd = exec.Command(filepath.Join("..", "scripts", "gethcopy.sh"), "bench")
		cmd.Env = append(os.Environ(), "BENCH="+l.pattern, "BENCHTIME="+l.benchtime, fmt.Sprint("COUNT=", count))
		if os.Getenv("BLOOMSIMD_GETH_BENCH_SECTIONS") == "" {
			// 256 sections take about 20 minutes to build the first time (make
			// bench-geth); make bench stays under ten minutes on a fresh machine.
			cmd.Env = append(cmd.Env, "BLOOMSIMD_GETH_BENCH_SECTIONS=16")
		}
	}
	fmt.Println(strings.Join(cmd.Args, " "))
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	rows := 0
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		fmt.Fprintln(raw, line)
		switch {
		case benchLine.MatchString(line):
			rows++
			fields := strings.Fields(line)
			fmt.Printf("  %4d  %-70s %s %s\n", rows, fields[0], fields[2], fields[3])
		case strings.HasPrefix(line, "FAIL"), strings.HasPrefix(line, "---"), strings.HasPrefix(line, "panic"):
			fmt.Println(line)
		case !strings.Contains(line, ":") && line != "PASS" && !strings.HasPrefix(line, "ok"):
			fmt.Println("  " + line) // progress notes printed by the benchmarks themselves
		}
	}
	if err := cmd.Wait(); err != nil {
		return err
	}
	if rows == 0 {
		return fmt.Errorf("no benchmark matched %s", l.pattern)
	}
	return nil
}

// resultName is <brand>-<vendor>-f<family>m<model>-<dispatch level>-<go version>,
// made safe for a file name: the brand string alone is the same on CPUs of
// different generations (a Zen 3 and a Zen 4 EPYC are both "AMD EPYC"), and
// the dispatch level tells apart one CPU with and without AVX-512 (a VM).
func resultName() string {
	brand := strings.TrimSpace(cpuid.CPU.BrandName)
	if brand == "" {
		brand = runtime.GOARCH
	}
	name := fmt.Sprintf("%s-%s-f%dm%d-%s-%s", brand, cpuid.CPU.VendorID, cpuid.CPU.Family, cpuid.CPU.Model,
		bitops.Implementation(), runtime.Version())
	var b bytes.Buffer
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return strings.Trim(b.String(), "_")
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "benchall:", err)
	os.Exit(1)
}
