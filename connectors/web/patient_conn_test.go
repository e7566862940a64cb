package web

import (
	"fmt"
	"testing"

	"github.com/portico-chat/portico/bot"
)

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
