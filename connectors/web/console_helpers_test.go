package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
	pw "github.com/portico-chat/portico/bot/password"
	"github.com/portico-chat/portico/bot/staff"
	"github.com/portico-chat/portico/storage/sqlite"
)

// fakeDesk is a hand-written Desk. Every call is recorded as a line like
// "claim a1 c1"; conversation IDs steer failures: "taken" is ECONFLICT,
// "gone" ENOTFOUND, "theirs" EUNAUTHORIZED, "bad" EINVALID, "boom" an
// internal error. AttachAgent delivers the queue and then a view of "c1".
type fakeDesk struct {
	mu      sync.Mutex
	clients map[bot.AgentClient]string

	calls    chan string
	attached chan bot.AgentClient
	detached chan bot.AgentClient
}

var _ Desk = (*fakeDesk)(nil)

func newFakeDesk() *fakeDesk {
	return &fakeDesk{
		clients:  make(map[bot.AgentClient]string),
		calls:    make(chan string, 1000),
		attached: make(chan bot.AgentClient, 100),
		detached: make(chan bot.AgentClient, 100),
	}
}

var deskAt = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func deskView(id string) bot.ConversationView {
	return bot.ConversationView{
		ConversationID: id, Status: bot.StatusAgent, Agent: "a1", Flow: "reset_password", State: "ask_dob",
		Queue: "portal-support", Reason: "patient_request", Locale: "en",
		Transcript: []bot.Message{
			{Seq: 1, From: bot.FromBot, Text: "Hi! How can I help?", At: deskAt},
			{Seq: 2, From: bot.FromPatient, Text: "agent", At: deskAt.Add(time.Second)},
		},
		Identity: bot.Identity{Verified: true, How: "otp_email", At: deskAt, Label: "O. A•••, born 1985", Email: "o•••@example.org"},
		Slots:    map[string]string{"first_name": "Olivia"},
	}
}

func (d *fakeDesk) fail(conv string) error {
	switch conv {
	case "taken":
		return bot.Errorf(bot.ECONFLICT, "Another agent has this chat.")
	case "gone":
		return fmt.Errorf("claim: %w", bot.Errorf(bot.ENOTFOUND, "No such conversation."))
	case "theirs":
		return bot.Errorf(bot.EUNAUTHORIZED, "This chat is not yours.")
	case "bad":
		return bot.Errorf(bot.EINVALID, "That resolution is not known.")
	case "full":
		return bot.Errorf(bot.ECAPACITY, "You already have 3 chats, your limit. Close or transfer one first.")
	case "boom":
		return errors.New("store: disk on fire")
	}
	return nil
}

func (d *fakeDesk) record(format string, args ...any) { d.calls <- fmt.Sprintf(format, args...) }

func (d *fakeDesk) AttachAgent(_ context.Context, a bot.AgentInfo, c bot.AgentClient) error {
	d.mu.Lock()
	d.clients[c] = a.ID
	d.mu.Unlock()
	d.record("attach %s %s %s", a.ID, a.Name, a.Role)
	c.Deliver(bot.AgentEvent{Queue: []bot.QueueItem{{ConversationID: "q1", Queue: "portal-support", Reason: "locked",
		Waiting: 95*time.Second + 600*time.Millisecond, Position: 1, Locale: "es", Verified: false}}})
	v := deskView("c1")
	c.Deliver(bot.AgentEvent{Conversation: &v})
	d.attached <- c
	return nil
}

func (d *fakeDesk) DetachAgent(agentID string, c bot.AgentClient) {
	d.mu.Lock()
	delete(d.clients, c)
	d.mu.Unlock()
	d.detached <- c
}

func (d *fakeDesk) SetPresence(_ context.Context, agentID string, available bool) error {
	d.record("presence %s %v", agentID, available)
	return nil
}

func (d *fakeDesk) Claim(_ context.Context, agentID, conv string, over bool) error {
	d.record("claim %s %s%s", agentID, conv, overNote(over))
	return d.fail(conv)
}

func (d *fakeDesk) AgentSay(_ context.Context, agentID, conv, id, text string) error {
	d.record("say %s %s %s %s", agentID, conv, id, text)
	return d.fail(conv)
}

func (d *fakeDesk) AgentNote(_ context.Context, agentID, conv, text string) error {
	d.record("note %s %s %s", agentID, conv, text)
	return d.fail(conv)
}

