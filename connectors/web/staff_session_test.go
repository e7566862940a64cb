package web

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot/staff"
)

var formError = regexp.MustCompile(`<p class="form-error"[^>]*>[^<]*</p>`)

func TestConsoleSignIn(t *testing.T) {
	env := startConsole(t, nil)
	tests := []struct {
		name, email, password string
		want                  int
	}{
		{"right password", "ana@example.org", agentPassword, http.StatusSeeOther},
		{"email in another case", "  ANA@Example.org", agentPassword, http.StatusSeeOther},
		{"wrong password", "ana@example.org", "not it at all", http.StatusUnauthorized},
		{"unknown email", "nobody@example.org", agentPassword, http.StatusUnauthorized},
		{"empty password", "ana@example.org", "", http.StatusUnauthorized},
	}
	var failures []string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := env.client(t)
			resp, body := b.signIn(t, tt.email, tt.password)
			if resp.StatusCode != tt.want {
				t.Fatalf("got %d, want %d\n%s", resp.StatusCode, tt.want, body)
			}
			if tt.want == http.StatusSeeOther {
				if loc := resp.Header.Get("Location"); loc != "/agent" {
					t.Errorf("got redirect to %q, want /agent", loc)
				}
				if code, _ := b.api(t, "GET", "/agent/api/me", "", "", ""); code != http.StatusOK {
					t.Errorf("after sign-in /agent/api/me answered %d, want 200", code)
				}
				return
			}
			if !strings.Contains(body, textConsoleSignInFailed) {
				t.Errorf("got page without the sign-in failure text:\n%s", body)
			}
			failures = append(failures, formError.FindString(body))
		})
	}
	for _, f := range failures[1:] {
		if f != failures[0] {
			t.Errorf("failures differ: %q vs %q; an unknown email must look like a wrong password", f, failures[0])
		}
	}
	got := env.auditTypes(t)
	for _, want := range []string{"agent.signin/ok/", "agent.signin/failed/failed", "agent.signin/failed/unknown", "agent.signin/failed/malformed"} {
		if !slices.Contains(got, want) {
			t.Errorf("audit %v lacks %s", got, want)
		}
	}
	for _, line := range got {
		if strings.Contains(line, agentPassword) || strings.Contains(line, "nobody@") {
			t.Errorf("audit line %q holds a password or an unknown email", line)
		}
	}
}

func TestSignInFormNeedsItsTokenAndOurOrigin(t *testing.T) {
	env := startConsole(t, nil)
	creds := url.Values{"email": {"ana@example.org"}, "password": {agentPassword}}
	tests := []struct {
		name   string
		token  func(fresh string) string // the csrf field sent, given the form's
		origin string
		want   int
	}{
		{"foreign origin", func(f string) string { return f }, "https://evil.example", http.StatusForbidden},
		{"no origin", func(f string) string { return f }, "", http.StatusForbidden},
		{"no token", func(string) string { return "" }, env.origin, http.StatusForbidden},
		{"wrong token", func(f string) string { return "x" + f }, env.origin, http.StatusForbidden},
		{"all good", func(f string) string { return f }, env.origin, http.StatusSeeOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := env.client(t)
			form := url.Values{"csrf": {tt.token(b.signInForm(t))}, "email": creds["email"], "password": creds["password"]}
			resp, body := b.post(t, "/agent/signin", form, tt.origin)
			if resp.StatusCode != tt.want {
				t.Fatalf("got %d, want %d\n%s", resp.StatusCode, tt.want, body)
			}
		})
	}
}

func TestSignInLockoutWithFakeClock(t *testing.T) {
	env := startConsole(t, nil)
	b := env.client(t)
	for i := 1; i <= DefaultSignInFailures; i++ {
		if resp, _ := b.signIn(t, "ana@example.org", "wrong guess"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: got %d, want 401", i, resp.StatusCode)
		}
	}
	resp, body := b.signIn(t, "ana@example.org", agentPassword)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, textConsoleSignInFailed) {
		t.Fatalf("right password while locked: got %d, want 401 with the usual text", resp.StatusCode)
	}
	env.clock.Advance(DefaultSignInLock - time.Second)
	if resp, _ := b.signIn(t, "ana@example.org", agentPassword); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a second before the lock ends: got %d, want 401", resp.StatusCode)
	}
	env.clock.Advance(time.Second)
	if resp, body := b.signIn(t, "ana@example.org", agentPassword); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("after the lock: got %d, want 303\n%s", resp.StatusCode, body)
	}
	got := strings.Join(env.auditTypes(t), " ")
	for _, want := range []string{"agent.signin/failed/failed", "agent.signin/failed/locked", "agent.signin/ok/"} {
		if !strings.Contains(got, want) {
			t.Errorf("audit %s lacks %s", got, want)
		}
	}
	// The lock is per account: the admin still signs in.
	env.mustSignIn(t, "max@example.org", adminPassword)
}

