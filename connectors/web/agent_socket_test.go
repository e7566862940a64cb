package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/staff"
)

func TestAgentSocketHandshake(t *testing.T) {
	env := startConsole(t, nil)
	signedIn := env.mustSignIn(t, "ana@example.org", agentPassword)
	tests := []struct {
		name      string
		client    *browserClient
		origin    string
		protocols []string
		want      int
	}{
		{"signed in, own origin", signedIn, env.origin, []string{Subprotocol}, http.StatusSwitchingProtocols},
		{"no session", nil, env.origin, []string{Subprotocol}, http.StatusUnauthorized},
		{"made-up session", env.client(t), env.origin, []string{Subprotocol}, http.StatusUnauthorized},
		{"foreign origin", signedIn, "https://evil.example", []string{Subprotocol}, http.StatusForbidden},
		{"missing origin", signedIn, "", []string{Subprotocol}, http.StatusForbidden},
		{"own host, other port", signedIn, "http://127.0.0.1:1", []string{Subprotocol}, http.StatusForbidden},
		{"no subprotocol", signedIn, env.origin, nil, http.StatusBadRequest},
	}
	u, _ := url.Parse(env.base)
	tests[2].client.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: staff.NewSessionToken()}})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.origin != "" {
				h.Set("Origin", tt.origin)
			}
			if tt.client != nil {
				h.Set("Cookie", tt.client.cookieHeader())
			}
			d := websocket.Dialer{Subprotocols: tt.protocols, HandshakeTimeout: waitLimit}
			ws, resp, _ := d.Dial(env.agentURL(), h)
			if resp == nil {
				t.Fatal("no HTTP response")
			}
			if resp.StatusCode != tt.want {
				t.Fatalf("got status %d, want %d", resp.StatusCode, tt.want)
			}
			if ws != nil {
				ws.Close()
			}
		})
	}
}

func TestAgentSocketSendsWhatAttachDelivers(t *testing.T) {
	env := startConsole(t, nil)
	b := env.mustSignIn(t, "ana@example.org", agentPassword)
	ws, _, err := env.dialAgent(b, env.origin)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if got, want := env.desk.nextCall(t), "attach "+env.agent.ID+" Ana agent"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	q := expectType(t, ws, "queue")
	items, _ := q["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("got queue %v, want one item", q)
	}
	c := expectType(t, ws, "conversation")
	if c["conversation"] != "c1" {
		t.Errorf("got conversation %v, want c1", c["conversation"])
	}
	ws.Close()
	select {
	case <-env.desk.detached:
	case <-time.After(waitLimit):
		t.Fatal("closing the socket did not detach the agent")
	}
}