func (d *fakeDesk) AgentTyping(_ context.Context, agentID, conv string, on bool) error {
	d.record("typing %s %s %v", agentID, conv, on)
	return d.fail(conv)
}

func (d *fakeDesk) Transfer(_ context.Context, agentID, conv, queue, toAgent, note string, over bool) error {
	d.record("transfer %s %s queue=%s agent=%s note=%s%s", agentID, conv, queue, toAgent, note, overNote(over))
	return d.fail(conv)
}

func (d *fakeDesk) ToBot(_ context.Context, agentID, conv, flow string) error {
	d.record("to_bot %s %s flow=%s", agentID, conv, flow)
	return d.fail(conv)
}

func (d *fakeDesk) CloseChat(_ context.Context, agentID, conv string, r bot.Resolution) error {
	d.record("close %s %s %s", agentID, conv, r)
	return d.fail(conv)
}

func (d *fakeDesk) FollowupDone(_ context.Context, agentID, id string) error {
	d.record("followup_done %s %s", agentID, id)
	return d.fail(id)
}

func (d *fakeDesk) ViewConversation(_ context.Context, agentID, conv string) (bot.ConversationView, error) {
	d.record("view %s %s", agentID, conv)
	if err := d.fail(conv); err != nil {
		return bot.ConversationView{}, err
	}
	return deskView(conv), nil
}

// CapacityFor says what the console's /me shows: 5 chats whatever the
// account says (so a test sees /me asks the desk), admins may go beyond.
func (d *fakeDesk) CapacityFor(a bot.AgentInfo) (int, bool) {
	return 5, a.Role == bot.RoleAdmin
}

// overNote marks a call that asked to go beyond a capacity.
func overNote(over bool) string {
	if over {
		return " over_capacity"
	}
	return ""
}

// nextCall waits for the desk's next recorded call.
func (d *fakeDesk) nextCall(t *testing.T) string {
	t.Helper()
	select {
	case c := <-d.calls:
		return c
	case <-time.After(waitLimit):
		t.Fatal("the desk was not called")
		return ""
	}
}

// consoleEnv is a server with the console on a real SQLite store, a fake
// desk and a fake clock, and two users: an agent and an admin.
type consoleEnv struct {
	*testServer
	db    *sqlite.DB
	desk  *fakeDesk
	clock *bot.ManualClock
	agent staff.User
	admin staff.User
}

const (
	agentPassword = "correct horse battery staple"
	adminPassword = "admin tulip harbor lanterns"
)

func startConsole(t *testing.T, edit func(*Config), tune ...func(*Server)) *consoleEnv {
	t.Helper()
	return startConsoleWith(t, nil, edit, tune...)
}

// startConsoleWith is startConsole with its collaborators changed by
// deps first (nil for none), which gets the store too.
func startConsoleWith(t *testing.T, deps func(*Deps, *sqlite.DB), edit func(*Config), tune ...func(*Server)) *consoleEnv {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "portico.db"), zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	env := &consoleEnv{db: db, desk: newFakeDesk(), clock: bot.NewManualClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))}
	env.agent = addUser(t, db, "ana@example.org", "Ana", bot.RoleAgent, agentPassword)
	env.admin = addUser(t, db, "max@example.org", "Max", bot.RoleAdmin, adminPassword)
	d := Deps{Agents: AgentDeps{Desk: env.desk, Users: db, Sessions: db, Canned: db, Search: db, Audit: db}}
	if deps != nil {
		deps(&d, db)
	}
	env.testServer = startServer(t, newFakeEngine(), d, func(c *Config) {
		c.Console.SessionCheck = 5 * time.Millisecond
		if edit != nil {
			edit(c)
		}
	}, func(s *Server) {
		s.now = env.clock.Now
		for _, f := range tune {
			f(s)
		}
	})
	return env
}

func addUser(t *testing.T, db *sqlite.DB, email, name, role, password string) staff.User {
	t.Helper()
	hash, err := pw.Hash(password)
	if err != nil {
		t.Fatal(err)
	}
	u := staff.User{Email: email, Name: name, Role: role, PasswordHash: hash}
	if err := db.CreateUser(context.Background(), &u); err != nil {
		t.Fatal(err)
	}
	return u
}

