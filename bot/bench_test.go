package bot_test

import (
	"fmt"
	"testing"

	"github.com/portico-chat/portico/bot"
)

// BenchmarkTurn measures one dialog turn through the engine on a real
// SQLite file: the say, the bot's answer and the conversation's new state
// committed durably, then told to the client. Turns alternate between an
// answer the greeting does not understand (a re-prompt) and "restart"
// (which starts the greeting again), so the dialog never runs out.
func BenchmarkTurn(b *testing.B) {
	h := newHarness(b)
	c := h.open("")
	rec := &recorder{}
	words := []string{"blorp", "restart"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		s := bot.Say{ID: fmt.Sprintf("bench-%d", i), Text: words[i%2], Source: testIP}
		if err := h.eng.Say(h.ctx, c.id, rec, s); err != nil {
			b.Fatal(err)
		}
		rec.Take()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "turns/s")
	b.StopTimer()
	if got := c.conv().Status; got != bot.StatusBot {
		b.Errorf("status %s after the benchmark, want bot (the turns must stay repeatable)", got)
	}
}
