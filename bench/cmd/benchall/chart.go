package main

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

var implColors = map[string]color.Color{
	"avx512":  color.RGBA{R: 0xc0, G: 0x39, B: 0x2b, A: 0xff},
	"avx2":    color.RGBA{R: 0xe6, G: 0x7e, B: 0x22, A: 0xff},
	"neon":    color.RGBA{R: 0x27, G: 0xae, B: 0x60, A: 0xff},
	"generic": color.RGBA{R: 0x34, G: 0x49, B: 0x5e, A: 0xff},
}

// chart draws, per layer, one bar per implementation: the geometric mean of its
// speedups over go-ethereum, on a log scale. Bars are drawn as log10(speedup) on a
// linear axis labelled in x, since bars need a zero base: a bar going down means
// slower than go-ethereum. It writes base.svg and base.png.
func chart(sums []*layerSummary, base string) error {
	var layersShown []*layerSummary
	for _, s := range sums {
		if _, n := s.geomean(s.ours()[0]); n > 0 {
			layersShown = append(layersShown, s)
		}
	}
	if len(layersShown) == 0 {
		return fmt.Errorf("no layer has go-ethereum rows to compare with")
	}
	p := plot.New()
	p.Title.Text = "bloomsimd vs go-ethereum v1.14.13: speedup per layer (geometric mean)"
	p.Y.Label.Text = "speedup (x, log scale)"
	var ticks []plot.Tick
	for e := -2; e <= 4; e++ {
		ticks = append(ticks, plot.Tick{Value: float64(e), Label: fmt.Sprintf("%gx", math.Pow(10, float64(e)))})
	}
	p.Y.Tick.Marker = plot.ConstantTicks(ticks)
	names := make([]string, len(layersShown))
	for i, s := range layersShown {
		names[i] = s.name
	}
	impls := []string{"avx512", "avx2", "neon", "generic"}
	barWidth := vg.Points(14)
	var series []*plotter.BarChart
	for _, impl := range impls {
		vals := make(plotter.Values, len(layersShown))
		any := false
		for i, s := range layersShown {
			if g, n := s.geomean(impl); n > 0 {
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
		bars.Color = implColors[impl]
		bars.LineStyle.Width = 0
		p.Legend.Add(impl, bars)
		series = append(series, bars)
	}
	for i, bars := range series { // side by side, centred on each layer
		bars.Offset = barWidth * (vg.Length(i) - vg.Length(len(series)-1)/2)
		p.Add(bars)
	}
	p.Legend.Top, p.Legend.Left = true, true // the first layer (bitops) has the shortest bars
	p.Y.Min = math.Min(p.Y.Min, -0.3)
	p.Y.Max = math.Ceil(p.Y.Max) + 0.5 // room for the legend
	p.NominalX(names...)
	p.Add(plotter.NewGrid())
	for _, ext := range []string{".svg", ".png"} {
		width := vg.Length(math.Max(6, 2+1.2*float64(len(layersShown)))) * vg.Inch
		if err := p.Save(width, 4*vg.Inch, base+ext); err != nil {
			return err
		}
	}
	return nil
}
