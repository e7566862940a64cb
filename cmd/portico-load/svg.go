package main

import (
	"fmt"
	"html"
	"math"
	"strings"
	"time"
)

// Histogram plot geometry, in SVG user units.
const (
	plotW, plotH   = 720, 360
	padL, padR     = 60, 20
	padT, padB     = 40, 60
	binsPerDecade  = 20
	plotMinLatency = 10 * time.Microsecond
	plotMaxLatency = 10 * time.Second
)

// series is one latency distribution to plot.
type series struct {
	Name    string
	Samples []time.Duration
	Color   string
}

// histogramSVG draws the share of samples per latency bin on a log time
// axis, one outlined step line per series, with p99 marked.
func histogramSVG(title string, ss []series) string {
	lo, hi := math.Log10(float64(plotMinLatency)), math.Log10(float64(plotMaxLatency))
	nb := int((hi - lo) * binsPerDecade)
	x := func(v float64) float64 { return padL + (v-lo)/(hi-lo)*(plotW-padL-padR) }
	shares := make([][]float64, len(ss))
	top := 0.0
	for i, s := range ss {
		h := make([]float64, nb)
		for _, d := range s.Samples {
			v := math.Log10(math.Max(float64(d), float64(plotMinLatency)))
			b := min(nb-1, max(0, int((v-lo)*binsPerDecade)))
			h[b]++
		}
		for b := range h {
			if len(s.Samples) > 0 {
				h[b] /= float64(len(s.Samples))
			}
			top = math.Max(top, h[b])
		}
		shares[i] = h
	}
	if top == 0 {
		top = 1
	}
	y := func(f float64) float64 { return plotH - padB - f/top*(plotH-padT-padB) }

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", plotW, plotH, plotW, plotH)
	fmt.Fprintf(&b, `<title>%s</title><rect width="100%%" height="100%%" fill="#fff"/>`+"\n", html.EscapeString(title))
	fmt.Fprintf(&b, `<text x="%d" y="20" font-size="14" font-weight="bold">%s</text>`+"\n", padL, html.EscapeString(title))
	// Axes and decade ticks.
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#333"/>`+"\n", padL, plotH-padB, plotW-padR, plotH-padB)
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#333"/>`+"\n", padL, padT, padL, plotH-padB)
	labels := []string{"10 µs", "100 µs", "1 ms", "10 ms", "100 ms", "1 s", "10 s"}
	for i, l := range labels {
		px := x(lo + float64(i))
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ccc"/>`, px, padT, px, plotH-padB)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", px, plotH-padB+16, l)
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">latency (log scale)</text>`+"\n", (plotW+padL)/2, plotH-padB+34)
	fmt.Fprintf(&b, `<text x="14" y="%d" transform="rotate(-90 14 %d)" text-anchor="middle">share of samples (max %.1f%%)</text>`+"\n", (plotH)/2, plotH/2, top*100)
	for i, s := range ss {
		if len(s.Samples) == 0 {
			continue
		}
		var path strings.Builder
		fmt.Fprintf(&path, "M%.1f %.1f", x(lo), y(0))
		for bi, f := range shares[i] {
			x0, x1 := x(lo+float64(bi)/binsPerDecade), x(lo+float64(bi+1)/binsPerDecade)
			fmt.Fprintf(&path, " L%.1f %.1f L%.1f %.1f", x0, y(f), x1, y(f))
		}
		fmt.Fprintf(&b, `<path d="%s" fill="none" stroke="%s" stroke-width="1.5"/>`+"\n", path.String(), s.Color)
		sorted := append([]time.Duration(nil), s.Samples...)
		sortDurations(sorted)
		p99 := quantile(sorted, 0.99)
		px := x(math.Log10(math.Max(float64(p99), float64(plotMinLatency))))
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s" stroke-dasharray="4 3"/>`+"\n", px, padT, px, plotH-padB, s.Color)
		ly := padT + 4 + 16*i
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="12" height="3" fill="%s"/><text x="%d" y="%d" paint-order="stroke" stroke="#fff" stroke-width="3">%s: %d samples, p99 %.2f ms (dashed)</text>`+"\n",
			padL+8, ly+6, s.Color, padL+24, ly+10, html.EscapeString(s.Name), len(s.Samples), ms(p99))
	}
	b.WriteString("</svg>\n")
	return b.String()
}
