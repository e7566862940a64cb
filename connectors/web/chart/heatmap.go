package chart

// Heatmap layout.
const (
	heatLabelW = 48
	heatTop    = 24
)

// Heatmap draws a grid of cells (rows × columns) whose darkness follows
// their value, for example conversations by weekday and hour. Each cell
// carries its number in its title; the darkest is the largest.
func Heatmap(s Spec, rows, cols []string, cells [][]float64) []byte {
	cell := (float64(width) - heatLabelW - marginRight) / float64(max(1, len(cols)))
	h := int(heatTop+cell*float64(len(rows))) + marginTop
	c := newCanvas(s, width, h)
	top := 0.0
	for _, r := range cells {
		top = max(top, maxOf(r))
	}
	for j, col := range cols {
		if len(cols) <= 12 || j%3 == 0 {
			c.text(heatLabelW+cell*float64(j)+cell/2, heatTop-8, "middle", "label", col)
		}
	}
	for i, row := range rows {
		y := heatTop + cell*float64(i)
		c.text(heatLabelW-6, y+cell/2+4, "end", "label", row)
		for j, col := range cols {
			v := 0.0
			if i < len(cells) {
				v = at(cells[i], j)
			}
			c.rect("cell", heatLabelW+cell*float64(j), y, cell-1, cell-1, shade(v, top), row+" "+col+": "+Format(v)+s.Unit)
		}
	}
	return c.done()
}

// shade is a blue whose darkness is v's share of top; zero is near white.
func shade(v, top float64) string {
	if top <= 0 || v <= 0 {
		return "#f2f4f7"
	}
	// From #dbe9f6 (light) to #08306b (dark), linearly.
	f := v / top
	mix := func(a, b int) int { return a + int(f*float64(b-a)+0.5) }
	r, g, b := mix(0xdb, 0x08), mix(0xe9, 0x30), mix(0xf6, 0x6b)
	const hex = "0123456789abcdef"
	out := []byte{'#', 0, 0, 0, 0, 0, 0}
	for i, x := range []int{r, g, b} {
		out[1+2*i], out[2+2*i] = hex[x>>4], hex[x&15]
	}
	return string(out)
}
