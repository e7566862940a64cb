package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/report"
	"github.com/portico-chat/portico/storage/sqlite"
)

// knownReport is a report written by hand (the numbers of
// storage/sqlite's TestReportKnownConversations), so that every CSV cell
// below can be checked against it.
func knownReport() *report.Report {
	min := time.Minute
	r := &report.Report{
		From: time.Date(2025, 3, 3, 5, 0, 0, 0, time.UTC), To: time.Date(2025, 3, 6, 5, 0, 0, 0, time.UTC), TimeZone: "America/New_York",
		Totals: report.Totals{Conversations: 9, Open: 2, Resolved: 5, Unresolved: 1, Abandoned: 1, Contained: 3, Queued: 3, Handoffs: 4, Unanswered: 2},
		Days:   []string{"2025-03-03", "2025-03-04", "2025-03-05"},
		Daily: []report.DayCount{
			{Day: "2025-03-03", Flow: "reset_password", Channel: "web", Conversations: 3},
			{Day: "2025-03-04", Flow: "forgot_username", Channel: "web", Conversations: 1},
			{Day: "2025-03-04", Flow: "greeting", Channel: "web", Conversations: 1},
			{Day: "2025-03-05", Flow: "greeting", Channel: "web", Conversations: 1},
			{Day: "2025-03-05", Flow: "reset_password", Channel: "web", Conversations: 2},
		},
		Containment: report.NewRatio(3, 9),
		HandoffRate: report.NewRatio(3, 9),
		Handoffs: []report.ReasonRate{
			{Reason: "requested", Ratio: report.NewRatio(3, 4)},
			{Reason: "=cmd|' /C calc'!A0", Ratio: report.NewRatio(1, 4)}, // a hostile name stays text in a spreadsheet
		},
		HandoffOutcomes: []report.OutcomeCount{{Outcome: "resolved", Count: 2}, {Outcome: "to_bot", Count: 1}, {Outcome: "open", Count: 1}},
		Funnels: []report.Funnel{
			{Flow: "greeting", Entered: 9, Steps: []report.FunnelStep{{State: "welcome", Reached: 9, Visits: 9, Stopped: 1}}},
			{Flow: "reset_password", Entered: 5, Steps: []report.FunnelStep{
				{State: "ask_dob", Reached: 5, Visits: 5, Stopped: 2, Abandoned: 1},
				{State: "ask_code", Reached: 2, Visits: 3, Stopped: 1},
				{State: "done", Reached: 2, Visits: 2, Stopped: 2},
			}},
		},
		Resolution: report.Durations{Count: 5, Median: 10 * min, P90: 25 * min},
		QueueWait:  report.Durations{Count: 2, Median: 3 * min, P90: 10 * min},
		HandleTime: report.Durations{Count: 2, Median: 12*min + 500*time.Millisecond, P90: 30 * min},
		Ratings:    report.Ratings{Count: 2, Average: 3, Stars: [5]int{0, 1, 0, 1, 0}},
	}
	r.Busiest.Cells[1][9], r.Busiest.Cells[2][10], r.Busiest.Cells[3][23], r.Busiest.Max = 2, 2, 1, 2
	return r
}

// fakeReports answers every query with one report and keeps the queries.
type fakeReports struct {
	ConversationSearch
	report *report.Report
	err    error
	mu     sync.Mutex
	got    []report.Query
}

func (f *fakeReports) Report(_ context.Context, q report.Query) (*report.Report, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.got = append(f.got, q)
	return f.report, f.err
}

// analyticsEnv is a console server whose search store is search (the
// real SQLite store when nil).
type analyticsEnv struct {
	*consoleEnv
}

func startAnalytics(t *testing.T, search ConversationSearch) *analyticsEnv {
	t.Helper()
	return &analyticsEnv{consoleEnv: startConsoleWith(t, func(d *Deps, _ *sqlite.DB) {
		if search != nil {
			d.Agents.Search = search
		}
	}, nil)}
}

// get fetches path with b's session (nil for none).
func (e *analyticsEnv) get(t *testing.T, b *browserClient, path string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.base+path, nil)
	if b != nil {
		req.Header.Set("Cookie", b.cookieHeader())
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res, string(body)
}

// analyticsPaths is every analytics endpoint.
func analyticsPaths() []string {
	paths := []string{"/admin/api/analytics"}
	for name := range charts {
		paths = append(paths, "/admin/analytics/"+name+".svg", "/admin/analytics/"+name+".html")
	}
	for name := range datasets {
		paths = append(paths, "/admin/analytics/"+name+".csv")
	}
	return paths
}

