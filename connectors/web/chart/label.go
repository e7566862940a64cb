package chart

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Axis labels are fitted to the width of their slot, so neighbours never
// overlap: wrapped onto a second line at a space, underscore or hyphen,
// and cut short with "…" past that (each mark's own title still names it
// in full).
const (
	fontSize      = 12  // the charts' font size, in SVG units
	charWidth     = 7.2 // an estimate of one character's width at fontSize: 0.6 em, generous for sans-serif fonts
	labelLineGap  = 14  // from one line of a label to the next
	maxLabelLines = 2
	labelPad      = 6 // kept free between neighbouring labels
)

// fitLabel splits s into at most maxLabelLines lines of at most width
// units each.
func fitLabel(s string, width float64) []string {
	perLine := max(1, int((width-labelPad)/charWidth))
	var lines []string
	line := ""
	for _, w := range breakWords(s) {
		switch {
		case line == "":
			line = w
		case utf8.RuneCountInString(strings.TrimRight(line+w, " ")) <= perLine:
			line += w
		default:
			lines = append(lines, strings.TrimSpace(line))
			line = w
		}
	}
	lines = append(lines, strings.TrimSpace(line))
	if len(lines) > maxLabelLines {
		lines = append(lines[:maxLabelLines-1], strings.Join(lines[maxLabelLines-1:], " "))
	}
	for i, l := range lines {
		if r := []rune(l); len(r) > perLine {
			lines[i] = strings.TrimRight(string(r[:max(1, perLine-1)]), " ") + "…"
		}
	}
	return lines
}

// breakWords cuts s after each space, underscore and hyphen, keeping them.
func breakWords(s string) []string {
	var out []string
	start := 0
	for i, r := range s {
		if r == ' ' || r == '_' || r == '-' {
			out = append(out, s[start:i+1])
			start = i + 1
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// label writes an axis label centred at x, fitted to width, its first
// line's baseline at y.
func (c *canvas) label(x, y, width float64, s string) {
	lines := fitLabel(s, width)
	if len(lines) == 1 {
		c.text(x, y, "middle", "label", lines[0])
		return
	}
	fmt.Fprintf(c, `<text class="label" x="%s" y="%s" text-anchor="middle">`, num(x), num(y))
	for i, l := range lines {
		dy := 0
		if i > 0 {
			dy = labelLineGap
		}
		fmt.Fprintf(c, `<tspan x="%s" dy="%d">%s</tspan>`, num(x), dy, esc(l))
	}
	c.WriteString(`</text>`)
}
