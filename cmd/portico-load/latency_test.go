package main

import (
	"encoding/xml"
	"strings"
	"testing"
	"time"
)

func TestSummaryPercentiles(t *testing.T) {
	r := &recorder{}
	for i := 1; i <= 1000; i++ { // 1 ms … 1000 ms
		r.add(time.Duration(i) * time.Millisecond)
	}
	r.fail()
	s := r.summary()
	checks := []struct {
		name      string
		got, want float64
	}{
		{"count", float64(s.Count), 1000},
		{"errors", float64(s.Errors), 1},
		{"min", s.Min, 1},
		{"p50", s.P50, 500},
		{"p95", s.P95, 950},
		{"p99", s.P99, 990},
		{"p99.9", s.P999, 999},
		{"max", s.Max, 1000},
		{"mean", s.Mean, 500.5},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
	if (&recorder{}).summary() != (Summary{}) {
		t.Error("an empty recorder has a non-zero summary")
	}
}

func TestRatio(t *testing.T) {
	if got := ratio(1, 3); got != 0.333 {
		t.Errorf("ratio(1, 3) = %v, want 0.333", got)
	}
	if got := ratio(1, 0); got != 0 {
		t.Errorf("ratio(1, 0) = %v, want 0", got)
	}
}

func TestHistogramSVGIsWellFormed(t *testing.T) {
	var a, b []time.Duration
	for i := range 500 {
		a = append(a, time.Duration(i+1)*10*time.Microsecond)
		b = append(b, time.Duration(i+1)*time.Millisecond)
	}
	svg := histogramSVG(`Latency <"test">`, []series{
		{Name: "server & co", Samples: a, Color: "#123456"},
		{Name: "echo", Samples: b, Color: "#654321"},
		{Name: "empty", Color: "#000000"},
	})
	d := xml.NewDecoder(strings.NewReader(svg))
	for {
		if _, err := d.Token(); err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("not well-formed XML: %v", err)
			}
			break
		}
	}
	for _, want := range []string{"p99 4.95 ms", "p99 495.00 ms", "&lt;&#34;test&#34;&gt;", "server &amp; co: 500 samples"} {
		if !strings.Contains(svg, want) {
			t.Errorf("the plot lacks %q", want)
		}
	}
	if strings.Contains(svg, "empty:") {
		t.Error("an empty series got a legend")
	}
}

func TestSyncPercentile(t *testing.T) {
	bounds := []float64{1, 2, 4}
	before := ServerStats{DBSyncTimes: []int64{5, 0, 0, 0}, DBSyncBucketsMs: bounds}
	after := ServerStats{DBSyncTimes: []int64{95, 8, 0, 2}, DBSyncBucketsMs: bounds} // 90, 8, 0, 2 in the run
	for _, tt := range []struct{ p, want float64 }{{0.5, 1}, {0.9, 1}, {0.95, 2}, {0.99, 8}} {
		if got := syncPercentile(before, after, tt.p); got != tt.want {
			t.Errorf("p%v: got %v, want %v", tt.p*100, got, tt.want)
		}
	}
	if got := syncPercentile(before, ServerStats{}, 0.5); got != 0 {
		t.Errorf("without buckets: %v, want 0", got)
	}
}
