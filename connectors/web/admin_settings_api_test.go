package web

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
)

func TestQueueEditsAreValidatedByFieldAndReachTheEngine(t *testing.T) {
	env := startSettings(t)
	admin, csrf := env.adminClient(t)

	status, out := admin.call(t, "PUT", "/admin/api/queues/portal-support",
		`{"timezone":"Mars/Olympus","hours":["mon-fri 08:00-18:00","fun 08:00-09:00","tue 18:00-08:00"],"holidays":["2026-13-45"],"priority":5}`, csrf)
	fields, _ := out["fields"].(map[string]any)
	var keys []string
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if status != http.StatusUnprocessableEntity || strings.Join(keys, " ") != "holidays[0] hours[1] hours[2] timezone" {
		t.Fatalf("invalid queue: got %d with fields %v, want 422 about holidays[0] hours[1] hours[2] timezone", status, keys)
	}
	if !strings.Contains(fields["hours[1]"].(string), `unknown day "fun"`) {
		t.Errorf("hours[1]: %q, want ParseHours's words", fields["hours[1]"])
	}
	if _, sets, _ := env.live.state(); sets != 0 {
		t.Errorf("an invalid queue reached the engine %d times, want never", sets)
	}
	if status, _ := admin.call(t, "PUT", "/admin/api/queues/portal-support", `{"name":"other"}`, csrf); status != http.StatusUnprocessableEntity {
		t.Errorf("a rename: got %d, want 422", status)
	}

	// Weekend hours: closed now (the clock is on a Monday afternoon).
	status, out = admin.call(t, "PUT", "/admin/api/queues/portal-support",
		`{"priority":5,"timezone":"America/Chicago","hours":[" sat-sun 09:00-13:00 ",""],"holidays":["2026-12-25"],"describe":"Weekend mornings"}`, csrf)
	if status != http.StatusOK {
		t.Fatalf("save: got %d %v", status, out)
	}
	q := out["queue"].(map[string]any)
	if q["open_now"] != false || q["priority"] != 5.0 || fmt.Sprint(q["hours"]) != "[sat-sun 09:00-13:00]" {
		t.Errorf("saved %v, want closed now, priority 5 and the trimmed line", q)
	}
	live, sets, _ := env.live.state()
	if sets != 1 || live["portal-support"].Priority != 5 || live["portal-support"].Hours.Open(env.clock.Now()) ||
		live["portal-support"].Describe != "Weekend mornings" {
		t.Errorf("the engine got %+v (%d sets), want portal-support closed now with priority 5", live, sets)
	}
	saturday := time.Date(2026, 3, 7, 16, 0, 0, 0, time.UTC) // 10:00 in Chicago
	if !live["portal-support"].Hours.Open(saturday) {
		t.Errorf("the engine's queue is closed on Saturday at 10:00 Chicago time, want open")
	}

	if status, _ := admin.call(t, "PUT", "/admin/api/queues/billing", `{"priority":-1}`, csrf); status != http.StatusOK {
		t.Fatalf("add billing: got %d", status)
	}
	_, body := admin.api(t, "GET", "/admin/api/queues", "", "", "")
	var list struct{ Queues []queueJSON }
	if err := json.Unmarshal([]byte(body), &list); err != nil || len(list.Queues) != 2 ||
		list.Queues[0].Name != "billing" || !list.Queues[0].OpenNow || list.Queues[1].OpenNow {
		t.Errorf("list %s, want billing open and portal-support closed", body)
	}
	if status, _ := admin.call(t, "DELETE", "/admin/api/queues/nope", "", csrf); status != http.StatusNotFound {
		t.Errorf("delete an unknown queue: got %d, want 404", status)
	}
	if status, _ := admin.call(t, "DELETE", "/admin/api/queues/portal-support", "", csrf); status != http.StatusNoContent {
		t.Errorf("delete: got %d, want 204", status)
	}
	if live, _, _ := env.live.state(); len(live) != 1 || live["billing"].Priority != -1 {
		t.Errorf("after the delete the engine has %+v, want billing only", live)
	}
	specs, _ := env.db.QueueSpecs(context.Background())
	if len(specs) != 1 || specs[0].Name != "billing" {
		t.Errorf("stored %+v, want billing only", specs)
	}
	got := env.auditTypes(t)
	for _, want := range []string{"queue.changed/ok/saved", "queue.changed/ok/deleted"} {
		if !contains(got, want) {
			t.Errorf("audit %v, want %s", got, want)
		}
	}
}

