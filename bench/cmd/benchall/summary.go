package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/bloomsimd/bloomsimd/bitops"
	"golang.org/x/perf/benchfmt"
)

// layerSummary holds, for one layer and one query path, the median ns/op of every
// benchmark row (benchmark name without its impl= and api= parts) for every
// implementation.
type layerSummary struct {
	name    string                        // layer, with the path for layers measured on several
	path    string                        // "multiplex", "dropin", "scan" or "" (the layer has one path)
	configs []string                      // benchmark names, in file order
	median  map[string]map[string]float64 // config -> impl -> median ns/op
}

// Query paths of the matcher layers: the api= part of their benchmark names,
// each measured against go-ethereum's Matcher on go-ethereum's servers.
//   - multiplex: our Matcher through go-ethereum's API (a session fed by
//     Multiplex) on the same servers as go-ethereum's;
//   - dropin: the same, its servers replaced by matcher.ServeRetrievals over the
//     index Reader (what a node gets with the swapped imports and our server);
//   - scan: Matcher.Scan over the Reader (the one-patch fast path).
//
// The node layer (eth_getLogs in the go-ethereum copy) names its paths impl=dropin,
// impl=scan and impl=precise (the precise log index), on the implementation the
// dispatcher selects: its rows count as that implementation's (nodeImpl).
var paths = map[string]string{"multiplex": "multiplex", "dropin": "dropin", "scan": "scan", "precise": "precise"}

// nodePaths are the node layer's paths: its go-ethereum rows are the base of each
// (a path's summary lists only the rows that path ran).
var nodePaths = []string{"dropin", "scan", "precise"}

// nodeImpl is the implementation the node layer's rows ran with.
var nodeImpl = bitops.Implementation()

// speedup is geth's median over impl's for one config; ok is false without both.
func (s *layerSummary) speedup(config, impl string) (float64, bool) {
	g, okg := s.median[config]["geth"]
	v, okv := s.median[config][impl]
	return g / v, okg && okv && v > 0
}

// geomean is the geometric mean of impl's speedups over the layer's configs.
func (s *layerSummary) geomean(impl string) (float64, int) {
	sum, n := 0.0, 0
	for _, c := range s.configs {
		if r, ok := s.speedup(c, impl); ok {
			sum += math.Log(r)
			n++
		}
	}
	if n == 0 {
		return 0, 0
	}
	return math.Exp(sum / float64(n)), n
}

func summarize(path string) ([]*layerSummary, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	values := map[string]map[string]map[string][]float64{} // layer -> config -> impl -> ns/op
	var order []*layerSummary
	byName := map[string]*layerSummary{}
	r := benchfmt.NewReader(f, path)
	for r.Scan() {
		res, ok := r.Result().(*benchfmt.Result)
		if !ok {
			continue
		}
		ns, ok := res.Value("sec/op")
		if !ok {
			continue
		}
		base, parts := res.Name.Parts()
		l := layerOf("Benchmark" + string(base))
		if l == "" || l == loadLayer { // load's impls are paths: the benchstat table and its own summary show them
			continue
		}
		impl, path, rest, cores := "", "", []string{string(base)}, "1"
		for _, p := range parts {
			ps := string(p)
			switch {
			case strings.HasPrefix(ps, "/impl="):
				impl = strings.TrimPrefix(ps, "/impl=")
			case strings.HasPrefix(ps, "/api="):
				api := strings.TrimPrefix(ps, "/api=")
				if path = paths[api]; path == "" {
					path = api
				}
			case strings.HasPrefix(ps, "-"): // GOMAXPROCS suffix, absent for 1
				cores = strings.TrimPrefix(ps, "-")
			default:
				rest = append(rest, strings.TrimPrefix(ps, "/"))
			}
		}
		if layerByName(l).cpus != "" { // measured at several GOMAXPROCS: keep them apart
			rest = append(rest, "cores="+cores)
		}
		if impl == "" {
			continue
		}
		config := strings.Join(rest, "/")
		add := func(path, impl string) {
			key := l
			if path != "" {
				key = l + " (" + path + ")"
			}
			s := byName[key]
			if s == nil {
				s = &layerSummary{name: key, path: path, median: map[string]map[string]float64{}}
				byName[key], values[key] = s, map[string]map[string][]float64{}
				order = append(order, s)
			}
			if values[key][config] == nil {
				values[key][config] = map[string][]float64{}
				s.configs = append(s.configs, config)
			}
			values[key][config][impl] = append(values[key][config][impl], ns*1e9)
		}
		switch {
		case l != nodeLayer:
			add(path, impl)
		case impl == "geth": // the node layer's go-ethereum rows: the base of every path
			for _, p := range nodePaths {
				add(p, impl)
			}
		case strings.HasPrefix(config, "BloomSIMDPreciseGetLogs/") && impl != "precise":
			// That benchmark's other rows (Scan without the live tail) are its
			// reference, in the benchstat table; BloomSIMDGetLogsLive measures those paths.
		default: // the node layer's impls are its paths, on the kernels this CPU selects
			add(paths[impl], nodeImpl)
		}
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	kept := order[:0]
	for _, s := range order {
		ours := false
		for config, impls := range values[s.name] {
			s.median[config] = map[string]float64{}
			for impl, v := range impls {
				s.median[config][impl] = median(v)
				ours = ours || impl != "geth"
			}
		}
		if ours { // a node path with go-ethereum's rows only did not run
			kept = append(kept, s)
		}
	}
	return kept, nil
}

func layerOf(bench string) string {
	for _, l := range layers {
		if regexp.MustCompile(l.pattern).MatchString(bench) {
			return l.name
		}
	}
	return ""
}

func layerByName(name string) layer {
	for _, l := range layers {
		if l.name == name {
			return l
		}
	}
	return layer{}
}

func median(v []float64) float64 {
	v = slices.Clone(v)
	sort.Float64s(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// printSummary prints, per layer and path, the speedup over go-ethereum of impl, the
// implementation the dispatcher selects on this CPU (what a user gets): the geometric
// mean over the layer's rows, then each row. The other implementations are in the
// benchstat table.
func printSummary(w io.Writer, sums []*layerSummary, impl string) {
	for _, s := range sums {
		g, n := s.geomean(impl)
		if n == 0 {
			fmt.Fprintf(w, "\n%s: no rows of %s beside go-ethereum\n", s.name, impl)
			continue
		}
		fmt.Fprintf(w, "\n%s: %.1fx (geometric mean of the speedups below: %d)\n", s.name, g, n)
		for _, c := range s.configs {
			v, ok := s.median[c][impl]
			if !ok {
				continue
			}
			line := fmt.Sprintf("  %-48s %-8s %12s", c, impl, formatNs(v))
			if g, ok := s.median[c]["geth"]; ok {
				line += fmt.Sprintf("   geth %12s   %6.1fx", formatNs(g), g/v)
			}
			if sv, ok := s.median[c]["stdlib"]; ok {
				line += fmt.Sprintf("   stdlib %10s", formatNs(sv))
			}
			fmt.Fprintln(w, line)
		}
	}
}

func formatNs(ns float64) string {
	switch {
	case ns >= 1e6:
		return fmt.Sprintf("%.2f ms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.2f µs", ns/1e3)
	default:
		return fmt.Sprintf("%.2f ns", ns)
	}
}
