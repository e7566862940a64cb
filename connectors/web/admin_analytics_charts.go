package web

import (
	"cmp"
	"html/template"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/portico-chat/portico/bot/report"
	"github.com/portico-chat/portico/connectors/web/chart"
)

// analyticsChart is one dashboard chart: how to draw it and the table of
// its numbers. focus names the flow whose funnel to draw.
type analyticsChart struct {
	draw  func(r *report.Report, focus string) []byte
	table func(r *report.Report, focus string) chart.Table
}

// chartTitles are the charts' titles by name.
var chartTitles = map[string]string{
	"daily": "Conversations per day by flow", "trend": "Conversations per day", "handoffs": "Handoffs by reason",
	"funnel": "Funnel", "durations": "Durations", "ratings": "Ratings", "busiest": "Busiest hours",
}

// charts are the dashboard's charts by name.
var charts = map[string]analyticsChart{
	"daily":    {drawDaily, func(r *report.Report, _ string) chart.Table { return dailyTable(r) }},
	"trend":    {drawTrend, func(r *report.Report, _ string) chart.Table { return dailyTable(r) }},
	"handoffs": {drawHandoffs, func(r *report.Report, _ string) chart.Table { return handoffTable(r) }},
	"funnel": {drawFunnel, func(r *report.Report, focus string) chart.Table {
		return funnelTable(r, funnelOf(r, focus).Flow)
	}},
	"durations": {drawDurations, func(r *report.Report, _ string) chart.Table { return durationTable(r) }},
	"ratings":   {drawRatings, func(r *report.Report, _ string) chart.Table { return ratingTable(r) }},
	"busiest":   {drawBusiest, func(r *report.Report, _ string) chart.Table { return busiestTable(r) }},
}

// rangeText describes a report's range for a chart's description.
func rangeText(r *report.Report) string {
	s := "Conversations created from " + r.From.Format("2006-01-02 15:04") + " to " + r.To.Format("2006-01-02 15:04") + " UTC"
	if r.Flow != "" {
		s += ", flow " + r.Flow
	}
	return s + "."
}

func drawDaily(r *report.Report, _ string) []byte {
	index := map[string]int{}
	for i, d := range r.Days {
		index[d] = i
	}
	var series []chart.Series
	byFlow := map[string]int{}
	for _, d := range r.Daily {
		k, ok := byFlow[d.Flow]
		if !ok {
			k = len(series)
			byFlow[d.Flow] = k
			series = append(series, chart.Series{Name: d.Flow, Values: make([]float64, len(r.Days))})
		}
		if i, ok := index[d.Day]; ok {
			series[k].Values[i] += float64(d.Conversations)
		}
	}
	slices.SortFunc(series, func(a, b chart.Series) int { return strings.Compare(a.Name, b.Name) })
	return chart.StackedBars(chart.Spec{ID: "chart-daily", Title: chartTitles["daily"],
		Desc: "Stacked bars, one per day, one segment per flow. " + rangeText(r), Unit: " conversations"}, r.Days, series)
}

func drawTrend(r *report.Report, _ string) []byte {
	index := map[string]int{}
	for i, d := range r.Days {
		index[d] = i
	}
	all := chart.Series{Name: "all flows", Values: make([]float64, len(r.Days))}
	for _, d := range r.Daily {
		if i, ok := index[d.Day]; ok {
			all.Values[i] += float64(d.Conversations)
		}
	}
	return chart.Line(chart.Spec{ID: "chart-trend", Title: chartTitles["trend"],
		Desc: "A line of conversations per day. " + rangeText(r), Unit: " conversations"}, r.Days, []chart.Series{all})
}

func drawHandoffs(r *report.Report, _ string) []byte {
	var labels []string
	var values []float64
	for _, h := range r.Handoffs {
		labels, values = append(labels, h.Reason), append(values, float64(h.Count))
	}
	return chart.Bars(chart.Spec{ID: "chart-handoffs", Title: chartTitles["handoffs"],
		Desc: "Bars: handoffs to a person, by reason (a chat handed off twice counts twice). " + rangeText(r), Unit: " handoffs"}, labels, values)
}

// funnelOf returns the funnel of flow focus, else of the report's flow,
// else the one most conversations entered; an empty one when none.
func funnelOf(r *report.Report, focus string) report.Funnel {
	for _, want := range []string{focus, r.Flow} {
		for _, f := range r.Funnels {
			if want != "" && f.Flow == want {
				return f
			}
		}
	}
	if len(r.Funnels) > 0 {
		return r.Funnels[0]
	}
	return report.Funnel{}
}

