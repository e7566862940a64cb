package main

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/portico-chat/portico/connectors/web/client"
)

// TestNewConversationsPerAddressOverRealSockets: 40 sockets from one
// address say hello at once; exactly http.new_conversations_per_minute get
// a conversation, the others a rate_limited frame that says when to try
// again, and their sockets stay open for that later hello.
func TestNewConversationsPerAddressOverRealSockets(t *testing.T) {
	const n, limit = 40, 25
	app := startApp(t, map[string]string{"http.new_conversations_per_minute": "25"})
	conns := make([]*client.Conn, n)
	for i := range conns {
		conns[i] = dial(t, app.URL).conn
	}
	first := make([]client.Frame, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
			defer cancel()
			if err := c.Hello("", 0, "en", ""); err != nil {
				t.Error(err)
				return
			}
			f, err := c.Next(ctx)
			if err != nil {
				t.Error(err)
			}
			first[i] = f
		}()
	}
	close(start)
	wg.Wait()

	welcomed, limited := 0, 0
	var refusedConn *client.Conn
	for i, f := range first {
		switch {
		case f.Type == "welcome":
			welcomed++
		case f.Type == "error" && f.Code == "rate_limited" && f.RetryAfterS >= 1 && f.RetryAfterS <= 60 && strings.Contains(f.Message, "wait a minute"):
			limited++
			refusedConn = conns[i]
		default:
			t.Errorf("hello %d: got %s %q %q (retry after %ds), want welcome or rate_limited with retry_after_s", i, f.Type, f.Code, f.Message, f.RetryAfterS)
		}
	}
	if welcomed != limit || limited != n-limit {
		t.Fatalf("%d welcomed and %d refused of %d hellos from one address, want exactly %d welcomed", welcomed, limited, n, limit)
	}
	// The refused socket is still open: it may say hello again (and is
	// refused again, within the minute).
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := refusedConn.Hello("", 0, "en", ""); err != nil {
		t.Fatalf("hello again on the refused socket: %v", err)
	}
	if f, err := refusedConn.Next(ctx); err != nil || f.Code != "rate_limited" {
		t.Errorf("hello again within the minute: got %+v, %v; want rate_limited", f, err)
	}
}
