package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portico-chat/portico/connectors/web/client"
)

// waitLimit bounds every wait in these tests; nothing sleeps.
const waitLimit = 20 * time.Second

// syncBuffer collects log output from the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testApp is the whole server running in-process on a random port.
type testApp struct {
	*App
	URL  string // http://127.0.0.1:port
	Logs *syncBuffer
}

// startApp runs the server with the given configuration keys on top of
// demo mode, a database in t.TempDir() and debug logging (see runServer).
func startApp(t *testing.T, keys map[string]string) *testApp {
	t.Helper()
	s := runServer(t, keys)
	return &testApp{App: s.App, URL: s.URL, Logs: s.Logs}
}

// patient is a test patient's connection.
type patient struct {
	t    *testing.T
	conn *client.Conn
	n    int // say ids
	seen []client.Frame
}

// dial connects a patient to the app's /ws with the app's own origin.
func dial(t *testing.T, baseURL string) *patient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	conn, _, err := client.Dial(ctx, "ws"+strings.TrimPrefix(baseURL, "http")+"/ws", baseURL)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	return &patient{t: t, conn: conn}
}

// hello opens a conversation and returns the welcome and the frames of the
// bot's first turn.
func (p *patient) hello(resume string, lastSeq int64, locale, start string) (client.Frame, []client.Frame) {
	p.t.Helper()
	if err := p.conn.Hello(resume, lastSeq, locale, start); err != nil {
		p.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	w, err := p.conn.Next(ctx)
	if err != nil || w.Type != "welcome" {
		p.t.Fatalf("hello: got %+v, %v; want welcome", w, err)
	}
	if w.Status == "closed" || w.Status == "queued" {
		return w, nil
	}
	frames, err := p.conn.Turn(ctx)
	if err != nil {
		p.t.Fatalf("first turn: %v", err)
	}
	return w, frames
}

// say sends text (or a reply value, with the prefix "reply:") and returns
// the frames of the bot's answer, starting with the ack.
func (p *patient) say(text string) []client.Frame {
	p.t.Helper()
	p.n++
	id := "say-" + string(rune('a'+p.n/26)) + string(rune('a'+p.n%26))
	reply := ""
	if v, ok := strings.CutPrefix(text, "reply:"); ok {
		text, reply = "", v
	}
	if err := p.conn.Say(id, text, reply); err != nil {
		p.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	frames, err := p.conn.Turn(ctx)
	if err != nil {
		p.t.Fatalf("say %q: %v (frames %v)", text, err, texts(frames))
	}
	if len(frames) == 0 || frames[0].Type != "ack" || frames[0].ID != id {
		p.t.Fatalf("say %q: first frame %+v, want ack of %s", text, frames, id)
	}
	p.seen = append(p.seen, frames...)
	return frames
}

// texts returns the texts of the msg frames.
func texts(frames []client.Frame) []string {
	var out []string
	for _, f := range frames {
		if f.Type == "msg" {
			out = append(out, f.From+": "+f.Text)
		}
	}
	return out
}

// last returns the last msg frame.
func last(frames []client.Frame) client.Frame {
	for i := len(frames) - 1; i >= 0; i-- {
		if frames[i].Type == "msg" {
			return frames[i]
		}
	}
	return client.Frame{}
}
