package web

import (
	"fmt"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/portico-chat/portico/bot"
)

// socketOf returns the server's only open patient socket.
func socketOf(t *testing.T, ts *testServer) *patientConn {
	t.Helper()
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if len(ts.sockets) != 1 {
		t.Fatalf("%d sockets open, want 1", len(ts.sockets))
	}
	for c := range ts.sockets {
		return c
	}
	return nil
}

// writerRunning reports whether the socket has a writer goroutine.
func writerRunning(c *patientConn) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.writing
}

// awaitIdleWriter waits until the socket's writer has ended. The writer
// ends on its own once the queue is empty; there is no event to await, so
// this polls, bounded by waitLimit.
func awaitIdleWriter(t *testing.T, c *patientConn) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for writerRunning(c) {
		if time.Now().After(deadline) {
			t.Fatal("the writer goroutine never ended on an idle socket")
		}
		time.Sleep(time.Millisecond)
	}
}

// An idle socket keeps no writer goroutine; delivering starts one, which
// writes in order and ends again.
func TestWriterRunsOnlyWhileThereIsSomethingToWrite(t *testing.T) {
	eng := newFakeEngine()
	ts := startServer(t, eng, Deps{}, nil, nil)
	ws := ts.dial(t)
	hello(t, ws)
	client := <-eng.attached
	c := socketOf(t, ts)
	awaitIdleWriter(t, c)

	for round := range 3 {
		for i := range 5 {
			m := botMessage(int64(10*round+i), fmt.Sprint("message ", round, ".", i))
			if !client.Deliver(bot.Event{Message: &m}) {
				t.Fatal("Deliver refused a reading client")
			}
		}
		for i := range 5 {
			f := expectType(t, ws, "msg")
			if got, want := f["text"], fmt.Sprint("message ", round, ".", i); got != want {
				t.Fatalf("round %d: got %v, want %q (in order)", round, got, want)
			}
		}
		awaitIdleWriter(t, c)
	}
}

// Pings keep coming on an idle socket, each one re-arming the next.
func TestIdleSocketIsPinged(t *testing.T) {
	ts := startServer(t, newFakeEngine(), Deps{}, nil, func(s *Server) { s.pingPeriod = 20 * time.Millisecond })
	ws := ts.dial(t)
	hello(t, ws)
	pings := make(chan struct{}, 16)
	ws.SetPingHandler(func(data string) error {
		select {
		case pings <- struct{}{}:
		default:
		}
		return ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
	})
	go func() {
		for {
			if _, err := tryRead(ws); err != nil {
				return
			}
		}
	}()
	for i := range 3 {
		select {
		case <-pings:
		case <-time.After(waitLimit):
			t.Fatalf("ping %d never came", i+1)
		}
	}
}

// A replay longer than the live queue's limit is not a slow consumer:
// welcome and every replayed message arrive, and live messages after them.
func TestLongReplayIsNotASlowConsumer(t *testing.T) {
	const replayed = 40
	var stored []bot.Message
	for i := range replayed {
		stored = append(stored, botMessage(int64(i+1), fmt.Sprint("replayed ", i+1)))
	}
	eng := newFakeEngine(stored...)
	ts := startServer(t, eng, Deps{}, nil, func(s *Server) { s.sendBuffer = 4 })
	ws := ts.dial(t)
	hello(t, ws)
	client := <-eng.attached
	m := botMessage(replayed+1, "live")
	if !client.Deliver(bot.Event{Message: &m}) {
		t.Fatal("a live message right after a long replay was refused")
	}
	for i := range replayed + 1 {
		f := expectType(t, ws, "msg")
		if got := int(f["seq"].(float64)); got != i+1 {
			t.Fatalf("frame %d: seq %d, want %d", i, got, i+1)
		}
	}
}
