package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot/staff"
)

// signInFrom posts a sign-in form fetched beforehand, as a client behind
// the trusted proxy at address ip.
func (b *browserClient) signInFrom(t *testing.T, ip, token, email, password string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.base+"/agent/signin", strings.NewReader(
		url.Values{"csrf": {token}, "email": {email}, "password": {password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.origin)
	req.Header.Set("X-Forwarded-For", ip)
	resp, err := b.Do(req)
	if err != nil {
		t.Error(err)
		return 0, ""
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// behindProxy trusts the loopback proxy, so that tests choose the client
// address with X-Forwarded-For.
func behindProxy(c *Config) { c.TrustedProxies = []string{"127.0.0.1/32", "::1/128"} }

// burstWait bounds one request of a burst: every sign-in costs an argon2id
// hash (a dummy one when refused), and a burst of them queues for the
// machine's cores.
const burstWait = 2 * time.Minute

// burstClient is a browser client patient enough for a burst.
func (e *consoleEnv) burstClient(t *testing.T) *browserClient {
	b := e.client(t)
	b.Timeout = burstWait
	return b
}

// TestSignInLockoutHoldsUnderABurst: 39 wrong passwords and the right one
// arrive at once from four addresses. At most SignInFailures passwords are
// compared; the account locks, the right password is refused like the
// others, and the lock does not reset the count.
func TestSignInLockoutHoldsUnderABurst(t *testing.T) {
	const wrong, addresses = 39, 4
	env := startConsole(t, behindProxy)
	ctx := context.Background()
	type attempt struct {
		b        *browserClient
		ip       string
		token    string
		password string
	}
	var tries []attempt
	for i := range wrong + 1 {
		b := env.burstClient(t)
		a := attempt{b: b, ip: fmt.Sprintf("198.51.100.%d", 10+i%addresses), token: b.signInForm(t), password: fmt.Sprintf("wrong guess %d", i)}
		if i == wrong {
			a.password = agentPassword
		}
		tries = append(tries, a)
	}

	start := make(chan struct{})
	locked := make(chan struct{})
	codes := make([]int, len(tries))
	bodies := make([]string, len(tries))
	var wg sync.WaitGroup
	for i, a := range tries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if a.password == agentPassword {
				// The right password goes in while the burst is still
				// being answered, once the account is seen locked.
				select {
				case <-locked:
				case <-time.After(burstWait):
				}
			}
			codes[i], bodies[i] = a.b.signInFrom(t, a.ip, a.token, "ana@example.org", a.password)
		}()
	}
	close(start)
	go func() {
		for deadline := time.Now().Add(burstWait); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
			if u, err := env.db.User(ctx, env.agent.ID); err == nil && env.clock.Now().Before(u.LockedUntil) {
				break
			}
		}
		close(locked)
	}()
	wg.Wait()

	if got := codes[wrong]; got != http.StatusUnauthorized || !strings.Contains(bodies[wrong], textConsoleSignInFailed) {
		t.Errorf("the right password inside the burst: got %d, want 401 with the usual text", got)
	}
	compared, refused := 0, 0
	for _, line := range env.auditTypes(t) {
		switch line {
		case "agent.signin/failed/failed":
			compared++
		case "agent.signin/failed/locked":
			refused++
		case "agent.signin/ok/":
			t.Errorf("audit %s: someone signed in during the burst", line)
		}
	}
	if compared != DefaultSignInFailures || refused != len(tries)-DefaultSignInFailures {
		t.Errorf("audited %d passwords compared and %d refused as locked, want exactly %d and %d",
			compared, refused, DefaultSignInFailures, len(tries)-DefaultSignInFailures)
	}
	u, err := env.db.User(ctx, env.agent.ID)
	if err != nil {
		t.Fatal(err)
	}
	if u.FailedSignIns != DefaultSignInFailures || !u.LockedUntil.Equal(env.clock.Now().Add(DefaultSignInLock)) {
		t.Errorf("after the burst: %d failures, locked until %v; want %d (the lock keeps the count), until %v",
			u.FailedSignIns, u.LockedUntil, DefaultSignInFailures, env.clock.Now().Add(DefaultSignInLock))
	}
}

// TestUnknownEmailCostsWhatAWrongPasswordDoes: a sign-in with an email no
// account has makes the same store writes as a wrong password for a real
// account (and compares a hash as well), so neither timing nor load tells
// whether the email exists.
func TestUnknownEmailCostsWhatAWrongPasswordDoes(t *testing.T) {
	env := startConsole(t, nil)
	writes := func(email string) int64 {
		t.Helper()
		b := env.client(t)
		token := b.signInForm(t)
		before := env.db.Stats().Writes
		resp, _ := b.post(t, "/agent/signin", url.Values{"csrf": {token}, "email": {email}, "password": {"not the password"}}, b.origin)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("sign in as %s: got %d, want 401", email, resp.StatusCode)
		}
		return env.db.Stats().Writes - before
	}
	known, unknown := writes("ana@example.org"), writes("nobody@example.org")
	if known != unknown {
		t.Errorf("store writes: %d for a wrong password, %d for an unknown email; want the same", known, unknown)
	}
}

// TestSignInsPerAddressHoldUnderABurst: 30 sign-ins from one address at
// once, for emails nobody has; exactly staff.SourceAttempts are checked, the
// rest are told to wait.
func TestSignInsPerAddressHoldUnderABurst(t *testing.T) {
	const n = 30
	env := startConsole(t, behindProxy)
	clients := make([]*browserClient, n)
	tokens := make([]string, n)
	for i := range clients {
		clients[i] = env.burstClient(t)
		tokens[i] = clients[i].signInForm(t)
	}
	codes := make([]int, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, b := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			codes[i], _ = b.signInFrom(t, "2001:db8:7:1::"+fmt.Sprint(i+1), tokens[i], fmt.Sprintf("nobody%d@example.org", i), "a guess")
		}()
	}
	close(start)
	wg.Wait()
	checked, limited := 0, 0
	for _, c := range codes {
		switch c {
		case http.StatusUnauthorized:
			checked++
		case http.StatusTooManyRequests:
			limited++
		}
	}
	if checked != staff.SourceAttempts || limited != n-staff.SourceAttempts {
		t.Errorf("from one /64: %d checked and %d told to wait, want exactly %d and %d", checked, limited, staff.SourceAttempts, n-staff.SourceAttempts)
	}
}
