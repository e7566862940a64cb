package chart

import "fmt"

// funnelRow is the height of one step of a funnel.
const funnelRow = 28

// Funnel draws one horizontal bar per step, widest first as given, each
// centred and labelled with its step, its number and its share of the
// first step.
func Funnel(s Spec, steps []string, values []float64) []byte {
	h := marginTop + funnelRow*max(1, len(steps)) + marginTop
	c := newCanvas(s, width, h)
	labelW := 160.0
	plotW := float64(width) - labelW - marginRight
	first := at(values, 0)
	top := max(1, maxOf(values))
	for i, step := range steps {
		v := at(values, i)
		w := plotW * v / top
		x := labelW + (plotW-w)/2
		y := float64(marginTop + funnelRow*i)
		share := ""
		if first > 0 {
			share = fmt.Sprintf(" (%.0f%%)", 100*v/first)
		}
		c.text(labelW-8, y+funnelRow/2+4, "end", "label", step)
		c.rect("bar", x, y+3, w, funnelRow-6, color(0), step+": "+Format(v)+s.Unit+share)
		c.text(labelW+plotW/2, y+funnelRow/2+4, "middle", "value", Format(v)+share)
	}
	return c.done()
}