func TestSessionCookieAttributes(t *testing.T) {
	tests := []struct {
		name       string
		publicURL  string
		wantName   string
		wantSecure bool
	}{
		{"plain HTTP", "", sessionCookie, false},
		{"behind HTTPS", "https://chat.example.org", sessionCookieTLS, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := startConsole(t, func(c *Config) {
				if tt.publicURL != "" {
					c.PublicURL = tt.publicURL
				}
			})
			origin := env.origin
			if tt.publicURL != "" {
				origin = tt.publicURL
			}
			b := env.client(t)
			token := b.signInForm(t)
			// The jar keeps Secure cookies away from http://, so send the
			// form's cookie by hand.
			req, _ := http.NewRequest(http.MethodPost, env.base+"/agent/signin", strings.NewReader(
				url.Values{"csrf": {token}, "email": {"ana@example.org"}, "password": {agentPassword}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", origin)
			name := signInCookie
			if tt.wantSecure {
				name = signInCookieTLS
			}
			req.AddCookie(&http.Cookie{Name: name, Value: token})
			resp, err := b.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("sign in: got %d, want 303", resp.StatusCode)
			}
			var c *http.Cookie
			for _, k := range resp.Cookies() {
				if k.Name == tt.wantName {
					c = k
				}
			}
			if c == nil {
				t.Fatalf("got cookies %v, want one named %s", resp.Header.Values("Set-Cookie"), tt.wantName)
			}
			if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.Domain != "" || c.Secure != tt.wantSecure {
				t.Errorf("got %s, want HttpOnly, SameSite=Strict, Path=/, no Domain, Secure=%v", c.String(), tt.wantSecure)
			}
			if len(c.Value) < 22 { // 128 bits in base64
				t.Errorf("session token %d characters, want at least 128 bits", len(c.Value))
			}
			if _, err := env.db.StaffSession(t.Context(), []byte(c.Value)); err == nil {
				t.Error("the session is stored under its clear token")
			}
			if _, err := env.db.StaffSession(t.Context(), staff.SessionTokenHash(c.Value)); err != nil {
				t.Errorf("the session is not stored under its token's hash: %v", err)
			}
		})
	}
}

func TestSignInRotatesTheSession(t *testing.T) {
	env := startConsole(t, nil)
	b := env.mustSignIn(t, "ana@example.org", agentPassword)
	first := b.cookieHeader()
	// A signed-in browser is sent from the form to the console, so take a
	// form from another browser and bring its cookie along.
	other := env.client(t)
	token := other.signInForm(t)
	u, _ := url.Parse(env.base)
	b.Jar.SetCookies(u, other.Jar.Cookies(u))
	resp, _ := b.post(t, "/agent/signin", url.Values{"csrf": {token}, "email": {"ana@example.org"}, "password": {agentPassword}}, env.origin)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("second sign-in: got %d", resp.StatusCode)
	}
	var old, now string
	for _, part := range strings.Split(first, "; ") {
		if v, ok := strings.CutPrefix(part, sessionCookie+"="); ok {
			old = v
		}
	}
	for _, c := range b.Jar.Cookies(u) {
		if c.Name == sessionCookie {
			now = c.Value
		}
	}
	if now == "" || now == old {
		t.Fatalf("got session %q after signing in again, want a new one", now)
	}
	if _, err := env.db.StaffSession(t.Context(), staff.SessionTokenHash(old)); err == nil {
		t.Error("the earlier session still exists after signing in again")
	}
}

func TestStateChangingRequestsNeedCSRFAndOurOrigin(t *testing.T) {
	env := startConsole(t, nil)
	b := env.mustSignIn(t, "max@example.org", adminPassword)
	csrf := b.csrf(t)
	body := `{"shortcut":"hours","title":"Hours","text":"We are open 8 to 6."}`
	tests := []struct {
		name, csrf, origin string
		want               int
	}{
		{"no token", "", env.origin, http.StatusForbidden},
		{"wrong token", csrf + "x", env.origin, http.StatusForbidden},
		{"token of another session", csrfToken("another"), env.origin, http.StatusForbidden},
		{"foreign origin", csrf, "https://evil.example", http.StatusForbidden},
		{"no origin", csrf, "", http.StatusForbidden},
		{"all good", csrf, env.origin, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code, out := b.api(t, "POST", "/agent/api/canned", body, tt.csrf, tt.origin); code != tt.want {
				t.Fatalf("got %d, want %d: %s", code, tt.want, out)
			}
		})
	}
	// Sign-out is state-changing too.
	resp, _ := b.post(t, "/agent/signout", url.Values{"csrf": {"forged"}}, env.origin)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("sign-out with a forged token: got %d, want 403", resp.StatusCode)
	}
	if code, _ := b.api(t, "GET", "/agent/api/me", "", "", ""); code != http.StatusOK {
		t.Errorf("after a forged sign-out the session is gone (%d)", code)
	}
}

func TestConsolePagesNeedASession(t *testing.T) {
	env := startConsole(t, nil)
	b := env.client(t)
	resp, err := b.Get(env.base + "/agent")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/agent/signin" {
		t.Errorf("GET /agent without a session: got %d to %q, want 303 to /agent/signin", resp.StatusCode, resp.Header.Get("Location"))
	}
	for _, path := range []string{"/agent/api/me", "/agent/api/canned", "/agent/api/conversations"} {
		if code, _ := b.api(t, "GET", path, "", "", ""); code != http.StatusUnauthorized {
			t.Errorf("GET %s without a session: got %d, want 401", path, code)
		}
	}
	// A made-up cookie is no session either.
	u, _ := url.Parse(env.base)
	b.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: staff.NewSessionToken()}})
	if code, _ := b.api(t, "GET", "/agent/api/me", "", "", ""); code != http.StatusUnauthorized {
		t.Errorf("made-up session: got %d, want 401", code)
	}
	// The console page itself carries no inline script (strict CSP).
	b = env.mustSignIn(t, "ana@example.org", agentPassword)
	resp, err = b.Get(env.base + "/agent")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'self'") {
		t.Errorf("GET /agent: got %d with CSP %q", resp.StatusCode, resp.Header.Get("Content-Security-Policy"))
	}
}
