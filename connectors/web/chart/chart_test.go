package chart_test

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"

	"github.com/portico-chat/portico/connectors/web/chart"
)

// parsed is what a test reads back from an SVG document.
type parsed struct {
	root    xml.StartElement
	classes map[string]int    // elements counted by their class attribute
	ids     map[string]string // element IDs to their text
	texts   []string          // text of <text> elements
	titles  []string          // text of <title> elements inside marks
}

// parse reads an SVG as XML, failing the test if it is not well formed.
func parse(t *testing.T, svg []byte) parsed {
	t.Helper()
	p := parsed{classes: map[string]int{}, ids: map[string]string{}}
	d := xml.NewDecoder(bytes.NewReader(svg))
	d.Strict = true
	var stack []xml.StartElement
	first := true
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, svg)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if first {
				p.root, first = tok.Copy(), false
			}
			stack = append(stack, tok.Copy())
			for _, a := range tok.Attr {
				if a.Name.Local == "class" {
					p.classes[a.Value]++
				}
			}
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				continue
			}
			top := stack[len(stack)-1]
			for _, a := range top.Attr {
				if a.Name.Local == "id" {
					p.ids[a.Value] = string(tok)
				}
			}
			switch {
			case top.Name.Local == "text":
				p.texts = append(p.texts, string(tok))
			case top.Name.Local == "title" && len(stack) > 2:
				p.titles = append(p.titles, string(tok))
			}
		}
	}
	return p
}

func attr(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func TestChartsAreAccessibleWellFormedSVG(t *testing.T) {
	spec := chart.Spec{ID: "c1", Title: "Conversations <per> day & flow", Desc: "Stacked bars: one per day.", Unit: " conversations"}
	days := []string{"2025-03-03", "2025-03-04", "2025-03-05"}
	cases := []struct {
		name   string
		svg    []byte
		class  string
		marks  int
		labels []string // texts that must appear, in order among the labels
	}{
		{"bars", chart.Bars(spec, []string{"requested", "retries"}, []float64{2, 1}), "bar", 2, []string{"requested", "retries"}},
		{"stacked bars skip zero segments", chart.StackedBars(spec, days, []chart.Series{
			{Name: "reset_password", Values: []float64{3, 0, 2}},
			{Name: "greeting", Values: []float64{0, 1, 1}},
		}), "bar", 4, days},
		{"line", chart.Line(spec, days, []chart.Series{{Name: "all", Values: []float64{3, 2, 4}}}), "point", 3, days},
		{"funnel", chart.Funnel(spec, []string{"ask_dob", "ask_zip", "done"}, []float64{5, 2, 2}), "bar", 3,
			[]string{"ask_dob", "5 (100%)", "ask_zip", "2 (40%)", "done", "2 (40%)"}},
		{"heatmap", chart.Heatmap(spec, []string{"Sun", "Mon"}, []string{"0", "1", "2"}, [][]float64{{0, 1, 0}, {2, 0, 0}}), "cell", 6,
			[]string{"0", "1", "2", "Sun", "Mon"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := parse(t, c.svg)
			if p.root.Name.Local != "svg" || attr(p.root, "role") != "img" {
				t.Errorf("root: got <%s role=%q>, want <svg role=\"img\">", p.root.Name.Local, attr(p.root, "role"))
			}
			if got, want := attr(p.root, "aria-labelledby"), "c1-title c1-desc"; got != want {
				t.Errorf("aria-labelledby: got %q, want %q", got, want)
			}
			if got := p.ids["c1-title"]; got != spec.Title {
				t.Errorf("title: got %q, want %q", got, spec.Title)
			}
			if got := p.ids["c1-desc"]; got != spec.Desc {
				t.Errorf("desc: got %q, want %q", got, spec.Desc)
			}
			if got := p.classes[c.class]; got != c.marks {
				t.Errorf("%s marks: got %d, want %d", c.class, got, c.marks)
			}
			if len(p.titles) != c.marks {
				t.Errorf("marks with a title: got %d, want %d", len(p.titles), c.marks)
			}
			joined := "\x00" + strings.Join(p.texts, "\x00") + "\x00"
			pos := 0
			for _, l := range c.labels {
				i := strings.Index(joined[pos:], "\x00"+l+"\x00")
				if i < 0 {
					t.Errorf("label %q missing or out of order in %q", l, p.texts)
					break
				}
				pos += i + len(l) + 1
			}
		})
	}
}

func TestMarkTitlesCarryTheNumbers(t *testing.T) {
	svg := chart.StackedBars(chart.Spec{ID: "d", Title: "t", Unit: " conversations"}, []string{"2025-03-03"},
		[]chart.Series{{Name: "reset_password", Values: []float64{3}}, {Name: "greeting", Values: []float64{1.5}}})
	p := parse(t, svg)
	want := []string{"2025-03-03, reset_password: 3 conversations", "2025-03-03, greeting: 1.50 conversations"}
	if strings.Join(p.titles, "|") != strings.Join(want, "|") {
		t.Errorf("titles: got %q, want %q", p.titles, want)
	}
	if p.classes["legend"] != 2 {
		t.Errorf("legend entries: got %d, want 2", p.classes["legend"])
	}
}

func TestEmptyChartsAreStillValid(t *testing.T) {
	spec := chart.Spec{ID: "e", Title: "Nothing yet"}
	for name, svg := range map[string][]byte{
		"bars":    chart.Bars(spec, nil, nil),
		"stacked": chart.StackedBars(spec, nil, nil),
		"line":    chart.Line(spec, nil, nil),
		"funnel":  chart.Funnel(spec, nil, nil),
		"heatmap": chart.Heatmap(spec, nil, nil, nil),
	} {
		t.Run(name, func(t *testing.T) { parse(t, svg) })
	}
}

func TestTableHTML(t *testing.T) {
	got := string(chart.Table{
		Caption: "Handoffs <by> reason",
		Columns: []string{"Reason", "Conversations"},
		Rows:    [][]string{{"requested", "2"}, {"a&b", "1"}},
	}.HTML())
	want := `<table class="chart-data"><caption>Handoffs &lt;by&gt; reason</caption>` +
		`<thead><tr><th scope="col">Reason</th><th scope="col">Conversations</th></tr></thead>` +
		`<tbody><tr><th scope="row">requested</th><td>2</td></tr><tr><th scope="row">a&amp;b</th><td>1</td></tr></tbody></table>`
	if got != want {
		t.Errorf("table:\n got %s\nwant %s", got, want)
	}
}
