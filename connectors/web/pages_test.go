package web

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
)

func discardLog() zerolog.Logger { return zerolog.Nop() }

func get(h http.Handler, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec
}

// fakePortal knows one demo account: alice / correct horse battery.
type fakePortal struct{ fail error }

func (p fakePortal) SignIn(_ context.Context, username, password string) error {
	switch {
	case p.fail != nil:
		return p.fail
	case username == "alice" && password == "correct horse battery":
		return nil
	case username == "alice":
		return bot.Errorf(bot.EUNAUTHORIZED, "wrong password")
	default:
		return bot.Errorf(bot.ENOTFOUND, "no such user")
	}
}

func TestDemoSignIn(t *testing.T) {
	const host = "portal.test"
	tests := []struct {
		name     string
		portal   fakePortal
		user     string
		pass     string
		headers  map[string]string
		status   int
		location string
		bodyHas  string
	}{
		{"right password", fakePortal{}, "alice", "correct horse battery", map[string]string{"Origin": "http://" + host}, http.StatusSeeOther, "/demo/welcome", ""},
		{"wrong password", fakePortal{}, "alice", "wrong", map[string]string{"Origin": "http://" + host}, http.StatusUnauthorized, "", demoTexts["en"][textSignInFailed]},
		{"unknown user", fakePortal{}, "mallory", "wrong", map[string]string{"Origin": "http://" + host}, http.StatusUnauthorized, "", demoTexts["en"][textSignInFailed]},
		{"empty fields", fakePortal{}, "", "", map[string]string{"Origin": "http://" + host}, http.StatusUnauthorized, "", demoTexts["en"][textSignInMissing]},
		{"same-origin referer", fakePortal{}, "alice", "correct horse battery", map[string]string{"Referer": "http://" + host + "/"}, http.StatusSeeOther, "/demo/welcome", ""},
		{"foreign origin", fakePortal{}, "alice", "correct horse battery", map[string]string{"Origin": "https://evil.example"}, http.StatusForbidden, "", demoTexts["en"][textCrossSiteRefus]},
		{"foreign referer", fakePortal{}, "alice", "correct horse battery", map[string]string{"Referer": "https://evil.example/x"}, http.StatusForbidden, "", demoTexts["en"][textCrossSiteRefus]},
		{"null origin", fakePortal{}, "alice", "correct horse battery", map[string]string{"Origin": "null", "Referer": "http://" + host + "/"}, http.StatusForbidden, "", demoTexts["en"][textCrossSiteRefus]},
		{"neither origin nor referer", fakePortal{}, "alice", "correct horse battery", nil, http.StatusForbidden, "", demoTexts["en"][textCrossSiteRefus]},
		{"portal down", fakePortal{fail: io.ErrUnexpectedEOF}, "alice", "correct horse battery", map[string]string{"Origin": "http://" + host}, http.StatusInternalServerError, "", demoTexts["en"][textSignInTrouble]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := &syncBuffer{}
			s := New(Config{Demo: true}, newFakeEngine(), Deps{SignIn: tt.portal}, zerolog.New(logs))
			form := url.Values{"username": {tt.user}, "password": {tt.pass}}
			req := httptest.NewRequest(http.MethodPost, "http://"+host+"/demo/signin", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("got status %d, want %d", rec.Code, tt.status)
			}
			if got := rec.Header().Get("Location"); got != tt.location {
				t.Errorf("got Location %q, want %q", got, tt.location)
			}
			body := rec.Body.String()
			if !strings.Contains(body, htmlEscape(tt.bodyHas)) {
				t.Errorf("body lacks %q:\n%s", tt.bodyHas, body)
			}
			if tt.pass != "" && (strings.Contains(body, tt.pass) || strings.Contains(logs.String(), tt.pass)) {
				t.Error("the password was echoed or logged")
			}
			if tt.user != "" && strings.Contains(logs.String(), tt.user) {
				t.Error("the username was logged")
			}
		})
	}
}

