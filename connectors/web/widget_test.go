package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestWidgetFitsItsBudget(t *testing.T) {
	var all bytes.Buffer
	for _, b := range WidgetFiles() {
		all.Write(b)
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write(all.Bytes())
	zw.Close()
	t.Logf("widget.js + widget.css: %d bytes, %d bytes gzipped (budget %d)", all.Len(), gz.Len(), WidgetBudget)
	if gz.Len() > WidgetBudget {
		t.Errorf("got %d bytes gzipped, want at most %d", gz.Len(), WidgetBudget)
	}
}

func TestWidgetKeepsNothingInLocalStorage(t *testing.T) {
	js := string(WidgetFiles()["/widget.js"])
	if strings.Contains(js, "localStorage") || strings.Contains(js, "document.cookie") || strings.Contains(js, "indexedDB") {
		t.Error("widget.js touches localStorage, cookies or IndexedDB: only sessionStorage (this tab) may hold the resume token")
	}
	if strings.Contains(js, "eval(") || strings.Contains(js, "new Function") || strings.Contains(js, "innerHTML") {
		t.Error("widget.js uses eval, new Function or innerHTML")
	}
}

func TestWidgetFilesArePublic(t *testing.T) {
	s := New(Config{}, newFakeEngine(), Deps{}, discardLog())
	for _, tt := range []struct{ path, ctype string }{
		{"/widget.js", "text/javascript; charset=utf-8"},
		{"/widget.css", "text/css; charset=utf-8"},
	} {
		t.Run(tt.path, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, tt.path, nil)
			req.Header.Set("Origin", "https://portal.example.org")
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				t.Fatalf("got status %d, want 200", rec.Code)
			}
			for k, want := range map[string]string{
				"Content-Type":                 tt.ctype,
				"Access-Control-Allow-Origin":  "*",
				"Cross-Origin-Resource-Policy": "cross-origin", // same-origin would block <script src> on portals
				"Cache-Control":                widgetCache,
				"X-Content-Type-Options":       "nosniff",
			} {
				if got := rec.Header().Get(k); got != want {
					t.Errorf("got %s %q, want %q", k, got, want)
				}
			}
			if got := rec.Header().Get("Access-Control-Allow-Credentials"); got != "" {
				t.Errorf("got Access-Control-Allow-Credentials %q, want none", got)
			}
			etag := rec.Header().Get("ETag")
			if len(etag) < 10 {
				t.Fatalf("got ETag %q, want a content hash", etag)
			}
			req = httptest.NewRequest(http.MethodGet, tt.path, nil)
			req.Header.Set("If-None-Match", etag)
			rec = httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, req)
			if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
				t.Errorf("revalidation: got %d with %d bytes, want 304 and no body", rec.Code, rec.Body.Len())
			}
		})
	}
	// The files under /static/ (a logo the widget shows on a portal) may
	// be embedded by any origin too; every other response stays same-origin.
	for path, want := range map[string]string{
		"/": "same-origin", "/widget/nope": "same-origin",
		"/static/sample-health.svg": "cross-origin", "/static/portico.css": "cross-origin",
	} {
		if got := get(s.Handler(), path).Header().Get("Cross-Origin-Resource-Policy"); got != want {
			t.Errorf("%s: got CORP %q, want %s", path, got, want)
		}
	}
	if got := get(s.Handler(), "/").Header().Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("/: got Access-Control-Allow-Origin %q, want none", got)
	}
}

func TestWidgetConfig(t *testing.T) {
	w := Widget{Title: "Sample Health help", Greeting: map[string]string{"en": "Hi", "es": "Hola"},
		Color: "#ffcc00", LogoURL: "/static/sample-health.svg", Position: "left"}
	tests := []struct {
		name    string
		cfg     Config
		origin  string // "" sends none, as a same-origin GET does
		allowed bool
	}{
		{"allowlisted portal", Config{AllowedOrigins: []string{"https://portal.example.org"}, Widget: w}, "https://portal.example.org", true},
		{"foreign page", Config{AllowedOrigins: []string{"https://portal.example.org"}, Widget: w}, "https://evil.example", false},
		{"same origin, no Origin header", Config{Widget: w}, "", true},
		{"same origin by public url", Config{PublicURL: "http://chat.test", Widget: w}, "", true},
		{"demo localhost on another port", Config{Demo: true, Widget: w}, "http://127.0.0.1:8081", true},
		{"demo, another loopback address", Config{Demo: true, Widget: w}, "http://127.0.0.2:8081", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(tt.cfg, newFakeEngine(), Deps{}, discardLog())
			req := httptest.NewRequest(http.MethodGet, "http://chat.test/widget/config", nil)
			if tt.origin != "" {
				req.Header.Set("Origin", tt.origin)
			}
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				t.Fatalf("got status %d, want 200", rec.Code)
			}
			var got widgetConfig
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatalf("%v in %s", err, rec.Body.String())
			}
			if got.OriginAllowed != tt.allowed {
				t.Errorf("got origin_allowed %v, want %v", got.OriginAllowed, tt.allowed)
			}
			if got.Title != w.Title || got.Color != w.Color || got.LogoURL != w.LogoURL || got.Position != w.Position ||
				got.Greeting["es"] != "Hola" || got.Version == "" {
				t.Errorf("got %+v, want the configured appearance and a version", got)
			}
			for k, want := range map[string]string{
				"Content-Type": "application/json", "Access-Control-Allow-Origin": "*",
				"Cross-Origin-Resource-Policy": "cross-origin", "Vary": "Origin",
			} {
				if got := rec.Header().Get(k); got != want {
					t.Errorf("got %s %q, want %q", k, got, want)
				}
			}
		})
	}
}

