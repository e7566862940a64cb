package web

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/portico-chat/portico/bot"
)

func TestPatientSocketHandshake(t *testing.T) {
	ts := startServer(t, newFakeEngine(), Deps{}, nil, nil)
	tests := []struct {
		name      string
		origin    string
		protocols []string
		want      int
	}{
		{"own origin", ts.origin, []string{Subprotocol}, http.StatusSwitchingProtocols},
		{"foreign origin", "https://evil.example", []string{Subprotocol}, http.StatusForbidden},
		{"missing origin", "", []string{Subprotocol}, http.StatusForbidden},
		{"null origin", "null", []string{Subprotocol}, http.StatusForbidden},
		{"own host, other port", "http://127.0.0.1:1", []string{Subprotocol}, http.StatusForbidden},
		{"no subprotocol", ts.origin, nil, http.StatusBadRequest},
		{"other subprotocol", ts.origin, []string{"portico.v2"}, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws, resp, _ := dialWS(ts.wsURL(), tt.origin, tt.protocols...)
			if resp == nil {
				t.Fatal("no HTTP response")
			}
			if resp.StatusCode != tt.want {
				t.Fatalf("got status %d, want %d", resp.StatusCode, tt.want)
			}
			if ws == nil {
				return
			}
			defer ws.Close()
			if got := ws.Subprotocol(); got != Subprotocol {
				t.Errorf("got subprotocol %q, want %q", got, Subprotocol)
			}
		})
	}
}

func TestHelloWelcomeComesBeforeReplayAndLiveEvents(t *testing.T) {
	eng := newFakeEngine(botMessage(1, "one"), botMessage(2, "two"), botMessage(3, "three"))
	// A live event from another goroutine lands while Hello is still running.
	eng.duringHello = func(c bot.Client) {
		done := make(chan bool)
		go func() {
			m := botMessage(4, "live")
			done <- c.Deliver(bot.Event{Message: &m})
		}()
		if !<-done {
			t.Error("live Deliver during Hello refused")
		}
	}
	ts := startServer(t, eng, Deps{}, nil, nil)
	ws := ts.dial(t)
	send(t, ws, `{"type":"hello","resume":"token-1","last_seq":1,"locale":"en"}`)

	w := expectType(t, ws, "welcome")
	if w["conversation"] != "c1" || w["resume"] != "token-1" || w["seq"] != 3.0 || w["status"] != "bot" {
		t.Errorf("got welcome %v, want conversation c1, resume token-1, seq 3, status bot", w)
	}
	for _, want := range []float64{2, 3, 4} {
		m := expectType(t, ws, "msg")
		if m["seq"] != want {
			t.Fatalf("got msg seq %v, want %v", m["seq"], want)
		}
	}
}

func TestHelloWithDeadTokenSaysExpiredBeforeWelcome(t *testing.T) {
	ts := startServer(t, newFakeEngine(), Deps{}, nil, nil)
	ws := ts.dial(t)
	send(t, ws, `{"type":"hello","resume":"dead","last_seq":7,"locale":"en"}`)
	e := expectType(t, ws, "error")
	if e["code"] != CodeExpired || e["message"] == "" {
		t.Errorf("got %v, want code expired with a message", e)
	}
	expectType(t, ws, "welcome")
}

func TestResumeOnlyHelloWithDeadTokenStartsNothing(t *testing.T) {
	// A widget restoring a chat on a new page must not start a conversation
	// the patient did not ask for: error{expired}, no welcome, and the
	// socket may say hello again (here: for the new chat the patient asks for).
	eng := newFakeEngine()
	ts := startServer(t, eng, Deps{}, nil, nil)
	ws := ts.dial(t)
	send(t, ws, `{"type":"hello","resume":"dead","last_seq":7,"locale":"en","resume_only":true}`)
	if e := expectType(t, ws, "error"); e["code"] != CodeExpired || e["message"] != "This chat has ended." {
		t.Errorf("got %v, want expired: This chat has ended.", e)
	}
	select {
	case c := <-eng.attached:
		t.Fatalf("attached %v, want no conversation", c)
	default:
	}
	hello(t, ws)
}

func TestFailedHello(t *testing.T) {
	ts := startServer(t, newFakeEngine(botMessage(1, "Hi")), Deps{}, nil, nil)
	ws := ts.dial(t)
	send(t, ws, `{"type":"hello","start":"nope"}`)
	if e := expectType(t, ws, "error"); e["code"] != CodeInvalid || e["message"] != "We cannot help with that here." {
		t.Errorf("got %v, want invalid with the engine's message", e)
	}
	// The connection may say hello again; nothing from the failed one leaks.
	hello(t, ws)
	if m := expectType(t, ws, "msg"); m["seq"] != 1.0 {
		t.Errorf("got msg seq %v after the retried hello, want 1", m["seq"])
	}

	ws = ts.dial(t)
	send(t, ws, `{"type":"hello","start":"crash"}`)
	if e := expectType(t, ws, "error"); e["code"] != CodeInternal || e["message"] != textInternal {
		t.Errorf("got %v, want internal with the generic message", e)
	}
	if got := expectClose(t, ws); got != websocket.CloseInternalServerErr {
		t.Errorf("got close code %d, want %d", got, websocket.CloseInternalServerErr)
	}
}

