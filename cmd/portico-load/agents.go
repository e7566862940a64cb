package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Agent-side limits.
const (
	agentSignInPage = 64 << 10 // largest sign-in page read
	agentReadLimit  = 1 << 20  // largest frame an agent reads (a conversation frame holds a transcript)
	// agentFrameBudget is the agent socket's burst of frames (docs/console.md:
	// 60 per 10 s, bursts of 30), kept below so no simulated agent is ever
	// rate limited: a rate-limited say would be a dropped answer.
	agentFrameBudget = 28
)

// Demo-mode credentials (docs/console.md), used when no bench agents are
// asked for.
const (
	demoAgentEmail    = "agent@demo.portico.invalid"
	demoAgentPassword = "portico demo agent"
)

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// agentFrame is the part of any /ws/agent frame an agent acts on.
type agentFrame struct {
	Type         string `json:"type"`
	Conversation string `json:"conversation"`
	From         string `json:"from"`
	Text         string `json:"text"`
	Agent        string `json:"agent"`
	Code         string `json:"code"`
	Message      string `json:"message"`
}

// agentSim is one simulated agent on one /ws/agent socket. It answers every
// patient message of the chats it is assigned (handoff.auto_assign), and
// closes a chat after its rounds-th answer.
type agentSim struct {
	email  string
	ws     *websocket.Conn
	wmu    sync.Mutex
	frames int // frames sent, against agentFrameBudget
	hub    *handoffHub
}

// signInAgent signs in the way the console's form does (GET the form for
// its CSRF field and pre-session cookie, POST it with the server's Origin)
// and opens /ws/agent with the session cookie, from source address src.
func signInAgent(ctx context.Context, e *env, server *url.URL, src *net.TCPAddr, email, password string) (*websocket.Conn, error) {
	jar, _ := cookiejar.New(nil)
	dialer := &net.Dialer{LocalAddr: src, Timeout: e.turnTimeout}
	hc := &http.Client{
		Jar: jar, Timeout: e.turnTimeout,
		Transport:     &http.Transport{DialContext: dialer.DialContext},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	defer hc.CloseIdleConnections()
	base := server.Scheme + "://" + server.Host
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/agent/signin", nil)
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("sign-in page: %w", err)
	}
	page, _ := io.ReadAll(io.LimitReader(resp.Body, agentSignInPage))
	resp.Body.Close()
	m := csrfField.FindSubmatch(page)
	if resp.StatusCode != http.StatusOK || m == nil {
		return nil, fmt.Errorf("sign-in page: %s, CSRF field found: %t", resp.Status, m != nil)
	}
	form := url.Values{"csrf": {string(m[1])}, "email": {email}, "password": {password}}
	req, _ = http.NewRequestWithContext(ctx, http.MethodPost, base+"/agent/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	resp, err = hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("sign in as %s: %s, want 303 (does the account exist with this password?)", email, resp.Status)
	}
	h := http.Header{"Origin": {base}}
	for _, c := range jar.Cookies(server) {
		h.Add("Cookie", c.Name+"="+c.Value)
	}
	d := websocket.Dialer{Subprotocols: []string{"portico.v1"}, HandshakeTimeout: e.turnTimeout, NetDialContext: dialer.DialContext}
	ws, resp, err := d.DialContext(ctx, "ws"+strings.TrimPrefix(base, "http")+"/ws/agent", h)
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("dial /ws/agent: %w (HTTP %s)", err, resp.Status)
		}
		return nil, fmt.Errorf("dial /ws/agent: %w", err)
	}
	ws.SetReadLimit(agentReadLimit)
	return ws, nil
}

// send writes one frame, refusing to go over the socket's rate budget.
func (a *agentSim) send(frame map[string]any) error {
	a.wmu.Lock()
	defer a.wmu.Unlock()
	if a.frames >= agentFrameBudget {
		return fmt.Errorf("agent %s: over its budget of %d frames (add agents)", a.email, agentFrameBudget)
	}
	a.frames++
	a.ws.SetWriteDeadline(time.Now().Add(agentWriteWait))
	return a.ws.WriteJSON(frame)
}

// agentWriteWait bounds one frame's write.
const agentWriteWait = 10 * time.Second

// say answers in a conversation, stamping the send time for the patient.
func (a *agentSim) say(conv string, n int, text string) error {
	a.hub.stampAgent(conv)
	return a.send(map[string]any{"type": "say", "conversation": conv, "id": fmt.Sprintf("a%d", n), "text": text})
}

