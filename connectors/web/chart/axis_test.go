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