func TestAgentFramesReachTheDesk(t *testing.T) {
	env := startConsole(t, nil)
	ws := env.mustDialAgent(t, env.mustSignIn(t, "ana@example.org", agentPassword))
	env.desk.nextCall(t) // attach
	me := env.agent.ID
	tests := []struct {
		frame string
		want  string
	}{
		{`{"type":"claim","conversation":"c2"}`, "claim " + me + " c2"},
		{`{"type":"claim","conversation":"c2","over_capacity":true}`, "claim " + me + " c2 over_capacity"},
		{`{"type":"say","conversation":"c2","id":"s1","text":"Hello, I am Ana."}`, "say " + me + " c2 s1 Hello, I am Ana."},
		{`{"type":"note","conversation":"c2","text":"Checked the record."}`, "note " + me + " c2 Checked the record."},
		{`{"type":"typing","conversation":"c2","on":true}`, "typing " + me + " c2 true"},
		{`{"type":"typing","conversation":"c2","on":false}`, "typing " + me + " c2 false"},
		{`{"type":"transfer","conversation":"c2","queue":"billing","note":"About a bill"}`, "transfer " + me + " c2 queue=billing agent= note=About a bill"},
		{`{"type":"transfer","conversation":"c2","agent":"u9"}`, "transfer " + me + " c2 queue= agent=u9 note="},
		{`{"type":"transfer","conversation":"c2","agent":"u9","over_capacity":true}`, "transfer " + me + " c2 queue= agent=u9 note= over_capacity"},
		{`{"type":"to_bot","conversation":"c2","flow":"reset_password"}`, "to_bot " + me + " c2 flow=reset_password"},
		{`{"type":"to_bot","conversation":"c2"}`, "to_bot " + me + " c2 flow="},
		{`{"type":"close","conversation":"c2","resolution":"resolved"}`, "close " + me + " c2 resolved"},
		{`{"type":"presence","status":"available"}`, "presence " + me + " true"},
		{`{"type":"presence","status":"away"}`, "presence " + me + " false"},
		{`{"type":"open","conversation":"old7","extra":"ignored"}`, "view " + me + " old7"},
		{`{"type":"followup_done","id":"f1"}`, "followup_done " + me + " f1"},
	}
	for _, tt := range tests {
		send(t, ws, tt.frame)
		if got := env.desk.nextCall(t); got != tt.want {
			t.Errorf("frame %s: got call %q, want %q", tt.frame, got, tt.want)
		}
	}
	// open answers this connection with the conversation's view.
	v := expectType(t, ws, "conversation")
	if v["conversation"] != "old7" {
		t.Errorf("got view of %v, want old7", v["conversation"])
	}
}

func TestDeskErrorsBecomeErrorFrames(t *testing.T) {
	env := startConsole(t, nil)
	ws := env.mustDialAgent(t, env.mustSignIn(t, "ana@example.org", agentPassword))
	tests := []struct {
		conv, code, message string
	}{
		{"taken", "conflict", "Another agent has this chat."},
		{"gone", "not_found", "No such conversation."},
		{"theirs", "unauthorized", "This chat is not yours."},
		{"bad", "invalid", "That resolution is not known."},
		{"full", "at_capacity", "You already have 3 chats, your limit. Close or transfer one first."},
		{"boom", "internal", "Something went wrong on our side. Please try again."},
	}
	for _, tt := range tests {
		send(t, ws, `{"type":"claim","conversation":"`+tt.conv+`"}`)
		f := expectType(t, ws, "error")
		if f["code"] != tt.code || f["message"] != tt.message || f["conversation"] != tt.conv {
			t.Errorf("claim %s: got %v, want code %s, message %q, conversation %s", tt.conv, f, tt.code, tt.message, tt.conv)
		}
	}
	if strings.Contains(env.logs.String(), "disk on fire") == false {
		t.Error("an internal desk error was not logged")
	}
	// The connection stays open.
	send(t, ws, `{"type":"open","conversation":"c3"}`)
	expectType(t, ws, "conversation")
}

func TestBadAgentFramesGetErrorFrames(t *testing.T) {
	env := startConsole(t, nil)
	ws := env.mustDialAgent(t, env.mustSignIn(t, "ana@example.org", agentPassword))
	tests := []struct {
		frame, code string
	}{
		{`not json`, "bad_frame"},
		{`{"conversation":"c1"}`, "bad_frame"},
		{`{"type":"dance","conversation":"c1"}`, "unknown_type"},
		{`{"type":"claim"}`, "bad_frame"},
		{`{"type":"say","conversation":"c1","text":"hi"}`, "bad_frame"},
		{`{"type":"say","conversation":"c1","id":"x","text":"   "}`, "bad_frame"},
		{`{"type":"say","conversation":"c1","id":"x","text":"` + strings.Repeat("a", maxAgentTextRunes+1) + `"}`, "too_large"},
		{`{"type":"typing","conversation":"c1"}`, "bad_frame"},
		{`{"type":"typing","conversation":"c1","on":"yes"}`, "bad_frame"},
		{`{"type":"transfer","conversation":"c1"}`, "bad_frame"},
		{`{"type":"transfer","conversation":"c1","queue":"a","agent":"b"}`, "bad_frame"},
		{`{"type":"close","conversation":"c1"}`, "bad_frame"},
		{`{"type":"presence","status":"asleep"}`, "bad_frame"},
		{`{"type":"followup_done"}`, "bad_frame"},
		{`{"type":"claim","conversation":"` + strings.Repeat("c", maxConvIDLen+1) + `"}`, "too_large"},
	}
	for _, tt := range tests {
		send(t, ws, tt.frame)
		f := expectType(t, ws, "error")
		if f["code"] != tt.code {
			t.Errorf("frame %.60s: got %v, want code %s", tt.frame, f, tt.code)
		}
	}
	select {
	case c := <-env.desk.calls:
		if !strings.HasPrefix(c, "attach") {
			t.Errorf("a bad frame reached the desk: %s", c)
		}
	default:
	}
}

