package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
)

// waitLimit bounds every wait in these tests; reaching it is a failure.
const waitLimit = 5 * time.Second

// fakeEngine is a hand-written Conversations: one conversation "c1" whose
// transcript starts with the messages in stored. Say texts steer it:
// "panic" panics, "invalid", "limited", "expired" and "boom" fail; hello
// with start "nope" or "crash" fails.
type fakeEngine struct {
	mu          sync.Mutex
	stored      []bot.Message
	sayIDs      map[string]int64
	clients     map[bot.Client]bool
	duringHello func(c bot.Client) // runs inside Hello after the replay

	calls    chan string     // "typing:true", "seen:3", "bye", "say:<id>"
	detached chan bot.Client // every Detach
	attached chan bot.Client // every successful Hello
}

func newFakeEngine(stored ...bot.Message) *fakeEngine {
	return &fakeEngine{
		stored:   stored,
		sayIDs:   make(map[string]int64),
		clients:  make(map[bot.Client]bool),
		calls:    make(chan string, 1000),
		detached: make(chan bot.Client, 100),
		attached: make(chan bot.Client, 100),
	}
}

func botMessage(seq int64, text string) bot.Message {
	return bot.Message{ConversationID: "c1", Seq: seq, From: bot.FromBot, Text: text,
		At: time.Date(2025, 3, 1, 12, 0, int(seq), 0, time.UTC)}
}

func (e *fakeEngine) Hello(_ context.Context, h bot.Hello, c bot.Client) (bot.Welcome, error) {
	switch h.Start {
	case "nope":
		m := botMessage(99, "must not be seen")
		c.Deliver(bot.Event{Message: &m})
		return bot.Welcome{}, bot.Errorf(bot.EINVALID, "We cannot help with that here.")
	case "crash":
		return bot.Welcome{}, errors.New("store: closed")
	}
	if h.Resume == "dead" && h.ResumeOnly {
		return bot.Welcome{}, bot.Errorf(bot.EEXPIRED, "This chat has ended.")
	}
	e.mu.Lock()
	w := bot.Welcome{ConversationID: "c1", Resume: "token-1", Seq: int64(len(e.stored)), Status: bot.StatusBot}
	if h.Resume == "dead" {
		w.Expired = true
	}
	for _, m := range e.stored {
		if m.Seq > h.LastSeq {
			c.Deliver(bot.Event{Message: &m})
		}
	}
	e.clients[c] = true
	during := e.duringHello
	e.mu.Unlock()
	if during != nil {
		during(c)
	}
	e.attached <- c
	return w, nil
}

