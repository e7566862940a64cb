package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/portico-chat/portico/connectors/web/client"
)

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signInAgent signs in to the console the way the sign-in form does and
// returns the cookie jar holding the session.
func signInAgent(t *testing.T, base, email, password string) *cookiejar.Jar {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(base + "/agent/signin")
	if err != nil {
		t.Fatal(err)
	}
	var page strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		page.Write(buf[:n])
		if err != nil {
			break
		}
	}
	resp.Body.Close()
	m := csrfInput.FindStringSubmatch(page.String())
	if m == nil {
		t.Fatalf("no CSRF token on the sign-in page")
	}
	form := url.Values{"csrf": {m[1]}, "email": {email}, "password": {password}}
	req, _ := http.NewRequest(http.MethodPost, base+"/agent/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("agent sign-in: status %d, want 303", resp.StatusCode)
	}
	return jar
}

// agentFrame is any frame of the agent endpoint.
type agentFrame struct {
	Type         string `json:"type"`
	Conversation string `json:"conversation"`
	Status       string `json:"status"`
	From         string `json:"from"`
	Text         string `json:"text"`
	Agent        string `json:"agent"`
	Seq          int64  `json:"seq"`
	Code         string `json:"code"`
	Message      string `json:"message"`
	Items        []struct {
		Conversation string `json:"conversation"`
		Queue        string `json:"queue"`
		Reason       string `json:"reason"`
		Position     int    `json:"position"`
		Verified     bool   `json:"verified"`
		Channel      string `json:"channel"`
		From         string `json:"from"`
	} `json:"items"`
	Transcript []struct {
		From string `json:"from"`
		Text string `json:"text"`
	} `json:"transcript"`
	Identity struct {
		Verified bool `json:"verified"`
	} `json:"identity"`
	Reason  string `json:"reason"`
	Channel string `json:"channel"`
}

// agentConn is an agent console's socket.
type agentConn struct {
	t  *testing.T
	ws *websocket.Conn
}

// dialAgent opens /ws/agent with the session in jar.
func dialAgent(t *testing.T, base string, jar *cookiejar.Jar) *agentConn {
	t.Helper()
	u, _ := url.Parse(base)
	h := http.Header{"Origin": {base}}
	for _, c := range jar.Cookies(u) {
		h.Add("Cookie", c.Name+"="+c.Value)
	}
	d := websocket.Dialer{Subprotocols: []string{"portico.v1"}, HandshakeTimeout: waitLimit}
	ws, resp, err := d.Dial("ws"+strings.TrimPrefix(base, "http")+"/ws/agent", h)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial /ws/agent: %v (status %d)", err, status)
	}
	t.Cleanup(func() { ws.Close() })
	return &agentConn{t: t, ws: ws}
}

func (a *agentConn) send(frame map[string]any) {
	a.t.Helper()
	if err := a.ws.WriteJSON(frame); err != nil {
		a.t.Fatal(err)
	}
}

// await reads frames until one satisfies match, and returns it.
func (a *agentConn) await(what string, match func(agentFrame) bool) agentFrame {
	a.t.Helper()
	a.ws.SetReadDeadline(time.Now().Add(waitLimit))
	for {
		_, b, err := a.ws.ReadMessage()
		if err != nil {
			a.t.Fatalf("agent waiting for %s: %v", what, err)
		}
		var f agentFrame
		if err := json.Unmarshal(b, &f); err != nil {
			a.t.Fatalf("agent frame %s: %v", b, err)
		}
		if f.Type == "error" {
			a.t.Fatalf("agent waiting for %s got error %s: %s", what, f.Code, f.Message)
		}
		if match(f) {
			return f
		}
	}
}

// awaitPatient reads patient frames until one satisfies match.
func (p *patient) await(what string, match func(f client.Frame) bool) client.Frame {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	for {
		f, err := p.conn.Next(ctx)
		if err != nil {
			p.t.Fatalf("patient waiting for %s: %v", what, err)
		}
		if match(f) {
			return f
		}
	}
}