func TestSayIsAckedThenAnswered(t *testing.T) {
	eng := newFakeEngine(botMessage(1, "Hi, how can I help?"))
	ts := startServer(t, eng, Deps{}, nil, nil)
	ws := ts.dial(t)
	hello(t, ws)
	expectType(t, ws, "msg") // the replayed greeting

	send(t, ws, `{"type":"say","id":"s-1","text":"CANARY-7f3a my secret words"}`)
	ack := expectType(t, ws, "ack")
	if ack["id"] != "s-1" || ack["seq"] != 2.0 {
		t.Errorf("got ack %v, want id s-1 seq 2", ack)
	}
	mine := expectType(t, ws, "msg")
	if mine["from"] != "patient" || mine["seq"] != 2.0 {
		t.Errorf("got %v, want the patient's own message as seq 2", mine)
	}
	if _, err := time.Parse(time.RFC3339, mine["at"].(string)); err != nil || !strings.HasSuffix(mine["at"].(string), "Z") {
		t.Errorf("got at %v, want RFC 3339 UTC", mine["at"])
	}
	if m := expectType(t, ws, "msg"); m["from"] != "bot" || m["seq"] != 3.0 {
		t.Errorf("got %v, want the bot's answer as seq 3", m)
	}

	// The same say id again is forwarded to the engine, which acks the
	// original seq and does not run the turn twice.
	send(t, ws, `{"type":"say","id":"s-1","text":"CANARY-7f3a my secret words"}`)
	if ack := expectType(t, ws, "ack"); ack["seq"] != 2.0 {
		t.Errorf("got resent ack seq %v, want 2", ack["seq"])
	}
	send(t, ws, `{"type":"say","id":"s-2","reply":"reset_password"}`)
	if ack := expectType(t, ws, "ack"); ack["id"] != "s-2" || ack["seq"] != 4.0 {
		t.Errorf("got %v, want ack s-2 seq 4 (no message between the duplicate ack and this)", ack)
	}
	for _, want := range []string{"say:s-1", "say:s-1", "say:s-2"} {
		if got := eng.nextCall(t); got != want {
			t.Errorf("got engine call %q, want %q", got, want)
		}
	}
	if strings.Contains(ts.logs.String(), "CANARY-7f3a") {
		t.Error("a patient's words reached the log")
	}
}

func TestOtherFramesReachTheEngine(t *testing.T) {
	eng := newFakeEngine()
	ts := startServer(t, eng, Deps{}, nil, nil)
	ws := ts.dial(t)
	hello(t, ws)
	for _, tt := range []struct{ frame, call string }{
		{`{"type":"typing","on":true}`, "typing:true"},
		{`{"type":"typing","on":false}`, "typing:false"},
		{`{"type":"seen","seq":3}`, "seen:3"},
		{`{"type":"bye"}`, "bye"},
		{`{"type":"locale","locale":"es-MX"}`, "locale:es-MX"},
	} {
		send(t, ws, tt.frame)
		if got := eng.nextCall(t); got != tt.call {
			t.Errorf("%s: got engine call %q, want %q", tt.frame, got, tt.call)
		}
	}
}

func TestBadFramesGetAnErrorAndTheConnectionStays(t *testing.T) {
	ts := startServer(t, newFakeEngine(), Deps{}, func(c *Config) { c.RateBurst = 100 }, nil)
	ws := ts.dial(t)
	send(t, ws, `{"type":"say","id":"early","text":"hi"}`)
	if e := expectType(t, ws, "error"); e["code"] != CodeBadFrame || e["message"] != textNoHello {
		t.Errorf("say before hello: got %v, want bad_frame %q", e, textNoHello)
	}
	hello(t, ws)
	tests := []struct {
		frame string
		code  string
		msg   string // a part of the message
	}{
		{`not json`, CodeBadFrame, "JSON object"},
		{`{"type":`, CodeBadFrame, "not valid JSON"},
		{`{"type":"dance"}`, CodeUnknownType, `"dance"`},
		{`{"text":"hi"}`, CodeBadFrame, "missing field type"},
		{`{"type":"say","text":"hi"}`, CodeBadFrame, "say needs a non-empty id"},
		{`{"type":"say","id":"x"}`, CodeBadFrame, "say needs text or reply"},
		{`{"type":"say","id":"x","text":"   "}`, CodeBadFrame, "say needs text or reply"},
		{`{"type":"typing"}`, CodeBadFrame, "typing needs on"},
		{`{"type":"seen","seq":"3"}`, CodeBadFrame, "seq must be an integer"},
		{`{"type":"hello"}`, CodeBadFrame, textHelloTwice},
	}
	for _, tt := range tests {
		send(t, ws, tt.frame)
		e := expectType(t, ws, "error")
		if e["code"] != tt.code || !strings.Contains(e["message"].(string), tt.msg) {
			t.Errorf("%s: got %v, want code %s with %q", tt.frame, e, tt.code, tt.msg)
		}
	}
	if err := ws.WriteMessage(websocket.BinaryMessage, []byte(`{"type":"bye"}`)); err != nil {
		t.Fatal(err)
	}
	if e := expectType(t, ws, "error"); e["code"] != CodeBadFrame {
		t.Errorf("binary frame: got %v, want bad_frame", e)
	}
	send(t, ws, `{"type":"say","id":"after","text":"still here?"}`)
	expectType(t, ws, "ack")
}

