package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/perf/benchfmt"
)

// loadLayer is BenchmarkLoad: its impls are query paths and its rows numbers of
// clients, so it has a table of its own instead of the speedup summary.
const loadLayer = "load"

// loadMetrics are the units BenchmarkLoad reports, as benchfmt reads them, and
// how the summary prints them.
var loadMetrics = []struct {
	unit, title string
	format      func(float64) string
}{
	{"queries/s", "queries/s", func(v float64) string { return fmt.Sprintf("%.0f", v) }},
	{"p50-sec", "p50", func(v float64) string { return formatNs(v * 1e9) }},
	{"p99-sec", "p99", func(v float64) string { return formatNs(v * 1e9) }},
	{"reads/query", "reads/query", func(v float64) string { return fmt.Sprintf("%.2f", v) }},
	{"vectors/query", "vectors/query", func(v float64) string { return fmt.Sprintf("%.1f", v) }},
	{"candidates/query", "candidates/q", func(v float64) string { return fmt.Sprintf("%.0f", v) }},
	{"cpu-sec/op", "cpu/query", func(v float64) string { return formatNs(v * 1e9) }},
	{"peak-heap-B", "peak heap", func(v float64) string { return fmt.Sprintf("%.1f MiB", v/(1<<20)) }},
}

// loadSummary holds the medians of BenchmarkLoad's metrics.
type loadSummary struct {
	impls   []string                              // query paths, in file order
	clients []int                                 // in file order
	median  map[int]map[string]map[string]float64 // clients -> impl -> unit -> median
}

func (s *loadSummary) value(clients int, impl, unit string) (float64, bool) {
	v, ok := s.median[clients][impl][unit]
	return v, ok
}

// summarizeLoad reads BenchmarkLoad's rows of the raw file path; nil if it has none.
func summarizeLoad(path string) (*loadSummary, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	values := map[int]map[string]map[string][]float64{}
	s := &loadSummary{median: map[int]map[string]map[string]float64{}}
	seenImpl := map[string]bool{}
	r := benchfmt.NewReader(f, path)
	for r.Scan() {
		res, ok := r.Result().(*benchfmt.Result)
		if !ok {
			continue
		}
		base, parts := res.Name.Parts()
		if layerOf("Benchmark"+string(base)) != loadLayer {
			continue
		}
		impl, clients := "", -1
		for _, p := range parts {
			ps := string(p)
			switch {
			case strings.HasPrefix(ps, "/impl="):
				impl = strings.TrimPrefix(ps, "/impl=")
			case strings.HasPrefix(ps, "/clients="):
				if clients, err = strconv.Atoi(strings.TrimPrefix(ps, "/clients=")); err != nil {
					clients = -1
				}
			}
		}
		if impl == "" || clients < 0 {
			continue
		}
		if values[clients] == nil {
			values[clients] = map[string]map[string][]float64{}
			s.clients = append(s.clients, clients)
		}
		if values[clients][impl] == nil {
			values[clients][impl] = map[string][]float64{}
		}
		if !seenImpl[impl] {
			seenImpl[impl] = true
			s.impls = append(s.impls, impl)
		}
		for _, m := range loadMetrics {
			if v, ok := res.Value(m.unit); ok {
				values[clients][impl][m.unit] = append(values[clients][impl][m.unit], v)
			}
		}
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	if len(s.clients) == 0 {
		return nil, nil
	}
	for clients, impls := range values {
		s.median[clients] = map[string]map[string]float64{}
		for impl, units := range impls {
			s.median[clients][impl] = map[string]float64{}
			for unit, v := range units {
				s.median[clients][impl][unit] = median(v)
			}
		}
	}
	return s, nil
}

// loadTargets are issue 15's targets at the most clients: a path with the
// shared scheduler against one without, in throughput (at least min times) and
// in Source reads per query (at most 1/max as many).
var loadTargets = []struct {
	shared, unshared string
	minSpeedup       float64
	maxReadsShare    float64 // 0: no reads target
}{
	{"dropin-shared", "dropin", 3, 0.2},
	{"scan-shared", "scan", 3, 0.2},
	{"dropin-shared", "geth", 20, 0},
	{"scan-shared", "geth", 20, 0},
}

// printLoadSummary prints the medians of every path and client count, then the
// ratios the targets are about at the most clients.
func printLoadSummary(w io.Writer, s *loadSummary) {
	fmt.Fprintf(w, "\n%s: one node under concurrent clients (medians; queries/s over all clients, latency per query)\n", loadLayer)
	fmt.Fprintf(w, "  %-8s %-14s", "clients", "impl")
	for _, m := range loadMetrics {
		fmt.Fprintf(w, " %13s", m.title)
	}
	fmt.Fprintln(w)
	for _, clients := range s.clients {
		for _, impl := range s.impls {
			if _, ok := s.median[clients][impl]; !ok {
				continue
			}
			fmt.Fprintf(w, "  %-8d %-14s", clients, impl)
			for _, m := range loadMetrics {
				cell := "-"
				if v, ok := s.value(clients, impl, m.unit); ok {
					cell = m.format(v)
				}
				fmt.Fprintf(w, " %13s", cell)
			}
			fmt.Fprintln(w)
		}
	}
	most := s.clients[0]
	for _, c := range s.clients {
		most = max(most, c)
	}
	fmt.Fprintf(w, "  at %d clients:\n", most)
	for _, t := range loadTargets {
		q1, ok1 := s.value(most, t.shared, "queries/s")
		q0, ok0 := s.value(most, t.unshared, "queries/s")
		if !ok1 || !ok0 || q0 == 0 {
			continue
		}
		line := fmt.Sprintf("    %s vs %s: %.1fx the queries/s (target >= %gx)", t.shared, t.unshared, q1/q0, t.minSpeedup)
		r1, ok1 := s.value(most, t.shared, "reads/query")
		r0, ok0 := s.value(most, t.unshared, "reads/query")
		if t.maxReadsShare > 0 && ok1 && ok0 && r0 > 0 {
			line += fmt.Sprintf("; %.3f of the Source reads per query (target <= %g)", r1/r0, t.maxReadsShare)
		}
		fmt.Fprintln(w, line)
	}
}
