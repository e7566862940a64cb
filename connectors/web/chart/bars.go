package chart

import "fmt"

// Bars draws one vertical bar per label.
func Bars(s Spec, labels []string, values []float64) []byte {
	return StackedBars(s, labels, []Series{{Name: s.Title, Values: values}})
}

// StackedBars draws one bar per label made of one segment per series (for
// example conversations per day, by flow), with a legend when there is
// more than one series. A series shorter than labels counts as zeros.
func StackedBars(s Spec, labels []string, series []Series) []byte {
	c := newCanvas(s, width, height)
	totals := make([]float64, len(labels))
	for _, sr := range series {
		for i := range labels {
			totals[i] += at(sr.Values, i)
		}
	}
	plotW, plotH, top := c.plot([]Series{{Values: totals}})
	slot := plotW / float64(max(1, len(labels)))
	barW := slot * 0.7
	for i, label := range labels {
		x := marginLeft + slot*float64(i) + (slot-barW)/2
		y := float64(marginTop) + plotH
		for k, sr := range series {
			v := at(sr.Values, i)
			if v <= 0 {
				continue
			}
			h := plotH * v / top
			y -= h
			name := label
			if len(series) > 1 {
				name = fmt.Sprintf("%s, %s", label, sr.Name)
			}
			c.rect("bar", x, y, barW, h, color(k), name+": "+Format(v)+s.Unit)
		}
		if shown(i, len(labels)) {
			c.label(x+barW/2, float64(marginTop)+plotH+16, labelRoom(slot, len(labels)), short(label, len(labels)))
		}
	}
	if len(series) > 1 {
		c.legend(names(series), float64(height-legendRow))
	}
	return c.done()
}

// GroupedBars draws, for each group, one bar per series side by side (for
// example the median and the 90th percentile of each duration), with a
// legend of the series.
func GroupedBars(s Spec, groups []string, series []Series) []byte {
	c := newCanvas(s, width, height)
	plotW, plotH, top := c.plot(series)
	slot := plotW / float64(max(1, len(groups)))
	barW := slot * 0.7 / float64(max(1, len(series)))
	for i, g := range groups {
		x0 := marginLeft + slot*float64(i) + slot*0.15
		for k, sr := range series {
			v := at(sr.Values, i)
			if v <= 0 {
				continue
			}
			h := plotH * v / top
			c.rect("bar", x0+barW*float64(k), float64(marginTop)+plotH-h, barW, h, color(k),
				fmt.Sprintf("%s, %s: %s%s", g, sr.Name, Format(v), s.Unit))
		}
		c.label(marginLeft+slot*float64(i)+slot/2, float64(marginTop)+plotH+16, slot, g)
	}
	c.legend(names(series), float64(height-legendRow))
	return c.done()
}

// labelRoom is the width an axis label may take: its slot, or, when only
// every n-th label is written, the slots up to the next one written.
func labelRoom(slot float64, n int) float64 {
	if n <= maxAxisLabels {
		return slot
	}
	return slot * float64((n+maxAxisLabels-1)/maxAxisLabels)
}

// at is vs[i], or 0 past its end.
func at(vs []float64, i int) float64 {
	if i < len(vs) {
		return vs[i]
	}
	return 0
}

func maxOf(vs []float64) float64 {
	m := 0.0
	for _, v := range vs {
		m = max(m, v)
	}
	return m
}

// maxAxisLabels is how many labels fit under a chart without overlapping;
// past it, every n-th is written (each mark's own title still names it).
const maxAxisLabels = 10

// shown reports whether the i-th of n axis labels is written: all when
// they fit, else every n-th, always the last.
func shown(i, n int) bool {
	if n <= maxAxisLabels {
		return true
	}
	every := (n + maxAxisLabels - 1) / maxAxisLabels
	return i == n-1 || i%every == 0 && n-1-i >= every/2+1
}

// short shortens a label when many share the axis: a date keeps its
// month and day.
func short(label string, n int) string {
	if n > 7 && len(label) == len("2006-01-02") {
		return label[5:]
	}
	return label
}
