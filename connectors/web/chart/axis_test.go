package chart

import (
	"strings"
	"testing"
)

func TestAxisLabelsDoNotCrowd(t *testing.T) {
	for _, n := range []int{1, 7, 10, 11, 30, 31, 90, 365} {
		count := 0
		for i := range n {
			if shown(i, n) {
				count++
			}
		}
		if n <= maxAxisLabels && count != n {
			t.Errorf("%d labels: %d written, want all", n, count)
		}
		if count > maxAxisLabels+1 {
			t.Errorf("%d labels: %d written, want at most %d", n, count, maxAxisLabels+1)
		}
		if !shown(0, n) || !shown(n-1, n) {
			t.Errorf("%d labels: the first and the last must be written", n)
		}
	}
	labels := make([]string, 30)
	for i := range labels {
		labels[i] = "2026-11-" + string(rune('0'+(i+1)/10)) + string(rune('0'+(i+1)%10))
	}
	svg := string(Bars(Spec{Title: "Per day"}, labels, make([]float64, 30)))
	if n := strings.Count(svg, `class="label"`); n < 2 || n > maxAxisLabels+1 {
		t.Errorf("a 30-day bar chart writes %d axis labels, want at most %d", n, maxAxisLabels+1)
	}
}

func TestLabelsFitTheirSlot(t *testing.T) {
	tests := []struct {
		label string
		width float64
		want  []string
	}{
		{"requested", 200, []string{"requested"}},
		{"Time to resolution", 189, []string{"Time to resolution"}},
		{"Agent handle time", 95, []string{"Agent handle", "time"}},
		{"verification_failed", 100, []string{"verification_", "failed"}},
		{"no agent answered in time at all", 95, []string{"no agent", "answered in…"}},
		{"supercalifragilistic", 60, []string{"superc…"}},
	}
	for _, tt := range tests {
		got := fitLabel(tt.label, tt.width)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("fitLabel(%q, %v) = %q, want %q", tt.label, tt.width, got, tt.want)
		}
		for _, line := range got {
			if w := float64(len([]rune(line))) * charWidth; w > tt.width-labelPad {
				t.Errorf("fitLabel(%q, %v): line %q is about %.0f units wide, more than its slot", tt.label, tt.width, line, w)
			}
		}
	}
}

func TestValueAxisNamesItsUnit(t *testing.T) {
	svg := string(GroupedBars(Spec{ID: "d", Title: "Durations", Unit: " minutes"},
		[]string{"Time to resolution", "Queue wait", "Agent handle time"},
		[]Series{{Name: "median", Values: []float64{1, 2, 0}}, {Name: "90th percentile", Values: []float64{3, 4, 0}}}))
	if !strings.Contains(svg, `class="axis-title"`) || !strings.Contains(svg, `>minutes</text>`) {
		t.Errorf("the value axis is not titled minutes:\n%s", svg)
	}
	if n := strings.Count(svg, `class="bar"`); n != 4 {
		t.Errorf("got %d bars, want 4 (zeros drawn as none)", n)
	}
	for _, title := range []string{"Time to resolution, median: 1 minutes", "Queue wait, 90th percentile: 4 minutes"} {
		if !strings.Contains(svg, "<title>"+title+"</title>") {
			t.Errorf("no bar titled %q", title)
		}
	}
	if n := strings.Count(svg, `class="legend"`); n != 2 {
		t.Errorf("got %d legend entries, want 2", n)
	}
	if strings.Contains(string(Bars(Spec{ID: "b", Title: "t"}, []string{"a"}, []float64{1})), "axis-title") {
		t.Error("a chart without a unit has an axis title")
	}
}

func TestGridLinesFallOnWholeNumbers(t *testing.T) {
	for _, v := range []float64{0, 1, 3, 9, 10, 11, 25, 41, 90, 100, 101, 260, 999, 1234, 45000} {
		top := niceMax(v)
		if top < v {
			t.Errorf("niceMax(%v) = %v, below the value", v, top)
		}
		if top > 2*max(v, 4) {
			t.Errorf("niceMax(%v) = %v, more than twice the value", v, top)
		}
		for i := 1; i <= gridLines; i++ {
			if tick := top * float64(i) / gridLines; tick != float64(int(tick)) {
				t.Errorf("niceMax(%v) = %v: grid line %d is at %v, not a whole number", v, top, i, tick)
			}
		}
	}
}