func TestSignInChecksAgainstPublicURL(t *testing.T) {
	s := New(Config{Demo: true, PublicURL: "https://portal.example.org"}, newFakeEngine(), Deps{SignIn: fakePortal{}}, discardLog())
	for _, tt := range []struct {
		origin string
		want   int
	}{
		{"https://portal.example.org", http.StatusSeeOther},
		{"http://portal.example.org", http.StatusForbidden},
		{"http://internal:8080", http.StatusForbidden}, // the request's own Host, but not the public origin
	} {
		form := url.Values{"username": {"alice"}, "password": {"correct horse battery"}}
		req := httptest.NewRequest(http.MethodPost, "http://internal:8080/demo/signin", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", tt.origin)
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		if rec.Code != tt.want {
			t.Errorf("Origin %s: got %d, want %d", tt.origin, rec.Code, tt.want)
		}
	}
}

func TestSignInFailuresLookAlike(t *testing.T) {
	s := New(Config{Demo: true}, newFakeEngine(), Deps{SignIn: fakePortal{}}, discardLog())
	var bodies []string
	for _, user := range []string{"alice", "mallory"} {
		form := url.Values{"username": {user}, "password": {"wrong"}}
		req := httptest.NewRequest(http.MethodPost, "/demo/signin", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "http://example.com")
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		bodies = append(bodies, rec.Body.String())
	}
	if bodies[0] != bodies[1] {
		t.Errorf("wrong password and unknown user differ:\n%s\n---\n%s", bodies[0], bodies[1])
	}
}

func TestDemoPages(t *testing.T) {
	outbox := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "outbox:"+r.URL.Path) })
	s := New(Config{Demo: true}, newFakeEngine(), Deps{SignIn: fakePortal{}, Outbox: outbox}, discardLog())
	index := get(s.Handler(), "/").Body.String()
	for _, want := range []string{"DEMO", `action="/demo/signin?lang=en"`, `name="username"`, `name="password"`,
		`data-portico-open="activate_account"`, `data-portico-open="forgot_username"`, `data-portico-open="reset_password"`,
		"Chat with us", `<script src="/widget.js"`, ` async>`, `<html lang="en">`} {
		if !strings.Contains(index, want) {
			t.Errorf("demo index lacks %q", want)
		}
	}
	if strings.Contains(index, "<script>") || strings.Contains(index, "style=") {
		t.Error("demo index has inline script or style, which the CSP blocks")
	}
	es := get(s.Handler(), "/?lang=es").Body.String()
	for _, want := range []string{`<html lang="es">`, "¿Olvidó su contraseña?", `data-portico-open="reset_password"`} {
		if !strings.Contains(es, want) {
			t.Errorf("Spanish demo index lacks %q", want)
		}
	}
	if body := get(s.Handler(), "/demo/welcome").Body.String(); !strings.Contains(body, "Welcome, you are signed in") {
		t.Errorf("welcome page lacks its greeting:\n%s", body)
	}
	for _, path := range []string{"/dev/outbox", "/dev/outbox.json"} {
		if got := get(s.Handler(), path).Body.String(); got != "outbox:"+path {
			t.Errorf("%s: got %q, want the outbox handler", path, got)
		}
	}
}