func TestAgentSocketRateLimit(t *testing.T) {
	env := startConsole(t, nil) // the fake clock stands still: no token comes back
	ws := env.mustDialAgent(t, env.mustSignIn(t, "ana@example.org", agentPassword))
	for range DefaultAgentRateBurst {
		send(t, ws, `{"type":"typing","conversation":"c1","on":true}`)
	}
	send(t, ws, `{"type":"typing","conversation":"c1","on":true}`)
	f := expectType(t, ws, "error")
	if f["code"] != "rate_limited" || f["retry_after_s"] == nil {
		t.Errorf("got %v, want rate_limited with retry_after_s", f)
	}
	for range maxDroppedFrames {
		send(t, ws, `{"type":"active"}`)
	}
	if code := expectClose(t, ws); code != websocket.ClosePolicyViolation {
		t.Errorf("flooding: got close %d, want 1008", code)
	}
}

func TestIdleSessionClosesItsSocketsWith1008(t *testing.T) {
	env := startConsole(t, nil)
	b := env.mustSignIn(t, "ana@example.org", agentPassword)
	ws := env.mustDialAgent(t, b)
	env.clock.Advance(DefaultSessionIdle - time.Second)
	// Activity a second before the limit keeps the session alive.
	send(t, ws, `{"type":"open","conversation":"c5"}`)
	expectType(t, ws, "conversation")
	env.clock.Advance(DefaultSessionIdle - time.Second)
	send(t, ws, `{"type":"open","conversation":"c6"}`)
	expectType(t, ws, "conversation")
	env.clock.Advance(DefaultSessionIdle)
	if code := expectClose(t, ws); code != websocket.ClosePolicyViolation {
		t.Fatalf("got close %d, want 1008", code)
	}
	if code, _ := b.api(t, "GET", "/agent/api/me", "", "", ""); code != http.StatusUnauthorized {
		t.Errorf("after idle expiry /agent/api/me: got %d, want 401", code)
	}
	if got := strings.Join(env.auditTypes(t), " "); !strings.Contains(got, "agent.signout/expired/") {
		t.Errorf("audit %s lacks the expiry", got)
	}
}

func TestAbsoluteSessionEndClosesSocketsDespiteActivity(t *testing.T) {
	env := startConsole(t, func(c *Config) { c.Console.SessionAbsolute = time.Hour })
	b := env.mustSignIn(t, "ana@example.org", agentPassword)
	ws := env.mustDialAgent(t, b)
	for i := range 5 {
		env.clock.Advance(10 * time.Minute)
		send(t, ws, `{"type":"open","conversation":"c`+string(rune('0'+i))+`"}`)
		expectType(t, ws, "conversation")
	}
	env.clock.Advance(10 * time.Minute) // 60 minutes after sign-in, active all along
	if code := expectClose(t, ws); code != websocket.ClosePolicyViolation {
		t.Fatalf("got close %d, want 1008", code)
	}
	if _, status, err := env.dialAgent(b, env.origin); err == nil || status != http.StatusUnauthorized {
		t.Errorf("reconnecting after the absolute end: got status %d, want 401", status)
	}
}

