package web

import (
	"context"
	"encoding/csv"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/staff"
)

// Audit viewer limits.
const (
	auditPageSize    = 50
	auditExportPage  = 500    // rows read per query while exporting
	maxAuditExport   = 100000 // rows in one CSV; narrow the filters for more
	maxAuditFilter   = 200    // characters of a text filter
	auditMinuteInput = "2006-01-02T15:04"
)

// auditJSON is one audit event as the viewer shows it.
type auditJSON struct {
	Seq     int64  `json:"seq"`
	Type    string `json:"type"`
	At      string `json:"at"`
	Node    string `json:"node"`
	Source  string `json:"source"`
	Actor   string `json:"actor"`
	Subject string `json:"subject"`
	Outcome string `json:"outcome"`
	Detail  string `json:"detail"`
}

// auditFilter reads the viewer's filters: from and to as YYYY-MM-DD (to
// inclusive), YYYY-MM-DDTHH:MM or RFC 3339, all UTC unless the value
// says otherwise; actor, type and subject exactly; before a seq.
func auditFilter(q url.Values) (staff.AuditFilter, error) {
	f := staff.AuditFilter{
		Actor: strings.TrimSpace(q.Get("actor")), Type: strings.TrimSpace(q.Get("type")),
		Subject: strings.TrimSpace(q.Get("subject")),
	}
	if len(f.Actor) > maxAuditFilter || len(f.Type) > maxAuditFilter || len(f.Subject) > maxAuditFilter {
		return f, bot.Errorf(bot.EINVALID, "A filter is at most %d characters.", maxAuditFilter)
	}
	var err error
	if f.From, err = auditTime(q.Get("from"), false); err != nil {
		return f, bot.Errorf(bot.EINVALID, "from must be a date like 2026-03-01 or a time like 2026-03-01T08:00.")
	}
	if f.To, err = auditTime(q.Get("to"), true); err != nil {
		return f, bot.Errorf(bot.EINVALID, "to must be a date like 2026-03-31 or a time like 2026-03-31T18:00.")
	}
	if b := q.Get("before"); b != "" {
		if f.BeforeSeq, err = strconv.ParseInt(b, 10, 64); err != nil || f.BeforeSeq < 1 {
			return f, bot.Errorf(bot.EINVALID, "before must be an event number.")
		}
	}
	return f, nil
}

// auditTime reads one end of the range; a bare date as the end covers the
// whole day.
func auditTime(s string, end bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		if end {
			d = d.AddDate(0, 0, 1)
		}
		return d, nil
	}
	if t, err := time.Parse(auditMinuteInput, s); err == nil {
		if end {
			t = t.Add(time.Minute) // the whole minute
		}
		return t, nil
	}
	return time.Parse(time.RFC3339, s)
}

// filterDetail describes a search for its own audit row.
func filterDetail(q url.Values) string {
	var parts []string
	for _, k := range []string{"from", "to", "actor", "type", "subject"} {
		if v := q.Get(k); v != "" {
			parts = append(parts, k+"="+clip(v, 64))
		}
	}
	return strings.Join(parts, " ")
}

// handleAudit answers a page of events, newest first. The first page of a
// search is itself audited (audit.viewed): reading the log leaves a trace.
func (st *settings) handleAudit(w http.ResponseWriter, r *http.Request, ss *staffSession) {
	f, err := auditFilter(r.URL.Query())
	if err != nil {
		writeJSONError(w, http.StatusBadRequest, bot.EINVALID, bot.ErrorMessage(err))
		return
	}
	if f.BeforeSeq == 0 {
		// The viewing row written here is not part of what was asked.
		f.BeforeSeq = st.audit(r, ss, auditViewed, "audit", filterDetail(r.URL.Query()))
	}
	f.Limit = auditPageSize + 1
	evs, err := st.deps.Audit.SearchAudit(r.Context(), f)
	if err != nil {
		st.fail(w, err, "search audit")
		return
	}
	more := len(evs) > auditPageSize
	if more {
		evs = evs[:auditPageSize]
	}
	out := make([]auditJSON, len(evs))
	refs := make([]string, 0, 2*len(evs))
	for i, e := range evs {
		out[i] = auditJSON{Seq: e.Seq, Type: e.Type, At: e.At.UTC().Format(time.RFC3339Nano), Node: e.Node, Source: e.Source,
			Actor: e.Actor, Subject: e.Subject, Outcome: e.Outcome, Detail: e.Detail}
		refs = append(refs, e.Actor, e.Subject)
	}
	var next int64
	if more {
		next = evs[len(evs)-1].Seq
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": out, "more": more, "next_before": next,
		"names": st.con.names(r.Context(), refs...)})
}

