package web

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/portico-chat/portico/bot"
)

func TestConnectionsPerIPAreCapped(t *testing.T) {
	eng := newFakeEngine()
	ts := startServer(t, eng, Deps{}, func(c *Config) { c.MaxConnsPerIP = 2 }, nil)
	first, second := ts.dial(t), ts.dial(t)
	hello(t, first)
	hello(t, second)

	_, resp, err := dialWS(ts.wsURL(), ts.origin, Subprotocol)
	if err == nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("third socket: got %v, want HTTP 429", resp)
	}
	first.Close()
	select {
	case <-eng.detached: // the slot is released before the engine hears
	case <-time.After(waitLimit):
		t.Fatal("closed socket never detached")
	}
	hello(t, ts.dial(t))
}

func TestHelloMustArriveInTime(t *testing.T) {
	ts := startServer(t, newFakeEngine(), Deps{}, nil, func(s *Server) { s.helloWait = 100 * time.Millisecond })
	ws := ts.dial(t)
	if got := expectClose(t, ws); got != websocket.ClosePolicyViolation {
		t.Errorf("got close code %d, want %d", got, websocket.ClosePolicyViolation)
	}
}

func TestSlowConsumerIsDropped(t *testing.T) {
	eng := newFakeEngine()
	ts := startServer(t, eng, Deps{}, nil, func(s *Server) { s.sendBuffer = 4 })
	ws := ts.dial(t)
	hello(t, ws)
	client := <-eng.attached

	// The test client reads nothing: kernel buffers fill, then the queue.
	m := botMessage(1, strings.Repeat("x", 16<<10))
	dropped := false
	for i := 0; i < 100000 && !dropped; i++ {
		dropped = !client.Deliver(bot.Event{Message: &m})
	}
	if !dropped {
		t.Fatal("Deliver never refused a client that reads nothing")
	}
	if client.Deliver(bot.Event{Message: &m}) {
		t.Error("Deliver accepted an event after dropping the client")
	}
	select {
	case c := <-eng.detached:
		if c != client {
			t.Error("another client was detached")
		}
	case <-time.After(waitLimit + closeWait + writeWait):
		t.Fatal("dropped client never detached")
	}
	for {
		if _, err := tryRead(ws); err != nil {
			break // the socket ends, with 1013 or without a close frame
		}
	}
}

func TestPanicClosesOnlyItsConnection(t *testing.T) {
	ts := startServer(t, newFakeEngine(), Deps{}, nil, nil)
	victim, bystander := ts.dial(t), ts.dial(t)
	hello(t, victim)
	hello(t, bystander)

	send(t, victim, `{"type":"say","id":"p","text":"panic"}`)
	if got := expectClose(t, victim); got != websocket.CloseInternalServerErr {
		t.Errorf("got close code %d, want %d", got, websocket.CloseInternalServerErr)
	}
	send(t, bystander, `{"type":"say","id":"b","text":"are you there?"}`)
	expectType(t, bystander, "ack")
	if !strings.Contains(ts.logs.String(), "patient connection panicked") {
		t.Error("the panic was not logged")
	}
}

func TestShutdownClosesSocketsWith1012(t *testing.T) {
	ts := startServer(t, newFakeEngine(), Deps{}, nil, nil)
	a, b := ts.dial(t), ts.dial(t)
	hello(t, a)
	hello(t, b)

	shut := make(chan error, 1)
	go func() {
		ctx, cancel := contextWithTimeout(waitLimit)
		defer cancel()
		shut <- ts.Shutdown(ctx)
	}()
	for _, ws := range []*websocket.Conn{a, b} {
		if got := expectClose(t, ws); got != websocket.CloseServiceRestart {
			t.Errorf("got close code %d, want %d", got, websocket.CloseServiceRestart)
		}
	}
	if err := <-shut; err != nil {
		t.Errorf("shutdown: %v", err)
	}
	if err := <-ts.served; err != nil {
		t.Errorf("serve returned %v, want nil after shutdown", err)
	}
	if _, _, err := dialWS(ts.wsURL(), ts.origin, Subprotocol); err == nil {
		t.Error("a socket opened after shutdown")
	}
}

func TestSocketOutlivesHTTPTimeouts(t *testing.T) {
	const short = 200 * time.Millisecond
	ts := startServer(t, newFakeEngine(), Deps{}, nil, func(s *Server) {
		s.http.ReadTimeout, s.http.WriteTimeout = short, short
	})
	ws := ts.dial(t)
	hello(t, ws)
	<-time.After(3 * short) // no event to await: the point is that time passes
	send(t, ws, `{"type":"say","id":"late","text":"still open?"}`)
	expectType(t, ws, "ack")
}
