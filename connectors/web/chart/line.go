package chart

import (
	"fmt"
	"strings"
)

// Line draws one line per series across the labels, with a dot (carrying
// its number) at every point.
func Line(s Spec, labels []string, series []Series) []byte {
	c := newCanvas(s, width, height)
	plotW, plotH, top := c.plot(series)
	step := plotW / float64(max(1, len(labels)))
	x := func(i int) float64 { return marginLeft + step*float64(i) + step/2 }
	y := func(v float64) float64 { return float64(marginTop) + plotH - plotH*v/top }
	for k, sr := range series {
		var pts []string
		for i := range labels {
			pts = append(pts, num(x(i))+","+num(y(at(sr.Values, i))))
		}
		fmt.Fprintf(c, `<polyline class="line" fill="none" stroke="%s" stroke-width="2" points="%s"/>`,
			color(k), strings.Join(pts, " "))
		for i, label := range labels {
			v := at(sr.Values, i)
			fmt.Fprintf(c, `<circle class="point" cx="%s" cy="%s" r="3" fill="%s"><title>%s</title></circle>`,
				num(x(i)), num(y(v)), color(k), esc(label+", "+sr.Name+": "+Format(v)+s.Unit))
		}
	}
	for i, label := range labels {
		if !shown(i, len(labels)) {
			continue
		}
		c.label(x(i), float64(marginTop)+plotH+16, labelRoom(step, len(labels)), short(label, len(labels)))
	}
	c.legend(names(series), float64(height-legendRow))
	return c.done()
}