// auditCSVHeader is the export's first line.
var auditCSVHeader = []string{"seq", "at", "type", "actor", "subject", "outcome", "detail", "source", "node", "hash"}

// handleAuditCSV exports every event the filters select, newest first, as
// CSV; the export is audited (audit.exported).
func (st *settings) handleAuditCSV(w http.ResponseWriter, r *http.Request, ss *staffSession) {
	f, err := auditFilter(r.URL.Query())
	if err != nil {
		writeJSONError(w, http.StatusBadRequest, bot.EINVALID, bot.ErrorMessage(err))
		return
	}
	if seq := st.audit(r, ss, auditExported, "audit", filterDetail(r.URL.Query())); f.BeforeSeq == 0 {
		f.BeforeSeq = seq // the export's own row is not part of it
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="portico-audit-`+st.s.now().UTC().Format("20060102-150405")+`.csv"`)
	cw := csv.NewWriter(w)
	cw.Write(auditCSVHeader)
	ctx := context.WithoutCancel(r.Context())
	for n := 0; n < maxAuditExport; {
		f.Limit = min(auditExportPage, maxAuditExport-n)
		evs, err := st.deps.Audit.SearchAudit(ctx, f)
		if err != nil {
			st.s.log.Error().Err(err).Msg("export audit")
			cw.Write([]string{"", "", "error: the export stopped early"})
			break
		}
		for _, e := range evs {
			cw.Write(csvRow(e))
		}
		n += len(evs)
		if len(evs) < f.Limit {
			break
		}
		f.BeforeSeq = evs[len(evs)-1].Seq
	}
	cw.Flush()
}

func csvRow(e bot.AuditEvent) []string {
	row := []string{strconv.FormatInt(e.Seq, 10), e.At.UTC().Format(time.RFC3339Nano), e.Type, e.Actor, e.Subject,
		e.Outcome, e.Detail, e.Source, e.Node, hex.EncodeToString(e.Hash)}
	for i := range row {
		row[i] = csvSafe(row[i]) // formula injection: admin_analytics_data.go
	}
	return row
}

// handleAuditVerify walks the hash chain and reports the rows that hold,
// or the first that does not; the check is audited (audit.verified).
func (st *settings) handleAuditVerify(w http.ResponseWriter, r *http.Request, ss *staffSession) {
	c, err := st.deps.Audit.CheckAudit(r.Context())
	if err != nil {
		st.fail(w, err, "verify audit")
		return
	}
	ev := st.event(r, ss, auditVerified, "audit", "rows="+strconv.Itoa(c.Rows))
	if c.BadSeq != 0 {
		ev.Outcome, ev.Detail = "failed", ev.Detail+" bad_seq="+strconv.FormatInt(c.BadSeq, 10)
	}
	if st.con.deps.Audit != nil {
		if err := st.con.deps.Audit.AppendAudit(context.WithoutCancel(r.Context()), ev); err != nil {
			st.s.log.Error().Err(err).Msg("audit")
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": c.BadSeq == 0, "rows": c.Rows, "bad_seq": c.BadSeq, "problem": c.Problem})
}