func TestAnalyticsRoutesAreForAdminsOnly(t *testing.T) {
	env := startAnalytics(t, nil) // the real SQLite store computes the report
	agent := env.mustSignIn(t, "ana@example.org", agentPassword)
	admin := env.mustSignIn(t, "max@example.org", adminPassword)
	for _, path := range analyticsPaths() {
		for _, c := range []struct {
			who  string
			b    *browserClient
			want int
		}{{"nobody", nil, http.StatusUnauthorized}, {"agent", agent, http.StatusForbidden}, {"admin", admin, http.StatusOK}} {
			res, body := env.get(t, c.b, path+"?from=2026-02-01&to=2026-03-01")
			if res.StatusCode != c.want {
				t.Errorf("GET %s as %s: got %d, want %d: %s", path, c.who, res.StatusCode, c.want, body)
			}
			if c.want != http.StatusOK && strings.Contains(body, "conversations") {
				t.Errorf("GET %s as %s leaked numbers: %s", path, c.who, body)
			}
		}
	}
}

func TestAnalyticsCSVMatchesTheReport(t *testing.T) {
	env := startAnalytics(t, &fakeReports{report: knownReport()})
	admin := env.mustSignIn(t, "max@example.org", adminPassword)
	busiest := "weekday,hour,conversations\n"
	for _, d := range weekdays {
		for h := range 24 {
			n := "0"
			switch {
			case d == "Monday" && h == 9, d == "Tuesday" && h == 10:
				n = "2"
			case d == "Wednesday" && h == 23:
				n = "1"
			}
			busiest += d + "," + itoa(h) + "," + n + "\n"
		}
	}
	cases := []struct{ dataset, want string }{
		{"summary", "metric,value\nconversations,9\nopen,2\nresolved,5\nunresolved,1\nabandoned,1\nhanded_off,0\nother,0\n" +
			"contained,3\nqueued,3\nhandoffs,4\nunanswered,2\ncontainment_rate,0.3333\nhandoff_rate,0.3333\nratings,2\nrating_average,3.0000\n"},
		{"daily", "day,flow,channel,conversations\n2025-03-03,reset_password,web,3\n2025-03-04,forgot_username,web,1\n" +
			"2025-03-04,greeting,web,1\n2025-03-05,greeting,web,1\n2025-03-05,reset_password,web,2\n"},
		{"handoffs", "reason,handoffs,rate\nrequested,3,0.7500\n'=cmd|' /C calc'!A0,1,0.2500\n"},
		{"handoff_outcomes", "outcome,handoffs\nresolved,2\nto_bot,1\nopen,1\n"},
		{"funnel", "flow,state,reached,visits,stopped,abandoned\ngreeting,welcome,9,9,1,0\nreset_password,ask_dob,5,5,2,1\n" +
			"reset_password,ask_code,2,3,1,0\nreset_password,done,2,2,2,0\n"},
		{"durations", "measure,count,median_seconds,p90_seconds\ntime_to_resolution,5,600,1500\nqueue_wait,2,180,600\nhandle_time,2,720.5,1800\n"},
		{"ratings", "stars,conversations\n1,0\n2,1\n3,0\n4,1\n5,0\n"},
		{"busiest", busiest},
	}
	for _, c := range cases {
		res, body := env.get(t, admin, "/admin/analytics/"+c.dataset+".csv?from=2025-03-03&to=2025-03-06&tz=America/New_York")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s.csv: got %d, want 200: %s", c.dataset, res.StatusCode, body)
		}
		if got := strings.ReplaceAll(body, "\r\n", "\n"); got != c.want {
			t.Errorf("%s.csv:\n got %q\nwant %q", c.dataset, got, c.want)
		}
		wantName := `attachment; filename="portico-` + c.dataset + `-2025-03-03-2025-03-06.csv"`
		if got := res.Header.Get("Content-Disposition"); got != wantName {
			t.Errorf("%s.csv disposition: got %q, want %q", c.dataset, got, wantName)
		}
		if got := res.Header.Get("Content-Type"); got != "text/csv; charset=utf-8" {
			t.Errorf("%s.csv type: got %q", c.dataset, got)
		}
	}
}

func TestAnalyticsJSONAndCharts(t *testing.T) {
	env := startAnalytics(t, &fakeReports{report: knownReport()})
	admin := env.mustSignIn(t, "max@example.org", adminPassword)
	res, body := env.get(t, admin, "/admin/api/analytics")
	var got report.Report
	if err := json.Unmarshal([]byte(body), &got); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("JSON report: got %d %v: %s", res.StatusCode, err, body)
	}
	if got.Totals != knownReport().Totals || got.Resolution != knownReport().Resolution || got.Busiest != knownReport().Busiest {
		t.Errorf("JSON report: got totals %+v resolution %+v, want the known report's", got.Totals, got.Resolution)
	}
	// Marks per chart: bars or segments with a value, points, funnel steps, cells.
	marks := map[string]struct {
		class string
		n     int
	}{
		"daily": {`class="bar"`, 5}, "trend": {`class="point"`, 3}, "handoffs": {`class="bar"`, 2},
		"funnel": {`class="bar"`, 1}, "durations": {`class="bar"`, 6}, "ratings": {`class="bar"`, 2}, "busiest": {`class="cell"`, 168},
	}
	for name, m := range marks {
		res, svg := env.get(t, admin, "/admin/analytics/"+name+".svg")
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/svg+xml" {
			t.Errorf("%s.svg: got %d %s", name, res.StatusCode, res.Header.Get("Content-Type"))
		}
		if got := strings.Count(svg, m.class); got != m.n {
			t.Errorf("%s.svg: got %d %s, want %d", name, got, m.class, m.n)
		}
		_, html := env.get(t, admin, "/admin/analytics/"+name+".html")
		if !strings.Contains(html, `<svg `) || !strings.Contains(html, `<table class="chart-data">`) {
			t.Errorf("%s.html: want the chart and its table, got %.200s", name, html)
		}
	}
	// The funnel follows ?funnel= (reset_password has 3 steps, greeting 1).
	if _, svg := env.get(t, admin, "/admin/analytics/funnel.svg?funnel=reset_password"); strings.Count(svg, `class="bar"`) != 3 {
		t.Errorf("funnel of reset_password: got %d bars, want 3", strings.Count(svg, `class="bar"`))
	}
	if _, html := env.get(t, admin, "/admin/analytics/funnel.html?funnel=reset_password"); strings.Contains(html, "welcome") {
		t.Errorf("funnel table of reset_password lists greeting's states: %s", html)
	}
	if res, _ := env.get(t, admin, "/admin/analytics/nope.svg"); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown chart: got %d, want 404", res.StatusCode)
	}
	if res, _ := env.get(t, admin, "/admin/analytics/summary.svg"); res.StatusCode != http.StatusNotFound {
		t.Errorf("a dataset asked as a chart: got %d, want 404", res.StatusCode)
	}
}