// serve reads frames until the socket closes: on an assignment it greets
// the patient; on each patient message it answers; after the rounds-th
// answer it closes the chat as resolved.
func (a *agentSim) serve(rounds int) {
	answered := map[string]int{}
	for {
		_, b, err := a.ws.ReadMessage()
		if err != nil {
			return
		}
		var f agentFrame
		if json.Unmarshal(b, &f) != nil {
			continue
		}
		var sendErr error
		switch {
		case f.Type == "assigned":
			a.hub.claimed(f.Conversation)
			sendErr = a.say(f.Conversation, 0, "Hello, this is the support team. How can I help?")
		case f.Type == "msg" && f.From == "patient":
			a.hub.patientArrived(f.Conversation)
			n := answered[f.Conversation] + 1
			answered[f.Conversation] = n
			sendErr = a.say(f.Conversation, n, fmt.Sprintf("Answer %d: I have checked your account.", n))
			if sendErr == nil && n >= rounds {
				delete(answered, f.Conversation)
				sendErr = a.send(map[string]any{"type": "close", "conversation": f.Conversation, "resolution": "resolved"})
			}
		case f.Type == "error":
			a.hub.agentError(fmt.Errorf("agent %s: error %s: %s", a.email, f.Code, f.Message))
		}
		if sendErr != nil {
			a.hub.agentError(sendErr)
		}
	}
}

// close ends the agent's socket.
func (a *agentSim) close() {
	a.wmu.Lock()
	a.ws.SetWriteDeadline(time.Now().Add(agentWriteWait))
	_ = a.ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
	a.wmu.Unlock()
	_ = a.ws.Close()
}

// handoffHub joins the two sides of each chat: the time an agent sent its
// say (for agent→patient latency) and the time a patient sent theirs (for
// patient→agent). Each chat goes in lockstep, one message outstanding, so
// one stamp per conversation and direction suffices.
type handoffHub struct {
	mu           sync.Mutex
	agentSent    map[string]time.Time
	patientSent  map[string]time.Time
	agentLat     recorder // agent say sent → patient has the msg
	patientLat   recorder // patient say sent → agent has the msg
	claims       int
	lastAgentErr error
	agentErrs    int
}

func newHandoffHub() *handoffHub {
	return &handoffHub{agentSent: map[string]time.Time{}, patientSent: map[string]time.Time{}}
}

func (h *handoffHub) stampAgent(conv string) {
	h.mu.Lock()
	h.agentSent[conv] = time.Now()
	h.mu.Unlock()
}

func (h *handoffHub) stampPatient(conv string) {
	h.mu.Lock()
	h.patientSent[conv] = time.Now()
	h.mu.Unlock()
}

// agentArrived records an agent message reaching the patient.
func (h *handoffHub) agentArrived(conv string) error {
	now := time.Now()
	h.mu.Lock()
	t, ok := h.agentSent[conv]
	delete(h.agentSent, conv)
	h.mu.Unlock()
	if !ok {
		return errors.New("an agent message arrived that no simulated agent sent")
	}
	h.agentLat.add(now.Sub(t))
	return nil
}

// patientArrived records a patient message reaching the agent.
func (h *handoffHub) patientArrived(conv string) {
	now := time.Now()
	h.mu.Lock()
	t, ok := h.patientSent[conv]
	delete(h.patientSent, conv)
	h.mu.Unlock()
	if ok {
		h.patientLat.add(now.Sub(t))
	}
}

func (h *handoffHub) claimed(string) {
	h.mu.Lock()
	h.claims++
	h.mu.Unlock()
}

func (h *handoffHub) agentError(err error) {
	h.mu.Lock()
	h.agentErrs++
	h.lastAgentErr = err
	h.mu.Unlock()
}

// The bench agents' accounts, as cmd/portico-load/bench/run.sh creates them. The password is
// no secret: the accounts live in a throwaway database on a loopback port.
const (
	benchAgentEmail    = "bench-agent-%d@example.org"
	benchAgentPassword = "portico bench agent password"
)

// agentFrames is how many frames each agent sends when n patients are
// shared evenly: per chat a greeting, one answer a round and the close.
func agentFrames(n int, o agentOptions) int {
	agents := max(o.Count, 1)
	chats := (n + agents - 1) / agents
	return chats * (o.Rounds + 2)
}
