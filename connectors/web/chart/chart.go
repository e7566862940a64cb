// Package chart draws small server-side SVG charts for the admin
// dashboard, with no chart library and nothing fetched from elsewhere.
// Every chart is an accessible image (role="img", a <title> and <desc>
// named by aria-labelledby) and each mark carries its own <title> with its
// number; Table renders the same numbers as an HTML table for screen
// readers and for reading exact values.
package chart

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Layout of every chart, in SVG user units.
const (
	width       = 640
	height      = 320
	marginLeft  = 56
	marginRight = 16
	marginTop   = 16
	marginBot   = 64
	legendRow   = 18
	gridLines   = 4
	axisTitleX  = 12 // the baseline of the value axis's title, turned upright
)

// palette is the Okabe–Ito palette: distinguishable with the common colour
// vision deficiencies. Series past its end reuse it.
var palette = []string{"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"}

// Spec names a chart. ID must be unique in the page that shows it: it
// prefixes the title's and description's element IDs.
type Spec struct {
	ID    string
	Title string
	Desc  string
	Unit  string // appended to numbers in marks' titles, e.g. " conversations"; also the value axis's title
}

// Series is one named row of values, one per label.
type Series struct {
	Name   string
	Values []float64
}

// canvas writes one SVG document.
type canvas struct {
	bytes.Buffer
	spec Spec
}

func newCanvas(s Spec, w, h int) *canvas {
	c := &canvas{spec: s}
	id := esc(s.ID)
	fmt.Fprintf(c, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-labelledby="%s-title %s-desc" font-family="system-ui, sans-serif" font-size="12">`, w, h, w, h, id, id)
	fmt.Fprintf(c, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, id, esc(s.Title), id, esc(s.Desc))
	return c
}

func (c *canvas) done() []byte {
	c.WriteString(`</svg>`)
	return c.Bytes()
}

// mark writes a rectangle with its own title (a tooltip, and read by
// screen readers that walk the image).
func (c *canvas) rect(class string, x, y, w, h float64, fill, title string) {
	fmt.Fprintf(c, `<rect class="%s" x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s</title></rect>`,
		class, num(x), num(y), num(w), num(h), fill, esc(title))
}

func (c *canvas) text(x, y float64, anchor, class, s string) {
	fmt.Fprintf(c, `<text class="%s" x="%s" y="%s" text-anchor="%s">%s</text>`, class, num(x), num(y), anchor, esc(s))
}

// axis draws horizontal grid lines and their values for a plot of plotH
// units whose top value is top, and names the values' unit along the
// axis ("conversations", "minutes").
func (c *canvas) axis(top float64, plotW, plotH float64) {
	for i := 0; i <= gridLines; i++ {
		v := top * float64(i) / gridLines
		y := marginTop + plotH - plotH*float64(i)/gridLines
		fmt.Fprintf(c, `<line x1="%d" x2="%s" y1="%s" y2="%s" stroke="#ccc" stroke-width="1"/>`,
			marginLeft, num(marginLeft+plotW), num(y), num(y))
		c.text(marginLeft-6, y+4, "end", "tick", Format(v))
	}
	if unit := strings.TrimSpace(c.spec.Unit); unit != "" {
		x, y := num(axisTitleX), num(marginTop+plotH/2)
		fmt.Fprintf(c, `<text class="axis-title" x="%s" y="%s" text-anchor="middle" transform="rotate(-90 %s %s)">%s</text>`,
			x, y, x, y, esc(unit))
	}
}

// plot draws the value axis for the largest value of series and returns
// the plot area's size and the axis's top value.
func (c *canvas) plot(series []Series) (plotW, plotH, top float64) {
	plotW = float64(width - marginLeft - marginRight)
	plotH = float64(height - marginTop - marginBot)
	for _, sr := range series {
		top = max(top, maxOf(sr.Values))
	}
	top = niceMax(top)
	c.axis(top, plotW, plotH)
	return plotW, plotH, top
}

// names lists the series' names, for a legend.
func names(series []Series) []string {
	out := make([]string, len(series))
	for i, sr := range series {
		out[i] = sr.Name
	}
	return out
}

// legend lists series names with their colours under the plot.
func (c *canvas) legend(names []string, y float64) {
	x := float64(marginLeft)
	for i, n := range names {
		fmt.Fprintf(c, `<rect class="key" x="%s" y="%s" width="10" height="10" fill="%s"/>`, num(x), num(y-9), color(i))
		c.text(x+14, y, "start", "legend", n)
		x += 24 + 7*float64(len([]rune(n)))
	}
}

// niceMax rounds a maximum up so grid lines fall on round numbers: a
// multiple of gridLines up to 10 (whole ticks for small counts), else 1,
// 2, 4 or 8 times a power of ten, whose quarters are whole numbers too.
func niceMax(v float64) float64 {
	if v <= 10 {
		return max(1, math.Ceil(v/gridLines)) * gridLines
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 4, 8} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

func color(i int) string { return palette[i%len(palette)] }

// Format writes a number the way the charts and tables show it: whole
// numbers without decimals, others with up to two.
func Format(v float64) string {
	if v == math.Trunc(v) {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// num formats a coordinate.
func num(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// esc escapes text for XML content and attributes.
func esc(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