func TestAnalyticsQuery(t *testing.T) {
	reports := &fakeReports{report: knownReport()}
	env := startAnalytics(t, reports)
	admin := env.mustSignIn(t, "max@example.org", adminPassword)
	ny, _ := time.LoadLocation("America/New_York")
	cases := []struct {
		query      string
		status     int
		from, to   time.Time
		flow, zone string
	}{
		// The console's clock is 2026-03-01 09:00 UTC: the default is the 30 days up to and including today.
		{"", 200, time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), "", "UTC"},
		{"?from=2025-03-03&to=2025-03-06&tz=America/New_York&flow=reset_password", 200,
			time.Date(2025, 3, 3, 0, 0, 0, 0, ny), time.Date(2025, 3, 6, 0, 0, 0, 0, ny), "reset_password", "America/New_York"},
		{"?from=03/03/2025", 400, time.Time{}, time.Time{}, "", ""},
		{"?to=tomorrow", 400, time.Time{}, time.Time{}, "", ""},
		{"?tz=Mars/Olympus", 400, time.Time{}, time.Time{}, "", ""},
		{"?flow=reset%20password", 400, time.Time{}, time.Time{}, "", ""},
		{"?funnel=%3Cscript%3E", 400, time.Time{}, time.Time{}, "", ""},
	}
	for _, c := range cases {
		reports.mu.Lock()
		reports.got = nil
		reports.mu.Unlock()
		res, body := env.get(t, admin, "/admin/api/analytics"+c.query)
		if res.StatusCode != c.status {
			t.Errorf("%q: got %d, want %d: %s", c.query, res.StatusCode, c.status, body)
			continue
		}
		if c.status != 200 {
			continue
		}
		reports.mu.Lock()
		q := reports.got[0]
		reports.mu.Unlock()
		if !q.From.Equal(c.from) || !q.To.Equal(c.to) || q.Flow != c.flow || q.Location.String() != c.zone {
			t.Errorf("%q: got [%v, %v) flow %q zone %s, want [%v, %v) flow %q zone %s",
				c.query, q.From, q.To, q.Flow, q.Location, c.from, c.to, c.flow, c.zone)
		}
	}
	reports.err = bot.Errorf(bot.EINVALID, "a report covers at most 400 days")
	if res, body := env.get(t, admin, "/admin/api/analytics?from=2020-01-01"); res.StatusCode != http.StatusBadRequest ||
		!strings.Contains(body, "400 days") {
		t.Errorf("a store's invalid range: got %d %s, want 400 with its message", res.StatusCode, body)
	}
}

func TestDurationsChartCountsInAReadableUnit(t *testing.T) {
	for _, tt := range []struct {
		longest time.Duration
		unit    string
	}{
		{0, "milliseconds"}, {800 * time.Millisecond, "milliseconds"}, {2 * time.Second, "seconds"},
		{119 * time.Second, "seconds"}, {2 * time.Minute, "minutes"}, {119 * time.Minute, "minutes"}, {3 * time.Hour, "hours"},
	} {
		if got, _ := durationUnit(tt.longest); got != tt.unit {
			t.Errorf("durationUnit(%v) = %q, want %q", tt.longest, got, tt.unit)
		}
	}
	r := &report.Report{Resolution: report.Durations{Count: 2, Median: 90 * time.Second, P90: 4 * time.Minute}}
	svg := string(drawDurations(r, ""))
	for _, want := range []string{">minutes</text>", "<title>Time to resolution, median: 1.50 minutes</title>", "<title>Time to resolution, 90th percentile: 4 minutes</title>"} {
		if !strings.Contains(svg, want) {
			t.Errorf("the durations chart lacks %s", want)
		}
	}
}