func TestDemoPagesNegotiateTheLanguage(t *testing.T) {
	// The demo portal does what a portal would: the language the patient
	// picked (?lang=), else the browser's; the widget then follows the
	// page's <html lang>. Both demo origins, the welcome page and a failed
	// sign-in's page too.
	s := New(Config{Demo: true}, newFakeEngine(), Deps{SignIn: fakePortal{}}, discardLog())
	other := s.CrossOriginDemo("http://localhost:8080")
	tests := []struct {
		path, accept, want string
	}{
		{"/", "", "en"},
		{"/", "es-ES,es;q=0.9", "es"},
		{"/", "es-MX", "es"},
		{"/", "fr-FR,es;q=0.8,en;q=0.5", "es"},
		{"/", "fr-FR,en;q=0.9,es;q=0.8", "en"},
		{"/", "de-DE", "en"},
		{"/", "es-ES;q=oops", "en"}, // does not parse: the default
		{"/", strings.Repeat("x", 300), "en"},
		{"/?lang=en", "es-ES", "en"},
		{"/?lang=es", "en-US", "es"},
		{"/?lang=xx", "es", "es"},
		{"/demo/welcome", "es", "es"},
	}
	for _, tt := range tests {
		for name, h := range map[string]http.Handler{"portal": s.Handler(), "other origin": other} {
			if name == "other origin" && tt.path != "/" && !strings.HasPrefix(tt.path, "/?") {
				continue
			}
			req := httptest.NewRequest(http.MethodGet, tt.path, nil)
			if tt.accept != "" {
				req.Header.Set("Accept-Language", tt.accept)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if got := rec.Body.String(); !strings.Contains(got, `<html lang="`+tt.want+`">`) {
				t.Errorf("%s %s, Accept-Language %q: want <html lang=%q>", name, tt.path, tt.accept, tt.want)
			}
			if !strings.Contains(rec.Header().Get("Vary"), "Accept-Language") {
				t.Errorf("%s %s: Vary %q, want Accept-Language", name, tt.path, rec.Header().Get("Vary"))
			}
		}
	}
	form := strings.NewReader("username=alice&password=wrong")
	req := httptest.NewRequest(http.MethodPost, "/demo/signin", form)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://example.com")
	req.Header.Set("Accept-Language", "es")
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	if body := rec.Body.String(); rec.Code != http.StatusUnauthorized || !strings.Contains(body, demoTexts["es"][textSignInFailed]) {
		t.Errorf("failed sign-in in Spanish: got %d, want 401 with the Spanish text", rec.Code)
	}

	// A language picked with ?lang= is in the form's action and survives
	// the sign-in, whatever the browser says.
	page := get(s.Handler(), "/?lang=es").Body.String()
	if !strings.Contains(page, `action="/demo/signin?lang=es"`) {
		t.Error("the Spanish sign-in form does not carry its language")
	}
	form = strings.NewReader("username=alice&password=correct+horse+battery")
	req = httptest.NewRequest(http.MethodPost, "/demo/signin?lang=es", form)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://example.com")
	req.Header.Set("Accept-Language", "en-US")
	rec = httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	if got := rec.Header().Get("Location"); rec.Code != http.StatusSeeOther || got != "/demo/welcome?lang=es" {
		t.Errorf("signed in from the Spanish page: got %d to %q, want 303 to /demo/welcome?lang=es", rec.Code, got)
	}
}

func TestDemoTextsHaveEveryKeyInBothLanguages(t *testing.T) {
	for key := range demoTexts["en"] {
		if demoTexts["es"][key] == "" {
			t.Errorf("demo text %q has no Spanish", key)
		}
	}
	for key := range demoTexts["es"] {
		if demoTexts["en"][key] == "" {
			t.Errorf("demo text %q has no English", key)
		}
	}
}

func TestNonDemoHasNoDemoRoutes(t *testing.T) {
	outbox := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "outbox") })
	s := New(Config{}, newFakeEngine(), Deps{SignIn: fakePortal{}, Outbox: outbox}, discardLog())
	index := get(s.Handler(), "/")
	if index.Code != http.StatusOK || !strings.Contains(index.Body.String(), "Portico is running") {
		t.Errorf("got %d %q, want the running page", index.Code, index.Body.String())
	}
	if strings.Contains(index.Body.String(), "<form") || strings.Contains(index.Body.String(), "data-portico-open") {
		t.Error("the non-demo index has the demo form or script")
	}
	for _, tt := range []struct{ method, path string }{
		{http.MethodPost, "/demo/signin"},
		{http.MethodGet, "/demo/welcome"},
		{http.MethodGet, "/dev/outbox"},
		{http.MethodGet, "/dev/outbox.json"},
	} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(tt.method, tt.path, strings.NewReader("username=alice&password=x"))
		req.Header.Set("Origin", "http://example.com")
		s.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusNotFound {
			t.Errorf("%s %s: got %d, want 404", tt.method, tt.path, rec.Code)
		}
	}
}

func htmlEscape(s string) string {
	return strings.NewReplacer("'", "&#39;", `"`, "&#34;").Replace(s)
}