func TestWidgetSettingsValidate(t *testing.T) {
	cdn := []string{"cdn.example.org", "Assets.Example.org:8443"}
	tests := []struct {
		w     Widget
		hosts []string
		want  string // "" for valid
	}{
		{Widget{}, nil, ""},
		{Widget{Color: "#0b5cad", Position: "left", LogoURL: "https://cdn.example.org/logo.png", Greeting: map[string]string{"es": "Hola"}}, cdn, ""},
		{Widget{LogoURL: "https://assets.example.org:8443/logo.png"}, cdn, ""},
		{Widget{Color: "#FFF", LogoURL: "/static/logo.svg"}, nil, ""},
		{Widget{Color: "blue"}, nil, `color "blue"`},
		{Widget{Color: "#12345"}, nil, `color "#12345"`},
		{Widget{Position: "top"}, nil, `position "top"`},
		{Widget{LogoURL: "javascript:alert(1)"}, cdn, "logo url"},
		{Widget{LogoURL: "logo.png"}, cdn, "logo url"},
		{Widget{LogoURL: "https://cdn.example.org/logo.png"}, nil, "widget.logo_hosts"},
		{Widget{LogoURL: "https://evil.example/logo.png"}, cdn, "host evil.example is not on the list"},
		{Widget{LogoURL: "http://cdn.example.org/logo.png"}, cdn, "must start with https://"},
		{Widget{LogoURL: "//evil.example/logo.png"}, cdn, "logo url"},
		{Widget{LogoURL: "/\\evil.example/logo.png"}, cdn, "logo url"},
		{Widget{LogoURL: "https://cdn.example.org@evil.example/logo.png"}, cdn, "logo url"},
		{Widget{LogoURL: "https://cdn.example.org:444/logo.png"}, cdn, "not on the list"},
		{Widget{Greeting: map[string]string{"fr": "Bonjour"}}, nil, `greeting language "fr"`},
		{Widget{}, []string{"https://cdn.example.org"}, "not a host name"},
		{Widget{}, []string{"*.example.org"}, "not a host name"},
	}
	for _, tt := range tests {
		err := Config{Widget: tt.w, LogoHosts: tt.hosts}.Validate()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%+v with hosts %v: got %v, want valid", tt.w, tt.hosts, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%+v with hosts %v: got %v, want an error about %s", tt.w, tt.hosts, err, tt.want)
		}
	}
}

