package main

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Bar colours by query path, so the drop-in API and Scan are never mixed in one bar.
var pathStyles = []struct {
	path, legend string
	color        color.Color
}{
	{"", "kernels and the index (same API as go-ethereum)", color.RGBA{R: 0x34, G: 0x49, B: 0x5e, A: 0xff}},
	{"multiplex", "query, go-ethereum's Matcher API (imports swapped)", color.RGBA{R: 0xf3, G: 0x9c, B: 0x12, A: 0xff}},
	{"dropin", "query, Matcher API + our retrieval server", color.RGBA{R: 0xd3, G: 0x54, B: 0x00, A: 0xff}},
	{"scan", "query, Scan path (bloomsimd's direct API)", color.RGBA{R: 0xc0, G: 0x39, B: 0x2b, A: 0xff}},
}

// chart draws one bar per layer and path: the geometric mean of impl's speedups over
// go-ethereum, on a log scale. Bars are drawn as log10(speedup) on a linear axis
// labelled in x, since bars need a zero base: a bar going down means slower than
// go-ethereum. It writes base.svg and base.png.
func chart(sums []*layerSummary, base, impl string) error {
	var shown []*layerSummary
	for _, s := range sums {
		if _, n := s.geomean(impl); n > 0 {
			shown = append(shown, s)
		}
	}
	if len(shown) == 0 {
		return fmt.Errorf("no layer has %s rows beside go-ethereum rows", impl)
	}
	p := plot.New()
	p.Title.Text = fmt.Sprintf("bloomsimd (%s, selected on this CPU) vs go-ethereum v1.14.13: speedup (geometric mean)", impl)
	p.Y.Label.Text = "speedup (x, log scale)"
	var ticks []plot.Tick
	for e := -2; e <= 4; e++ {
		ticks = append(ticks, plot.Tick{Value: float64(e), Label: fmt.Sprintf("%gx", math.Pow(10, float64(e)))})
	}
	p.Y.Tick.Marker = plot.ConstantTicks(ticks)
	names := make([]string, len(shown))
	for i, s := range shown {
		names[i] = s.name
	}
	barWidth := vg.Points(22)
	for _, style := range pathStyles {
		vals := make(plotter.Values, len(shown)) // zero height where the layer is another path
		any := false
		for i, s := range shown {
			if s.path == style.path {
				g, _ := s.geomean(impl)
				vals[i], any = math.Log10(g), true
			}
		}
		if !any {
			continue
		}
		bars, err := plotter.NewBarChart(vals, barWidth)
		if err != nil {
			return err
		}
		bars.Color = style.color
		bars.LineStyle.Width = 0
		p.Legend.Add(style.legend, bars)
		p.Add(bars)
	}
	p.Legend.Top, p.Legend.Left = true, true // the first layer (bitops) has the shortest bars
	p.Y.Min = math.Min(p.Y.Min, -0.3)
	p.Y.Max = math.Ceil(p.Y.Max) + 1 // room for the legend
	p.NominalX(names...)
	p.X.Min, p.X.Max = -0.6, float64(len(shown))-0.4 // whole bars at both ends
	p.Add(plotter.NewGrid())
	for _, ext := range []string{".svg", ".png"} {
		width := vg.Length(math.Max(7, 2.5+1.2*float64(len(shown)))) * vg.Inch
		if err := p.Save(width, 4*vg.Inch, base+ext); err != nil {
			return err
		}
	}
	return nil
}