func TestSignOutClosesEverySocketOfTheSession(t *testing.T) {
	env := startConsole(t, nil)
	b := env.mustSignIn(t, "ana@example.org", agentPassword)
	other := env.mustSignIn(t, "max@example.org", adminPassword)
	tab1, tab2 := env.mustDialAgent(t, b), env.mustDialAgent(t, b)
	otherWS := env.mustDialAgent(t, other)
	resp, _ := b.post(t, "/agent/signout", url.Values{"csrf": {b.csrf(t)}}, env.origin)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/agent/signin" {
		t.Fatalf("sign-out: got %d to %q, want 303 to /agent/signin", resp.StatusCode, resp.Header.Get("Location"))
	}
	for i, ws := range []*websocket.Conn{tab1, tab2} {
		if code := expectClose(t, ws); code != websocket.ClosePolicyViolation {
			t.Errorf("tab %d: got close %d, want 1008", i+1, code)
		}
	}
	if code, _ := b.api(t, "GET", "/agent/api/me", "", "", ""); code != http.StatusUnauthorized {
		t.Errorf("after sign-out: got %d, want 401", code)
	}
	// Another user's session is untouched.
	send(t, otherWS, `{"type":"open","conversation":"c9"}`)
	expectType(t, otherWS, "conversation")
	if got := strings.Join(env.auditTypes(t), " "); !strings.Contains(got, "agent.signout/ok/") {
		t.Errorf("audit %s lacks the sign-out", got)
	}
}

func TestSessionEndedElsewhereClosesSockets(t *testing.T) {
	env := startConsole(t, nil)
	b := env.mustSignIn(t, "ana@example.org", agentPassword)
	ws := env.mustDialAgent(t, b)
	// The CLI disables the account from another process: its sessions go.
	if err := env.db.SetUserDisabled(t.Context(), env.agent.ID, true); err != nil {
		t.Fatal(err)
	}
	if code := expectClose(t, ws); code != websocket.ClosePolicyViolation {
		t.Fatalf("got close %d, want 1008", code)
	}
}