func drawFunnel(r *report.Report, focus string) []byte {
	f := funnelOf(r, focus)
	var labels []string
	var values []float64
	for _, s := range f.Steps {
		labels, values = append(labels, s.State), append(values, float64(s.Reached))
	}
	return chart.Funnel(chart.Spec{ID: "chart-funnel", Title: "Funnel of " + cmp.Or(f.Flow, "no flow"),
		Desc: "Horizontal bars: conversations that reached each state, most first, with their share of the first. " + rangeText(r),
		Unit: " conversations"}, labels, values)
}

func drawDurations(r *report.Report, _ string) []byte {
	groups := []string{"Time to resolution", "Queue wait", "Agent handle time"}
	ds := []report.Durations{r.Resolution, r.QueueWait, r.HandleTime}
	longest := time.Duration(0)
	for _, d := range ds {
		longest = max(longest, d.Median, d.P90)
	}
	unit, per := durationUnit(longest)
	median := chart.Series{Name: "median", Values: make([]float64, len(ds))}
	p90 := chart.Series{Name: "90th percentile", Values: make([]float64, len(ds))}
	for i, d := range ds {
		median.Values[i], p90.Values[i] = float64(d.Median)/float64(per), float64(d.P90)/float64(per)
	}
	return chart.GroupedBars(chart.Spec{ID: "chart-durations", Title: chartTitles["durations"],
		Desc: "Bars: median and 90th percentile, in " + unit + ", of time to resolution, queue wait and agent handle time. " + rangeText(r),
		Unit: " " + unit}, groups, []chart.Series{median, p90})
}

// durationUnit is the unit the durations chart counts in: milliseconds,
// seconds, minutes or hours, whichever keeps the longest bar a number
// people read at a glance (under 2000, 120, 120 of them).
func durationUnit(longest time.Duration) (string, time.Duration) {
	switch {
	case longest >= 2*time.Hour:
		return "hours", time.Hour
	case longest >= 2*time.Minute:
		return "minutes", time.Minute
	case longest >= 2*time.Second:
		return "seconds", time.Second
	}
	return "milliseconds", time.Millisecond
}

func drawRatings(r *report.Report, _ string) []byte {
	labels := []string{"1", "2", "3", "4", "5"}
	values := make([]float64, 5)
	for i, n := range r.Ratings.Stars {
		values[i] = float64(n)
	}
	return chart.Bars(chart.Spec{ID: "chart-ratings", Title: chartTitles["ratings"],
		Desc: "Bars: chats rated 1 (poor) to 5 (excellent); average " + strconv.FormatFloat(r.Ratings.Average, 'f', 2, 64) +
			" of " + itoa(r.Ratings.Count) + ". " + rangeText(r), Unit: " ratings"}, labels, values)
}

func drawBusiest(r *report.Report, _ string) []byte {
	hours := make([]string, 24)
	for h := range hours {
		hours[h] = itoa(h)
	}
	cells := make([][]float64, 7)
	for d, row := range r.Busiest.Cells {
		cells[d] = make([]float64, 24)
		for h, n := range row {
			cells[d][h] = float64(n)
		}
	}
	days := make([]string, 7)
	for i, d := range weekdays {
		days[i] = d[:3]
	}
	return chart.Heatmap(chart.Spec{ID: "chart-busiest", Title: chartTitles["busiest"],
		Desc: "A grid of weekdays by hour of day in " + r.TimeZone + "; darker cells had more conversations. " + rangeText(r),
		Unit: " conversations"}, days, hours, cells)
}

var figureHTML = template.Must(template.New("figure").Parse(
	`<figure class="analytics-chart" id="figure-{{.Name}}">{{.SVG}}<figcaption>{{.Title}}</figcaption>` +
		`<details><summary>The numbers</summary>{{.Table}}</details></figure>`))

// figure is a chart, inline, with its numbers as an accessible table, for
// the dashboard page to embed.
func figure(name string, r *report.Report, focus string) string {
	c := charts[name]
	var b strings.Builder
	_ = figureHTML.Execute(&b, map[string]any{
		"Name": name, "Title": chartTitles[name],
		"SVG":   template.HTML(c.draw(r, focus)), //nolint:gosec // built by the chart package, escaped
		"Table": c.table(r, focus).HTML(),
	})
	return b.String()
}
