package web

import (
	"fmt"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/portico-chat/portico/bot"
)

// Both endpoints share one socket type; these tests run on each.

// endpointCase opens one endpoint's socket on env and returns the
// client's end, the server's socket and a way to deliver event i.
type endpointCase struct {
	name string
	open func(t *testing.T, env *consoleEnv) (ws *websocket.Conn, sock *socket, deliver func(i int) bool)
	// frame is the type of the frames deliver makes.
	frame string
}

var endpointCases = []endpointCase{
	{"patient", func(t *testing.T, env *consoleEnv) (*websocket.Conn, *socket, func(int) bool) {
		ws := env.dial(t)
		hello(t, ws)
		client := <-env.testServer.conv.(*fakeEngine).attached
		return ws, &client.(*patientConn).socket, func(i int) bool {
			m := botMessage(int64(i), fmt.Sprint("message ", i))
			return client.Deliver(bot.Event{Message: &m})
		}
	}, "msg"},
	{"agent", func(t *testing.T, env *consoleEnv) (*websocket.Conn, *socket, func(int) bool) {
		ws := env.mustDialAgent(t, env.mustSignIn(t, "ana@example.org", agentPassword))
		client := <-env.desk.attached
		return ws, &client.(*agentConn).socket, func(i int) bool {
			return client.Deliver(bot.AgentEvent{Typing: &bot.AgentTyping{ConversationID: fmt.Sprint("c", i), On: true}})
		}
	}, "typing"},
}

// writerRunning reports whether the socket has a writer goroutine.
func writerRunning(c *socket) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.writing
}

// awaitIdleWriter waits until the socket's writer has ended. The writer
// ends on its own once the queue is empty; there is no event to await, so
// this polls, bounded by waitLimit.
func awaitIdleWriter(t *testing.T, c *socket) {
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
func TestSocketsWriteOnlyWhileThereIsSomethingToWrite(t *testing.T) {
	for _, tt := range endpointCases {
		t.Run(tt.name, func(t *testing.T) {
			env := startConsole(t, nil)
			ws, sock, deliver := tt.open(t, env)
			awaitIdleWriter(t, sock)
			for round := range 3 {
				for i := range 5 {
					if !deliver(10*round + i) {
						t.Fatal("Deliver refused a reading client")
					}
				}
				for range 5 {
					expectType(t, ws, tt.frame)
				}
				awaitIdleWriter(t, sock)
			}
		})
	}
}

// Pings keep coming on an idle socket of either endpoint.
func TestSocketsArePinged(t *testing.T) {
	for _, tt := range endpointCases {
		t.Run(tt.name, func(t *testing.T) {
			env := startConsole(t, nil, func(s *Server) { s.pingPeriod = 20 * time.Millisecond })
			ws, _, _ := tt.open(t, env)
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
		})
	}
}

// A graceful shutdown closes patients' and agents' sockets alike with
// 1012, and counts only the patients' as open patient sockets.
func TestShutdownClosesBothEndpointsWith1012(t *testing.T) {
	env := startConsole(t, nil)
	var sockets []*websocket.Conn
	for _, tt := range endpointCases {
		ws, _, _ := tt.open(t, env)
		sockets = append(sockets, ws)
	}
	if got := env.OpenSockets(); got != 1 {
		t.Errorf("OpenSockets() = %d with one patient and one agent, want 1", got)
	}
	shut := make(chan error, 1)
	go func() {
		ctx, cancel := contextWithTimeout(waitLimit)
		defer cancel()
		shut <- env.Shutdown(ctx)
	}()
	for i, ws := range sockets {
		if got := expectClose(t, ws); got != websocket.CloseServiceRestart {
			t.Errorf("%s: got close code %d, want %d", endpointCases[i].name, got, websocket.CloseServiceRestart)
		}
	}
	if err := <-shut; err != nil {
		t.Errorf("shutdown: %v", err)
	}
	if got := env.OpenSockets(); got != 0 {
		t.Errorf("OpenSockets() = %d after shutdown, want 0", got)
	}
}
