package notify

import (
	"context"
	"encoding/json"
	"html/template"
	"net/http"
	"slices"
	"time"
)

// Dev outbox pages.
const (
	DevOutboxPath     = "/dev/outbox"
	DevOutboxJSONPath = "/dev/outbox.json"
	// devOutboxRefresh is how often the HTML page reloads itself.
	devOutboxRefresh = 5 * time.Second
	// MaxDevOutboxWait bounds the JSON endpoint's wait parameter.
	MaxDevOutboxWait = 30 * time.Second
)

// sentJSON is the JSON shape of one delivery.
type sentJSON struct {
	To      string `json:"to"`
	Channel string `json:"channel"`
	Text    string `json:"text"`
	At      string `json:"at"`
	NotSent string `json:"not_sent,omitempty"` // why a code was held back
}

// Handler serves the dev outbox: a JSON array, newest last, at
// DevOutboxJSONPath, and a plain HTML page, newest first, at DevOutboxPath.
// Both take an optional query parameter to=ADDRESS that keeps only the
// deliveries to that address (the load generator reads each simulated
// patient's code this way). With to, the JSON endpoint also takes
// wait=DURATION (at most MaxDevOutboxWait): while nothing was sent to the
// address it waits that long for a first delivery, so a reader makes one
// request per code instead of polling. Mount it on both paths. Responses
// are never cached: they hold codes.
func (o *DevOutbox) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+DevOutboxJSONPath, o.serveJSON)
	mux.HandleFunc("GET "+DevOutboxPath, o.serveHTML)
	return mux
}

// selected returns the deliveries a request asks for, newest last.
func (o *DevOutbox) selected(r *http.Request) []Sent {
	if q := r.URL.Query(); q.Has("to") {
		return o.To(q.Get("to"))
	}
	return o.All()
}

func (o *DevOutbox) serveJSON(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Has("wait") {
		wait, err := time.ParseDuration(q.Get("wait"))
		if err != nil || wait < 0 || wait > MaxDevOutboxWait || !q.Has("to") {
			http.Error(w, "wait must be a duration from 0s to "+MaxDevOutboxWait.String()+", with to=ADDRESS", http.StatusBadRequest)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), wait)
		o.WaitTo(ctx, q.Get("to"))
		cancel()
	}
	all := o.selected(r)
	out := make([]sentJSON, len(all))
	for i, s := range all {
		out[i] = sentJSON{To: s.To, Channel: s.Channel, Text: s.Text, At: s.At.UTC().Format(time.RFC3339), NotSent: s.NotSent}
	}
	noStore(w)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(out)
}

func (o *DevOutbox) serveHTML(w http.ResponseWriter, r *http.Request) {
	all := o.selected(r)
	slices.Reverse(all)
	noStore(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy",
		"default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	_ = devOutboxPage.Execute(w, struct {
		Refresh int
		Sent    []Sent
	}{int(devOutboxRefresh / time.Second), all})
}

func noStore(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
}

var devOutboxPage = template.Must(template.New("outbox").Funcs(template.FuncMap{
	"rfc3339": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
}).Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="{{.Refresh}}">
<title>Dev outbox – Portico</title>
<style>
body { font: 1rem/1.5 system-ui, sans-serif; margin: 1rem auto; max-width: 60rem; padding: 0 1rem; color: #111; }
.banner { border: 3px solid #8a4b00; background: #fff4e0; padding: .75rem 1rem; font-weight: bold; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #777; padding: .4rem .6rem; text-align: left; vertical-align: top; }
td.text { white-space: pre-wrap; word-break: break-word; }
tr.not-sent td { background: #f3f3f3; font-style: italic; }
tr.not-sent td:nth-child(4) { font-style: normal; font-weight: bold; color: #8a1f11; }
</style>
</head>
<body>
<main>
<h1>Dev outbox</h1>
<p class="banner" role="note">DEMO ONLY: messages are not really sent. They are shown here instead.</p>
<p>This page reloads every {{.Refresh}} seconds. <a href="">Reload now</a>.</p>
{{if .Sent}}
<table>
<caption>Messages, newest first ({{len .Sent}})</caption>
<thead><tr><th scope="col">Time (UTC)</th><th scope="col">Channel</th><th scope="col">To</th><th scope="col">Subject</th><th scope="col">Text</th></tr></thead>
<tbody>
{{range .Sent}}<tr{{if .NotSent}} class="not-sent"{{end}}><td><time datetime="{{rfc3339 .At}}">{{rfc3339 .At}}</time></td><td>{{.Channel}}</td><td>{{.To}}</td><td>{{.Subject}}</td><td class="text">{{.Text}}</td></tr>
{{end}}</tbody>
</table>
{{else}}
<p>No messages yet.</p>
{{end}}
</main>
</body>
</html>
`))