func TestEngineErrorsMapToErrorFrames(t *testing.T) {
	ts := startServer(t, newFakeEngine(), Deps{}, nil, nil)
	ws := ts.dial(t)
	hello(t, ws)
	tests := []struct {
		text, code, msg string
	}{
		{"invalid", CodeInvalid, "That date does not look right."},
		{"limited", CodeRateLimited, textRateLimited},
		{"expired", CodeExpired, textExpired},
		{"boom", CodeInternal, textInternal},
	}
	for _, tt := range tests {
		send(t, ws, `{"type":"say","id":"`+tt.text+`","text":"`+tt.text+`"}`)
		e := expectType(t, ws, "error")
		if e["code"] != tt.code || e["message"] != tt.msg {
			t.Errorf("%s: got %v, want code %s message %q", tt.text, e, tt.code, tt.msg)
		}
	}
	logs := ts.logs.String()
	if !strings.Contains(logs, `"conversation":"c1"`) || !strings.Contains(logs, "disk on fire") {
		t.Errorf("internal error not logged with its conversation: %s", logs)
	}
}

func TestFrameOverReadLimitClosesWith1009(t *testing.T) {
	ts := startServer(t, newFakeEngine(), Deps{}, func(c *Config) { c.ReadLimit = 1024 }, nil)
	ws := ts.dial(t)
	hello(t, ws)
	send(t, ws, `{"type":"say","id":"big","text":"`+strings.Repeat("a", 2000)+`"}`)
	if got := expectClose(t, ws); got != websocket.CloseMessageTooBig {
		t.Errorf("got close code %d, want %d", got, websocket.CloseMessageTooBig)
	}
}

func TestRateLimitDropsExcessFrames(t *testing.T) {
	// The clock stands still for the bucket and the first five frames,
	// then jumps one refill (10s) ahead: no race with the socket.
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var calls atomic.Int32
	now := func() time.Time {
		if calls.Add(1) > 6 {
			return t0.Add(10 * time.Second)
		}
		return t0
	}
	eng := newFakeEngine()
	ts := startServer(t, eng, Deps{}, func(c *Config) {
		c.RateBurst, c.RateFrames, c.RateWindow = 3, 1, 10*time.Second
	}, func(s *Server) { s.now = now })
	ws := ts.dial(t)
	hello(t, ws)                                                 // token 1 of 3
	send(t, ws, `{"type":"typing","on":true}`)                   // token 2
	send(t, ws, `{"type":"typing","on":false}`)                  // token 3
	send(t, ws, `{"type":"seen","seq":1}`)                       // dropped, with an error
	send(t, ws, `{"type":"seen","seq":2}`)                       // dropped silently
	send(t, ws, `{"type":"say","id":"later","text":"hi again"}`) // 10s later: a fresh token

	e := expectType(t, ws, "error")
	if e["code"] != CodeRateLimited || e["retry_after_s"] != 10.0 {
		t.Errorf("got %v, want rate_limited with retry_after_s 10", e)
	}
	expectType(t, ws, "ack") // no second error frame came first
	for _, want := range []string{"typing:true", "typing:false", "say:later"} {
		if got := eng.nextCall(t); got != want {
			t.Errorf("got engine call %q, want %q", got, want)
		}
	}
}

func TestFloodingClientIsDisconnected(t *testing.T) {
	ts := startServer(t, newFakeEngine(), Deps{}, func(c *Config) {
		c.RateBurst, c.RateFrames, c.RateWindow = 1, 1, time.Hour
	}, nil)
	ws := ts.dial(t)
	hello(t, ws)
	for range maxDroppedFrames + 1 {
		send(t, ws, `{"type":"typing","on":true}`)
	}
	if got := expectClose(t, ws); got != websocket.ClosePolicyViolation {
		t.Errorf("got close code %d, want %d", got, websocket.ClosePolicyViolation)
	}
}