func TestCrossOriginDemoPage(t *testing.T) {
	s := New(Config{Demo: true}, newFakeEngine(), Deps{}, discardLog())
	const portico = "http://localhost:8080"
	rec := get(s.CrossOriginDemo(portico), "/")
	if rec.Code != http.StatusOK {
		t.Fatalf("got status %d, want 200", rec.Code)
	}
	body := rec.Body.String()
	for _, want := range []string{`<script src="` + portico + `/widget.js"`, `data-portico-open="reset_password"`, "DEMO"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	csp := rec.Header().Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self' " + portico + ";", "connect-src 'self' " + portico + " ws://localhost:8080 wss://localhost:8080;",
		"style-src 'self';", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if rec := get(s.CrossOriginDemo(portico), "/static/portico.css"); rec.Code != http.StatusOK {
		t.Errorf("/static/portico.css: got %d, want 200", rec.Code)
	}
	if rec := get(s.CrossOriginDemo(portico), "/ws"); rec.Code != http.StatusNotFound {
		t.Errorf("/ws on the second site: got %d, want 404 (it only serves the page)", rec.Code)
	}
}

// TestAStoredLogoOffTheAllowedHostsIsNotServed: an appearance saved before
// the logo hosts were narrowed keeps its color and title, not its logo.
func TestAStoredLogoOffTheAllowedHostsIsNotServed(t *testing.T) {
	env := startSettings(t)
	stored := `{"title":"Clinic help","color":"#112233","logo_url":"https://old-cdn.example/logo.png","position":"left"}`
	if err := env.db.PutSetting(context.Background(), settingWidget, []byte(stored), "admin:test"); err != nil {
		t.Fatal(err)
	}
	c := env.widgetConfigOf(t)
	if c.LogoURL != "" || c.Color != "#112233" || c.Title != "Clinic help" {
		t.Errorf("/widget/config: logo %q, color %q, title %q; want no logo, the stored color and title", c.LogoURL, c.Color, c.Title)
	}
}

// /widget/config carries the rules the widget shares with the server:
// the theme of the accent (the page's own when it asks with ?color=), the
// frame budget under the configured rate limit, and the longest message.
func TestWidgetConfigServesTheSharedRules(t *testing.T) {
	defaultTheme := widgetTheme{Accent: "#0b5cad", OnAccent: "#ffffff", Ink: "#0b5cad"}
	tests := []struct {
		name  string
		cfg   Config
		query string
		theme widgetTheme
		send  sendBudget
	}{
		{"defaults", Config{}, "", defaultTheme, sendBudget{Burst: 9, PerS: 1.8}},
		{"configured accent", Config{Widget: Widget{Color: "#000"}}, "", widgetTheme{"#000000", "#ffffff", "#000000"}, sendBudget{Burst: 9, PerS: 1.8}},
		{"the page's accent wins", Config{Widget: Widget{Color: "#000"}}, "?color=%23ffff00", widgetTheme{"#ffff00", "#000000", "#747400"}, sendBudget{Burst: 9, PerS: 1.8}},
		{"the page's accent is not a color", Config{Widget: Widget{Color: "#000"}}, "?color=blue", defaultTheme, sendBudget{Burst: 9, PerS: 1.8}},
		{"a tighter limit", Config{RateFrames: 6, RateWindow: 10 * time.Second, RateBurst: 3}, "", defaultTheme, sendBudget{Burst: 2, PerS: 0.54}},
		{"the benchmark's limit", Config{RateFrames: 1000, RateWindow: time.Second, RateBurst: 1000}, "", defaultTheme, sendBudget{Burst: 999, PerS: 900}},
		{"a burst of one", Config{RateFrames: 1, RateWindow: time.Second, RateBurst: 1}, "", defaultTheme, sendBudget{Burst: 1, PerS: 0.9}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(tt.cfg, newFakeEngine(), Deps{}, discardLog())
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://chat.test/widget/config"+tt.query, nil))
			var got widgetConfig
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatalf("%v in %s", err, rec.Body.String())
			}
			if got.Theme != tt.theme {
				t.Errorf("theme: got %+v, want %+v", got.Theme, tt.theme)
			}
			if got.Send != tt.send {
				t.Errorf("send budget: got %+v, want %+v", got.Send, tt.send)
			}
			if got.TextMax != maxTextRunes {
				t.Errorf("text_max: got %d, want %d (what the decoder allows)", got.TextMax, maxTextRunes)
			}
		})
	}
}

// Whatever accent a portal picks, text on it and ink on white reach
// 4.5:1, by WCAG 2.1's formula written out again here, and fills keep the
// portal's color: every #rgb color is tried.
func TestWidgetThemeReadsOnEveryAccent(t *testing.T) {
	lum := func(hex string) float64 {
		var c [3]float64
		for i := range c {
			v, _ := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
			s := float64(v) / 255
			if s <= 0.04045 {
				c[i] = s / 12.92
			} else {
				c[i] = math.Pow((s+0.055)/1.055, 2.4)
			}
		}
		return 0.2126*c[0] + 0.7152*c[1] + 0.0722*c[2]
	}
	ratio := func(a, b string) float64 {
		x, y := lum(a), lum(b)
		return (math.Max(x, y) + 0.05) / (math.Min(x, y) + 0.05)
	}
	const digits = "0123456789abcdef"
	for n := range 16 * 16 * 16 {
		r, g, b := digits[n>>8], digits[n>>4&15], digits[n&15]
		short := string([]byte{'#', r, g, b})
		th := themeOf(short)
		if want := string([]byte{'#', r, r, g, g, b, b}); th.Accent != want {
			t.Fatalf("%s: accent %s, want %s", short, th.Accent, want)
		}
		if c := ratio(th.Accent, th.OnAccent); c < 4.5 {
			t.Errorf("%s: text %s on it has contrast %.2f, want ≥ 4.5", short, th.OnAccent, c)
		}
		if c := ratio(th.Ink, "#ffffff"); c < 4.5 {
			t.Errorf("%s: ink %s on white has contrast %.2f, want ≥ 4.5", short, th.Ink, c)
		}
	}
}