// widgetConfigOf fetches /widget/config as a portal page would.
func (e *settingsEnv) widgetConfigOf(t *testing.T) widgetConfig {
	t.Helper()
	resp, err := http.Get(e.base + "/widget/config")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var c widgetConfig
	if err := json.NewDecoder(resp.Body).Decode(&c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestStoredWidgetAppearanceOverridesTheConfiguration(t *testing.T) {
	env := startSettings(t)
	admin, csrf := env.adminClient(t)
	if c := env.widgetConfigOf(t); c.Title != widgetFromConfig.Title || c.Color != widgetFromConfig.Color {
		t.Fatalf("before any save: %+v, want the configuration's", c)
	}
	status, out := admin.call(t, "PUT", "/admin/api/widget", `{"title":" Clinic help ","color":"#ffff00","position":"left",
		"logo_url":"/static/sample-health.svg","greeting":{"en":"Hi there","es":"Hola"}}`, csrf)
	if status != http.StatusOK || out["stored"] != true {
		t.Fatalf("save: got %d %v", status, out)
	}
	contrast := out["contrast"].(map[string]any)
	if contrast["on_accent"] != "#000000" || len(contrast["warnings"].([]any)) != 2 {
		t.Errorf("contrast of yellow %v, want black text and two warnings", contrast)
	}
	c := env.widgetConfigOf(t)
	if c.Title != "Clinic help" || c.Color != "#ffff00" || c.Position != "left" || c.LogoURL != "/static/sample-health.svg" ||
		c.Greeting["es"] != "Hola" || c.Greeting["en"] != "Hi there" {
		t.Errorf("/widget/config after the save: %+v, want the stored appearance", c)
	}

	for _, tt := range []struct{ body, field string }{
		{`{"color":"red"}`, "color"},
		{`{"color":"#12345"}`, "color"},
		{`{"position":"top"}`, "position"},
		{`{"logo_url":"javascript:alert(1)"}`, "logo_url"},
		{`{"logo_url":"http://cdn.example.org/logo.png"}`, "logo_url"},
		{`{"logo_url":"https://evil.example/logo.png"}`, "logo_url"},
		{`{"greeting":{"fr":"Salut"}}`, "greeting.fr"},
		{`{"title":"` + strings.Repeat("x", 81) + `"}`, "title"},
		{`{"logo_url":"/static/` + strings.Repeat("x", 500) + `.svg"}`, "logo_url"},
	} {
		status, out := admin.call(t, "PUT", "/admin/api/widget", tt.body, csrf)
		fields, _ := out["fields"].(map[string]any)
		if status != http.StatusUnprocessableEntity || fields[tt.field] == nil {
			t.Errorf("save %s: got %d %v, want 422 about %s", tt.body, status, out, tt.field)
		}
	}
	if c := env.widgetConfigOf(t); c.Color != "#ffff00" {
		t.Errorf("after refused saves the color is %q, want the last good one", c.Color)
	}

	if status, out := admin.call(t, "DELETE", "/admin/api/widget", "", csrf); status != http.StatusOK || out["stored"] != false {
		t.Errorf("reset: got %d %v, want 200 and nothing stored", status, out)
	}
	if c := env.widgetConfigOf(t); c.Title != widgetFromConfig.Title || c.Color != widgetFromConfig.Color || c.Position != "" {
		t.Errorf("after the reset: %+v, want the configuration's", c)
	}
	got := env.auditTypes(t)
	if !contains(got, "widget.changed/ok/saved color=#ffff00 position=left") || !contains(got, "widget.changed/ok/reset to the configuration") {
		t.Errorf("audit %v, want the save and the reset", got)
	}
}

func TestContrastFollowsTheWidgetsRule(t *testing.T) {
	for _, tt := range []struct {
		color, on string
		warnings  int
	}{
		{"#0b5cad", "#ffffff", 0}, // the default: 6.6:1
		{"#767676", "#ffffff", 0}, // 4.54:1
		{"#777777", "#000000", 1}, // 4.48:1 and black is better
		{"#ffff00", "#000000", 2}, // yellow: black text, and the launcher fades on white
		{"#000", "#ffffff", 0},
		{"not a color", "#ffffff", 0}, // the widget's default
	} {
		c := contrastOf(tt.color)
		if c.OnAccent != tt.on || len(c.Warnings) != tt.warnings {
			t.Errorf("contrastOf(%q) = %s with %d warnings (%.2f:1), want %s with %d", tt.color, c.OnAccent, len(c.Warnings),
				c.WhiteOnAccent, tt.on, tt.warnings)
		}
	}
}

// The widget page asks the server for the contrast of the color being
// typed: the rule lives in Go, not in the page's script.
func TestWidgetContrastIsAnsweredForTheTypedColor(t *testing.T) {
	env := startSettings(t)
	admin, csrf := env.adminClient(t)
	for _, tt := range []struct {
		color          string
		status         int
		accent, on     string
		warnings       int
		fieldProblemOn string
	}{
		{"%23ffff00", http.StatusOK, "#ffff00", "#000000", 2, ""},
		{"%23FFF", http.StatusOK, "#ffffff", "#000000", 2, ""},
		{"%230b5cad", http.StatusOK, "#0b5cad", "#ffffff", 0, ""},
		{"", http.StatusOK, "#0b5cad", "#ffffff", 0, ""}, // none: the widget's default
		{"red", http.StatusUnprocessableEntity, "", "", 0, "color"},
		{"%2312345", http.StatusUnprocessableEntity, "", "", 0, "color"},
	} {
		status, out := admin.call(t, "GET", "/admin/api/widget/contrast?color="+tt.color, "", csrf)
		if status != tt.status {
			t.Errorf("%s: got %d %v, want %d", tt.color, status, out, tt.status)
			continue
		}
		if tt.fieldProblemOn != "" {
			if fields, _ := out["fields"].(map[string]any); fields[tt.fieldProblemOn] == nil {
				t.Errorf("%s: got %v, want a problem on %s", tt.color, out, tt.fieldProblemOn)
			}
			continue
		}
		if out["accent"] != tt.accent || out["on_accent"] != tt.on || len(out["warnings"].([]any)) != tt.warnings {
			t.Errorf("%s: got %v, want accent %s, text %s, %d warnings", tt.color, out, tt.accent, tt.on, tt.warnings)
		}
	}
}

func TestWidgetPreviewEmbedsTheRealWidgetWithoutASocket(t *testing.T) {
	env := startSettings(t)
	admin, _ := env.adminClient(t)
	resp, err := admin.Get(env.base + `/admin/settings/widget/preview?title=%3Cscript%3Ex&color=red&position=left&lang=es&greeting=Hola%20%22t%C3%BA%22&open=1`)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page := string(body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("preview: got %d, want 200", resp.StatusCode)
	}
	for _, want := range []string{`<script src="/widget.js" data-portico-locale="es"`, `data-portico-title="&lt;script&gt;x"`,
		`data-portico-position="left"`, `data-portico-greeting="Hola &#34;tú&#34;"`, `data-open="1"`} {
		if !strings.Contains(page, want) {
			t.Errorf("preview lacks %s:\n%s", want, page)
		}
	}
	if strings.Contains(page, "data-portico-color") {
		t.Errorf("preview passes an invalid color on:\n%s", page)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"frame-ancestors 'self'", "script-src 'self'", "connect-src " + env.base + "/widget.css " + env.base + "/widget/config;"} {
		if !strings.Contains(csp, want) {
			t.Errorf("preview CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "ws:") || strings.Contains(csp, "connect-src 'self'") {
		t.Errorf("preview CSP %q lets the widget open a socket", csp)
	}
	if got := resp.Header.Get("X-Frame-Options"); got != "SAMEORIGIN" {
		t.Errorf("X-Frame-Options %q, want SAMEORIGIN", got)
	}
	// The settings page itself frames it: its CSP allows same-origin frames.
	resp, err = admin.Get(env.base + "/admin/settings/widget")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || strings.Contains(csp, "frame-src") {
		t.Errorf("the widget page's CSP %q, want default-src 'self' to cover the preview frame", csp)
	}
}

// seedAudit appends events at fixed times before the test clock's now.
func (e *settingsEnv) seedAudit(t *testing.T, evs ...bot.AuditEvent) {
	t.Helper()
	if err := e.db.AppendAudit(context.Background(), evs...); err != nil {
		t.Fatal(err)
	}
}

func TestAuditViewerFiltersPagesAndAuditsItself(t *testing.T) {
	env := startSettings(t)
	admin, _ := env.adminClient(t)
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	var evs []bot.AuditEvent
	for i := range 60 {
		evs = append(evs, bot.AuditEvent{Type: "test.event", At: t0.Add(time.Duration(i) * time.Minute), Actor: fmt.Sprintf("admin:a%d", i%3),
			Subject: fmt.Sprintf("user:%d", i%2), Outcome: "ok", Detail: fmt.Sprint(i)})
	}
	env.seedAudit(t, evs...)
	details := func(query string) ([]string, map[string]any) {
		t.Helper()
		status, body := admin.api(t, "GET", "/admin/api/audit?"+query, "", "", "")
		if status != http.StatusOK {
			t.Fatalf("audit?%s: got %d %s", query, status, body)
		}
		var out struct {
			Events []auditJSON
			More   bool
			Next   int64 `json:"next_before"`
		}
		json.Unmarshal([]byte(body), &out)
		var ds []string
		for _, e := range out.Events {
			ds = append(ds, e.Detail)
		}
		return ds, map[string]any{"more": out.More, "next": out.Next}
	}

	got, page := details("type=test.event")
	if len(got) != 50 || got[0] != "59" || got[49] != "10" || page["more"] != true {
		t.Fatalf("first page: %d events from %v, more %v; want 50 from 59 down to 10", len(got), got[:1], page["more"])
	}
	got, page = details(fmt.Sprintf("type=test.event&before=%d", page["next"]))
	if strings.Join(got, ",") != "9,8,7,6,5,4,3,2,1,0" || page["more"] != false {
		t.Errorf("second page: %v (more %v), want 9 down to 0 and no more", got, page["more"])
	}
	for _, tt := range []struct{ query, want string }{
		{"type=test.event&actor=admin:a1&subject=user:1&to=2026-03-01T08:20", "19,13,7,1"},
		{"type=test.event&from=2026-03-01T08:55&to=2026-03-01T08:57", "57,56,55"},
		{"type=test.event&from=2026-03-01T08:58:30Z", "59"},
		{"type=test.event&to=2026-02-28", ""},
		{"type=test.event&to=2026-03-01&actor=admin:a2&subject=user:0", "56,50,44,38,32,26,20,14,8,2"},
	} {
		if got, _ := details(tt.query); strings.Join(got, ",") != tt.want {
			t.Errorf("audit?%s: got %v, want %s", tt.query, got, tt.want)
		}
	}
	if status, _ := admin.api(t, "GET", "/admin/api/audit?from=yesterday", "", "", ""); status != http.StatusBadRequest {
		t.Errorf("a bad date: got %d, want 400", status)
	}

	// Each first page was itself audited, and is not part of its own answer.
	viewed, _ := details("type=audit.viewed&actor=admin:" + env.admin.ID)
	want := []string{
		"to=2026-03-01 actor=admin:a2 type=test.event subject=user:0", "to=2026-02-28 type=test.event",
		"from=2026-03-01T08:58:30Z type=test.event", "from=2026-03-01T08:55 to=2026-03-01T08:57 type=test.event",
		"to=2026-03-01T08:20 actor=admin:a1 type=test.event subject=user:1", "type=test.event",
	}
	if !slices.Equal(viewed, want) {
		t.Errorf("audit.viewed rows %q, want one per first page, the latest first: %q", viewed, want)
	}
}

func TestAuditCSVExport(t *testing.T) {
	env := startSettings(t)
	admin, _ := env.adminClient(t)
	at := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	evs := []bot.AuditEvent{
		{Type: "csv.test", At: at, Node: "n1", Source: "10.0.0.1", Actor: "admin:a1", Subject: "user:1", Outcome: "ok", Detail: "=HYPERLINK(\"x\")"},
		{Type: "csv.test", At: at.Add(time.Second), Node: "n1", Source: "10.0.0.2", Actor: "agent:b2", Subject: "+15551234", Outcome: "failed", Detail: "-1, \"quoted\""},
		{Type: "csv.test", At: at.Add(2 * time.Second), Node: "n1", Actor: "@admin", Outcome: "ok", Detail: "plain"},
		{Type: "other", At: at.Add(3 * time.Second), Actor: "system"},
	}
	env.seedAudit(t, evs...)
	resp, err := admin.Get(env.base + "/admin/api/audit.csv?type=csv.test")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
		!strings.HasPrefix(resp.Header.Get("Content-Disposition"), `attachment; filename="portico-audit-`) {
		t.Fatalf("export: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
	}
	h := func(i int) string { return fmt.Sprint(evs[i].Seq) + "," } // seq, then the row
	x := func(i int) string { return "," + hex.EncodeToString(evs[i].Hash) + "\n" }
	want := "seq,at,type,actor,subject,outcome,detail,source,node,hash\n" +
		h(2) + "2026-03-01T08:00:02Z,csv.test,'@admin,,ok,plain,,n1" + x(2) +
		h(1) + "2026-03-01T08:00:01Z,csv.test,agent:b2,'+15551234,failed,\"'-1, \"\"quoted\"\"\",10.0.0.2,n1" + x(1) +
		h(0) + "2026-03-01T08:00:00Z,csv.test,admin:a1,user:1,ok,\"'=HYPERLINK(\"\"x\"\")\",10.0.0.1,n1" + x(0)
	if string(body) != want {
		t.Errorf("CSV:\n%s\nwant:\n%s", body, want)
	}
	if got := env.auditTypes(t); !contains(got, "audit.exported/ok/type=csv.test") {
		t.Errorf("audit %v, want the export recorded", got)
	}
}

func TestVerifyButtonFindsATamperedRow(t *testing.T) {
	env := startSettings(t)
	admin, csrf := env.adminClient(t)
	env.seedAudit(t, bot.AuditEvent{Type: "a"}, bot.AuditEvent{Type: "b"}, bot.AuditEvent{Type: "c"})

	status, out := admin.call(t, "POST", "/admin/api/audit/verify", "", csrf)
	if status != http.StatusOK || out["ok"] != true || out["bad_seq"] != 0.0 {
		t.Fatalf("intact chain: got %d %v, want ok", status, out)
	}
	intact := out["rows"].(float64)

	err := env.db.Write(context.Background(), func(tx *sql.Tx) error {
		if _, err := tx.Exec(`DROP TRIGGER audit_no_update`); err != nil {
			return err
		}
		_, err := tx.Exec(`UPDATE audit SET detail = 'nothing to see' WHERE type = 'b'`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var bad int64
	env.db.Reader().QueryRow(`SELECT seq FROM audit WHERE type = 'b'`).Scan(&bad)
	status, out = admin.call(t, "POST", "/admin/api/audit/verify", "", csrf)
	if status != http.StatusOK || out["ok"] != false || out["bad_seq"] != float64(bad) || out["rows"] != float64(bad-1) ||
		!strings.Contains(out["problem"].(string), "hash") {
		t.Errorf("tampered chain: got %d %v, want row %d reported after %d good rows", status, out, bad, bad-1)
	}
	if intact < 3 {
		t.Errorf("the intact chain verified %v rows, want at least the 3 seeded", intact)
	}
}