func (e *fakeEngine) Say(_ context.Context, conv string, c bot.Client, s bot.Say) error {
	e.calls <- "say:" + s.ID
	switch s.Text {
	case "panic":
		panic("engine bug")
	case "invalid":
		return bot.Errorf(bot.EINVALID, "That date does not look right.")
	case "limited":
		return fmt.Errorf("say: %w", bot.Errorf(bot.ERATELIMITED, ""))
	case "expired":
		return bot.Errorf(bot.EEXPIRED, "")
	case "boom":
		return errors.New("store: disk on fire")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if seq, ok := e.sayIDs[s.ID]; ok {
		c.Deliver(bot.Event{Ack: &bot.Ack{ID: s.ID, Seq: seq}})
		return nil
	}
	seq := int64(len(e.stored)) + 1
	e.sayIDs[s.ID] = seq
	mine := bot.Message{ConversationID: conv, Seq: seq, From: bot.FromPatient, Text: s.Text + s.Reply, At: time.Now()}
	reply := botMessage(seq+1, "You said something.")
	e.stored = append(e.stored, mine, reply)
	c.Deliver(bot.Event{Ack: &bot.Ack{ID: s.ID, Seq: seq}})
	for cl := range e.clients {
		if !cl.Deliver(bot.Event{Message: &mine}) || !cl.Deliver(bot.Event{Message: &reply}) {
			delete(e.clients, cl)
		}
	}
	return nil
}

func (e *fakeEngine) Typing(_ context.Context, _ string, on bool) error {
	e.calls <- fmt.Sprintf("typing:%v", on)
	return nil
}

func (e *fakeEngine) Seen(_ context.Context, _ string, seq int64) error {
	e.calls <- fmt.Sprintf("seen:%d", seq)
	return nil
}

func (e *fakeEngine) Bye(context.Context, string) error {
	e.calls <- "bye"
	return nil
}

func (e *fakeEngine) SetLocale(_ context.Context, _ string, _ bot.Client, locale, _ string) error {
	e.calls <- "locale:" + locale
	return nil
}

func (e *fakeEngine) Detach(_ string, c bot.Client) {
	e.mu.Lock()
	delete(e.clients, c)
	e.mu.Unlock()
	e.detached <- c
}

// nextCall waits for the engine's next recorded call.
func (e *fakeEngine) nextCall(t *testing.T) string {
	t.Helper()
	select {
	case c := <-e.calls:
		return c
	case <-time.After(waitLimit):
		t.Fatal("engine was not called")
		return ""
	}
}

// syncBuffer is a log sink that tests read while the server writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testServer is a Server listening on a random local port.
type testServer struct {
	*Server
	base   string // http://127.0.0.1:port
	origin string // an allowed Origin
	logs   *syncBuffer
	served chan error
}

// startServer serves on 127.0.0.1:0 until the test ends. edit may adjust
// the configuration (the listener's origin is already allowed) and tune
// may adjust the server before it serves.
func startServer(t *testing.T, eng Conversations, deps Deps, edit func(*Config), tune func(*Server)) *testServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + l.Addr().String()
	cfg := Config{PublicURL: base, Node: "test"}
	if edit != nil {
		edit(&cfg)
	}
	logs := &syncBuffer{}
	s := New(cfg, eng, deps, zerolog.New(logs))
	if tune != nil {
		tune(s)
	}
	ts := &testServer{Server: s, base: base, origin: base, logs: logs, served: make(chan error, 1)}
	go func() { ts.served <- s.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		s.Shutdown(ctx)
	})
	return ts
}

func (ts *testServer) wsURL() string { return "ws" + strings.TrimPrefix(ts.base, "http") + "/ws" }

// dial opens a patient socket with an allowed Origin and the subprotocol.
func (ts *testServer) dial(t *testing.T) *websocket.Conn {
	t.Helper()
	ws, resp, err := dialWS(ts.wsURL(), ts.origin, Subprotocol)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial: %v (status %d)", err, status)
	}
	t.Cleanup(func() { ws.Close() })
	return ws
}

func dialWS(url, origin string, protocols ...string) (*websocket.Conn, *http.Response, error) {
	h := http.Header{}
	if origin != "" {
		h.Set("Origin", origin)
	}
	d := websocket.Dialer{Subprotocols: protocols, HandshakeTimeout: waitLimit}
	return d.Dial(url, h)
}

// hello sends hello and reads the welcome.
func hello(t *testing.T, ws *websocket.Conn) map[string]any {
	t.Helper()
	send(t, ws, `{"type":"hello","resume":"","last_seq":0,"locale":"en"}`)
	return expectType(t, ws, "welcome")
}

func send(t *testing.T, ws *websocket.Conn, frame string) {
	t.Helper()
	if err := ws.WriteMessage(websocket.TextMessage, []byte(frame)); err != nil {
		t.Fatalf("send %s: %v", frame, err)
	}
}

// readFrame reads one frame as a generic JSON object.
func readFrame(t *testing.T, ws *websocket.Conn) map[string]any {
	t.Helper()
	f, err := tryRead(ws)
	if err != nil {
		t.Fatalf("read frame: %v", err)
	}
	return f
}

func tryRead(ws *websocket.Conn) (map[string]any, error) {
	ws.SetReadDeadline(time.Now().Add(waitLimit))
	var f map[string]any
	err := ws.ReadJSON(&f)
	return f, err
}

func expectType(t *testing.T, ws *websocket.Conn, typ string) map[string]any {
	t.Helper()
	f := readFrame(t, ws)
	if f["type"] != typ {
		t.Fatalf("got frame %v, want type %q", f, typ)
	}
	return f
}

// expectClose reads until the server closes and returns the close code.
func expectClose(t *testing.T, ws *websocket.Conn) int {
	t.Helper()
	for {
		_, err := tryRead(ws)
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			return ce.Code
		}
		t.Fatalf("got %v, want a close frame", err)
	}
}

func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}