// browserClient is an HTTP client with a cookie jar that does not follow
// redirects, sending the server's own Origin like a browser would.
type browserClient struct {
	*http.Client
	base, origin string
}

func (e *consoleEnv) client(t *testing.T) *browserClient {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	return &browserClient{
		Client: &http.Client{Jar: jar, Timeout: waitLimit,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		base: e.base, origin: e.origin,
	}
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signInForm fetches the sign-in page and returns its CSRF token.
func (b *browserClient) signInForm(t *testing.T) string {
	t.Helper()
	resp, err := b.Get(b.base + "/agent/signin")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfInput.FindSubmatch(body)
	if m == nil {
		t.Fatalf("no csrf field in the sign-in page:\n%s", body)
	}
	return string(m[1])
}

// post sends a form with the browser's Origin and returns status and body.
func (b *browserClient) post(t *testing.T, path string, form url.Values, origin string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	resp, err := b.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

// signIn signs in and returns the response to the form.
func (b *browserClient) signIn(t *testing.T, email, password string) (*http.Response, string) {
	t.Helper()
	token := b.signInForm(t)
	return b.post(t, "/agent/signin", url.Values{"csrf": {token}, "email": {email}, "password": {password}}, b.origin)
}

// mustSignIn signs in and fails the test unless it worked.
func (e *consoleEnv) mustSignIn(t *testing.T, email, password string) *browserClient {
	t.Helper()
	b := e.client(t)
	resp, body := b.signIn(t, email, password)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/agent" {
		t.Fatalf("sign in as %s: got %d %q, want 303 to /agent\n%s", email, resp.StatusCode, resp.Header.Get("Location"), body)
	}
	return b
}

// csrf reads the session's CSRF token from the console page.
func (b *browserClient) csrf(t *testing.T) string {
	t.Helper()
	resp, err := b.Get(b.base + "/agent")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="portico-csrf" content="([^"]+)"`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("no csrf meta in the console (status %d):\n%s", resp.StatusCode, body)
	}
	return string(m[1])
}

// api sends a JSON API request with the given CSRF header and Origin.
func (b *browserClient) api(t *testing.T, method, path, body, csrf, origin string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, b.base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if csrf != "" {
		req.Header.Set(csrfHeader, csrf)
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	resp, err := b.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, string(out)
}

// cookieHeader is the Cookie header the jar would send to the server.
func (b *browserClient) cookieHeader() string {
	u, _ := url.Parse(b.base)
	var parts []string
	for _, c := range b.Jar.Cookies(u) {
		parts = append(parts, c.Name+"="+c.Value)
	}
	return strings.Join(parts, "; ")
}

func (e *consoleEnv) agentURL() string {
	return "ws" + strings.TrimPrefix(e.base, "http") + "/ws/agent"
}

// dialAgent opens the agent socket with the client's cookies; it returns
// the response status when the handshake is refused.
func (e *consoleEnv) dialAgent(b *browserClient, origin string) (*websocket.Conn, int, error) {
	h := http.Header{}
	if origin != "" {
		h.Set("Origin", origin)
	}
	if b != nil {
		if c := b.cookieHeader(); c != "" {
			h.Set("Cookie", c)
		}
	}
	d := websocket.Dialer{Subprotocols: []string{Subprotocol}, HandshakeTimeout: waitLimit}
	ws, resp, err := d.Dial(e.agentURL(), h)
	status := 0
	if resp != nil {
		status = resp.StatusCode
	}
	return ws, status, err
}

// mustDialAgent opens the socket and reads the frames AttachAgent sends.
func (e *consoleEnv) mustDialAgent(t *testing.T, b *browserClient) *websocket.Conn {
	t.Helper()
	ws, status, err := e.dialAgent(b, e.origin)
	if err != nil {
		t.Fatalf("dial agent socket: %v (status %d)", err, status)
	}
	t.Cleanup(func() { ws.Close() })
	expectType(t, ws, "queue")
	expectType(t, ws, "conversation")
	return ws
}

// auditTypes lists the audit log as "type/outcome/detail" lines.
func (e *consoleEnv) auditTypes(t *testing.T) []string {
	t.Helper()
	evs, err := e.db.AuditEvents(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, ev := range evs {
		out = append(out, ev.Type+"/"+ev.Outcome+"/"+ev.Detail)
	}
	return out
}
