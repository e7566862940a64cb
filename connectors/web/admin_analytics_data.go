package web

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/portico-chat/portico/bot/report"
	"github.com/portico-chat/portico/connectors/web/chart"
)

// datasets are the report's numbers as tables, by name: each is served as
// CSV and shown under its chart. docs/analytics.md defines every column.
var datasets = map[string]func(*report.Report) chart.Table{
	"summary":   summaryTable,
	"daily":     dailyTable,
	"handoffs":  handoffTable,
	"funnel":    func(r *report.Report) chart.Table { return funnelTable(r, "") },
	"durations": durationTable,
	"ratings":   ratingTable,
	"busiest":   busiestTable,

	"handoff_outcomes": handoffOutcomeTable,
}

// weekdays names Report.Busiest's rows.
var weekdays = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}

func summaryTable(r *report.Report) chart.Table {
	t := r.Totals
	rows := [][]string{
		{"conversations", itoa(t.Conversations)},
		{"open", itoa(t.Open)},
		{"resolved", itoa(t.Resolved)},
		{"unresolved", itoa(t.Unresolved)},
		{"abandoned", itoa(t.Abandoned)},
		{"handed_off", itoa(t.HandedOff)},
		{"other", itoa(t.Other)},
		{"contained", itoa(t.Contained)},
		{"queued", itoa(t.Queued)},
		{"handoffs", itoa(t.Handoffs)},
		{"unanswered", itoa(t.Unanswered)},
		{"containment_rate", rate(r.Containment.Rate)},
		{"handoff_rate", rate(r.HandoffRate.Rate)},
		{"ratings", itoa(r.Ratings.Count)},
		{"rating_average", rate(r.Ratings.Average)},
	}
	return chart.Table{Caption: "Summary", Columns: []string{"metric", "value"}, Rows: rows}
}

func dailyTable(r *report.Report) chart.Table {
	t := chart.Table{Caption: "Conversations per day by flow and channel", Columns: []string{"day", "flow", "channel", "conversations"}}
	for _, d := range r.Daily {
		t.Rows = append(t.Rows, []string{d.Day, d.Flow, d.Channel, itoa(d.Conversations)})
	}
	return t
}

// handoffTable counts every handoff by reason; rate is the share of all
// handoffs (a conversation handed off twice counts twice).
func handoffTable(r *report.Report) chart.Table {
	t := chart.Table{Caption: "Handoffs by reason", Columns: []string{"reason", "handoffs", "rate"}}
	for _, h := range r.Handoffs {
		t.Rows = append(t.Rows, []string{h.Reason, itoa(h.Count), rate(h.Rate)})
	}
	return t
}

func handoffOutcomeTable(r *report.Report) chart.Table {
	t := chart.Table{Caption: "Handoffs by outcome", Columns: []string{"outcome", "handoffs"}}
	for _, o := range r.HandoffOutcomes {
		t.Rows = append(t.Rows, []string{o.Outcome, itoa(o.Count)})
	}
	return t
}

// funnelTable lists every funnel's steps, or only flow's when flow is set.
func funnelTable(r *report.Report, flow string) chart.Table {
	t := chart.Table{Caption: "Funnel: conversations that reached each state", Columns: []string{"flow", "state", "reached", "visits", "stopped", "abandoned"}}
	for _, f := range r.Funnels {
		if flow != "" && f.Flow != flow {
			continue
		}
		for _, s := range f.Steps {
			t.Rows = append(t.Rows, []string{f.Flow, s.State, itoa(s.Reached), itoa(s.Visits), itoa(s.Stopped), itoa(s.Abandoned)})
		}
	}
	return t
}

func durationTable(r *report.Report) chart.Table {
	t := chart.Table{Caption: "Durations in seconds", Columns: []string{"measure", "count", "median_seconds", "p90_seconds"}}
	for _, d := range []struct {
		name string
		d    report.Durations
	}{{"time_to_resolution", r.Resolution}, {"queue_wait", r.QueueWait}, {"handle_time", r.HandleTime}} {
		t.Rows = append(t.Rows, []string{d.name, itoa(d.d.Count), seconds(d.d.Median), seconds(d.d.P90)})
	}
	return t
}

func ratingTable(r *report.Report) chart.Table {
	t := chart.Table{Caption: "Ratings", Columns: []string{"stars", "conversations"}}
	for i, n := range r.Ratings.Stars {
		t.Rows = append(t.Rows, []string{itoa(i + 1), itoa(n)})
	}
	return t
}

func busiestTable(r *report.Report) chart.Table {
	t := chart.Table{Caption: "Conversations by weekday and hour (" + r.TimeZone + ")", Columns: []string{"weekday", "hour", "conversations"}}
	for d, row := range r.Busiest.Cells {
		for h, n := range row {
			t.Rows = append(t.Rows, []string{weekdays[d], itoa(h), itoa(n)})
		}
	}
	return t
}

// writeCSV writes a table as CSV with a header row. A cell that a
// spreadsheet would run as a formula is prefixed with a quote.
func writeCSV(w io.Writer, t chart.Table) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(t.Columns); err != nil {
		return err
	}
	for _, row := range t.Rows {
		safe := make([]string, len(row))
		for i, c := range row {
			safe[i] = csvSafe(c)
		}
		if err := cw.Write(safe); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe defuses formula injection (OWASP "CSV Injection").
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// csvName is the download's file name: the dataset and the range.
func csvName(name string, r *report.Report) string {
	loc, err := time.LoadLocation(r.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	n := "portico-" + name + "-" + r.From.In(loc).Format(time.DateOnly) + "-" + r.To.In(loc).Format(time.DateOnly)
	if r.Flow != "" {
		n += "-" + r.Flow
	}
	return n + ".csv"
}

func itoa(n int) string { return strconv.Itoa(n) }

// rate writes a ratio with four decimals.
func rate(f float64) string { return strconv.FormatFloat(f, 'f', 4, 64) }

// seconds writes a duration in seconds, as exact as it is.
func seconds(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) }