func TestAgentEventsAreEncodedAsTheProtocolSays(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 0, 5, 0, time.UTC)
	msg := bot.Message{ConversationID: "c1", Seq: 7, From: bot.FromPatient, Text: "hello", At: at, ClientID: "patient-private"}
	agentMsg := bot.Message{ConversationID: "c1", Seq: 8, From: bot.FromAgent, Agent: "Ana", Text: "Hi", At: at, ClientID: "s1"}
	note := bot.Message{ConversationID: "c1", From: bot.FromNote, Agent: "Ana", Text: "internal", At: at}
	view := deskView("c1")
	tests := []struct {
		name string
		ev   bot.AgentEvent
		want string
	}{
		{"queue", bot.AgentEvent{Queue: []bot.QueueItem{{ConversationID: "q1", Queue: "portal-support", Reason: "locked",
			Waiting: 95600 * time.Millisecond, Position: 2, Locale: "es", Verified: true}}},
			`{"type":"queue","items":[{"conversation":"q1","queue":"portal-support","reason":"locked","waiting_s":95,"position":2,"locale":"es","verified":true}]}`},
		{"queue with a patient who left", bot.AgentEvent{Queue: []bot.QueueItem{
			{ConversationID: "q1", Queue: "portal-support", Waiting: 300 * time.Second, Position: 1, Locale: "en", Left: 240900 * time.Millisecond},
			{ConversationID: "q2", Queue: "portal-support", Waiting: time.Second, Position: 2, Locale: "en", Left: time.Millisecond}}},
			`{"type":"queue","items":[{"conversation":"q1","queue":"portal-support","reason":"","waiting_s":300,"position":1,"locale":"en","verified":false,"left_s":240},` +
				`{"conversation":"q2","queue":"portal-support","reason":"","waiting_s":1,"position":2,"locale":"en","verified":false,"left_s":1}]}`},
		{"empty queue", bot.AgentEvent{Queue: []bot.QueueItem{}}, `{"type":"queue","items":[]}`},
		{"empty queue as nil", bot.AgentEvent{}, `{"type":"queue","items":[]}`},
		{"patient msg", bot.AgentEvent{Message: &msg},
			`{"type":"msg","seq":7,"from":"patient","text":"hello","at":"2026-03-01T12:00:05Z","conversation":"c1"}`},
		{"agent msg", bot.AgentEvent{Message: &agentMsg},
			`{"type":"msg","seq":8,"from":"agent","text":"Hi","at":"2026-03-01T12:00:05Z","agent":"Ana","conversation":"c1","id":"s1"}`},
		{"note", bot.AgentEvent{Message: &note},
			`{"type":"msg","seq":0,"from":"note","text":"internal","at":"2026-03-01T12:00:05Z","agent":"Ana","conversation":"c1"}`},
		{"typing", bot.AgentEvent{Typing: &bot.AgentTyping{ConversationID: "c1", On: true}},
			`{"type":"typing","conversation":"c1","from":"patient","on":true}`},
		{"assigned", bot.AgentEvent{Assigned: &bot.Assignment{ConversationID: "c1", AgentID: "a1", AgentName: "Ana"}},
			`{"type":"assigned","conversation":"c1","agent":"a1","agent_name":"Ana"}`},
		{"released", bot.AgentEvent{Released: &bot.Assignment{ConversationID: "c1", AgentID: "a1"}},
			`{"type":"released","conversation":"c1","agent":"a1"}`},
		{"followups", bot.AgentEvent{Followups: []bot.Followup{{ID: "f1", ConversationID: "c1", Queue: "portal-support",
			Contact: "555-0100", Question: "Call me", CreatedAt: at}}},
			`{"type":"followups","items":[{"id":"f1","conversation":"c1","queue":"portal-support","contact":"555-0100","question":"Call me","at":"2026-03-01T12:00:05Z"}]}`},
		{"conversation", bot.AgentEvent{Conversation: &view},
			`{"type":"conversation","conversation":"c1","status":"agent","transcript":[` +
				`{"type":"msg","seq":1,"from":"bot","text":"Hi! How can I help?","at":"2026-03-01T12:00:00Z","conversation":"c1"},` +
				`{"type":"msg","seq":2,"from":"patient","text":"agent","at":"2026-03-01T12:00:01Z","conversation":"c1"}],` +
				`"identity":{"verified":true,"label":"O. A•••, born 1985","how":"otp_email","at":"2026-03-01T12:00:00Z","email":"o•••@example.org"},` +
				`"slots":{"first_name":"Olivia"},"flow":"reset_password","state":"ask_dob","reason":"patient_request","queue":"portal-support","agent":"a1","locale":"en"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := encodeAgentEvent(tt.ev)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Errorf("got  %s\nwant %s", b, tt.want)
			}
			var f map[string]any
			if err := json.Unmarshal(b, &f); err != nil || f["type"] == nil {
				t.Errorf("not one JSON object with a type: %s", b)
			}
		})
	}
}

func TestSlowConsoleIsDroppedNotWaitedOn(t *testing.T) {
	c := &agentConn{agent: bot.AgentInfo{ID: "a1"}}
	nop := zerolog.Nop()
	c.init(nil, "slow", &nop, agentSendBuffer, pingPeriod)
	c.writing = true // its writer is stuck on a console that reads nothing
	ev := bot.AgentEvent{Typing: &bot.AgentTyping{ConversationID: "c1", On: true}}
	for i := range agentSendBuffer {
		if !c.Deliver(ev) {
			t.Fatalf("event %d refused with room in the buffer", i+1)
		}
	}
	if c.Deliver(ev) {
		t.Fatal("a full console accepted another event")
	}
	if !c.isStopped() {
		t.Fatal("a full console was not stopped")
	}
	if c.closeCode != websocket.CloseTryAgainLater {
		t.Errorf("got close code %d, want 1013", c.closeCode)
	}
	if c.Deliver(ev) {
		t.Error("a stopped console accepted an event")
	}
}
