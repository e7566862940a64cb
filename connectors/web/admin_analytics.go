package web

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"time"
	_ "time/tzdata" // report time zones work on hosts without a zoneinfo database

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/report"
)

// Analytics defaults and limits.
const (
	defaultReportDays = 30 // a report with no range covers the last 30 days, today included
	maxZoneLen        = 64
)

// reportName is what a flow name in a report query may look like.
var reportName = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// The analytics endpoints, admins only (routes.go):
//
//	GET /admin/api/analytics        the report as JSON
//	GET /admin/analytics/{name}.svg a chart (see charts)
//	GET /admin/analytics/{name}.html the chart with its numbers as a table
//	GET /admin/analytics/{name}.csv a dataset (see datasets)
//
// Every one takes ?from=YYYY-MM-DD&to=YYYY-MM-DD (to excluded; by default
// the last 30 days), &tz= (an IANA zone, UTC by default) and &flow=.
// docs/analytics.md defines the numbers.

// newAnalytics serves the console's reports: from its search store when
// it is a Reporter, or computed by bot/report from its rows when it
// implements report.Store (as storage/sqlite.DB does); without either the
// endpoints answer 501.
func newAnalytics(con *console) *analytics {
	a := &analytics{con: con}
	switch st := con.deps.Search.(type) {
	case Reporter:
		a.reports = st
	case report.Store:
		a.reports = report.Reports{Store: st}
	}
	return a
}

// Reporter computes analytics reports (report.Reports does).
type Reporter interface {
	Report(ctx context.Context, q report.Query) (*report.Report, error)
}

// analytics serves the admin dashboard's numbers.
type analytics struct {
	con     *console
	reports Reporter
}

// report parses the query and computes the report, or answers the error.
func (a *analytics) report(w http.ResponseWriter, r *http.Request) (*report.Report, bool) {
	if a.reports == nil {
		writeJSONError(w, http.StatusNotImplemented, bot.EINTERNAL, "Analytics are not available.")
		return nil, false
	}
	q, err := reportQuery(r, a.con.s.now())
	if err != nil {
		writeJSONError(w, http.StatusBadRequest, bot.EINVALID, bot.ErrorMessage(err))
		return nil, false
	}
	rep, err := a.reports.Report(r.Context(), q)
	switch {
	case bot.ErrorCode(err) == bot.EINVALID:
		writeJSONError(w, http.StatusBadRequest, bot.EINVALID, bot.ErrorMessage(err))
		return nil, false
	case err != nil:
		a.con.internal(w, err, "analytics report")
		return nil, false
	}
	return rep, true
}

func (a *analytics) handleJSON(w http.ResponseWriter, r *http.Request, _ *staffSession) {
	if rep, ok := a.report(w, r); ok {
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, http.StatusOK, rep)
	}
}

// handleFile serves a chart (.svg, .html) or a dataset (.csv).
func (a *analytics) handleFile(w http.ResponseWriter, r *http.Request, _ *staffSession) {
	file := r.PathValue("file")
	dot := strings.LastIndexByte(file, '.')
	if dot < 0 {
		http.NotFound(w, r)
		return
	}
	name, ext := file[:dot], file[dot+1:]
	known := false
	switch ext {
	case "svg", "html":
		_, known = charts[name]
	case "csv":
		_, known = datasets[name]
	}
	if !known {
		writeJSONError(w, http.StatusNotFound, bot.ENOTFOUND, "No such chart or dataset.")
		return
	}
	rep, ok := a.report(w, r)
	if !ok {
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	focus := r.URL.Query().Get("funnel")
	switch ext {
	case "svg":
		w.Header().Set("Content-Type", "image/svg+xml")
		w.Write(charts[name].draw(rep, focus))
	case "html":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(figure(name, rep, focus)))
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+csvName(name, rep)+`"`)
		if err := writeCSV(w, datasets[name](rep)); err != nil {
			a.con.s.log.Error().Err(err).Str("dataset", name).Msg("write analytics csv")
		}
	}
}

// reportQuery reads a report's range, zone and flow from the request.
func reportQuery(r *http.Request, now time.Time) (report.Query, error) {
	v := r.URL.Query()
	q := report.Query{Location: time.UTC}
	if tz := v.Get("tz"); tz != "" {
		loc, err := time.LoadLocation(tz)
		if err != nil || len(tz) > maxZoneLen || strings.Contains(tz, "..") {
			return q, bot.Errorf(bot.EINVALID, "tz must be a time zone like America/New_York.")
		}
		q.Location = loc
	}
	day := func(key string) (time.Time, error) {
		s := v.Get(key)
		if s == "" {
			return time.Time{}, nil
		}
		t, err := time.ParseInLocation(time.DateOnly, s, q.Location)
		if err != nil {
			return t, bot.Errorf(bot.EINVALID, "%s must be a date like 2026-03-01.", key)
		}
		return t, nil
	}
	var err error
	if q.To, err = day("to"); err != nil {
		return q, err
	}
	if q.From, err = day("from"); err != nil {
		return q, err
	}
	if q.To.IsZero() {
		today := now.In(q.Location)
		q.To = time.Date(today.Year(), today.Month(), today.Day()+1, 0, 0, 0, 0, q.Location)
	}
	if q.From.IsZero() {
		q.From = q.To.AddDate(0, 0, -defaultReportDays)
	}
	for _, key := range []string{"flow", "funnel"} {
		if f := v.Get(key); f != "" && !reportName.MatchString(f) {
			return q, bot.Errorf(bot.EINVALID, "%s must be a flow name.", key)
		}
	}
	q.Flow = v.Get("flow")
	return q, nil
}
