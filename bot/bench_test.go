package bot_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/bottest"
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
	spent := bottest.ReadCost()
	for i := 0; b.Loop(); i++ {
		s := bot.Say{ID: fmt.Sprintf("bench-%d", i), Text: words[i%2], Source: testIP}
		if err := h.eng.Say(h.ctx, c.id, rec, s); err != nil {
			b.Fatal(err)
		}
		rec.Take()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "turns/s")
	spent.Report(b, b.N)
	b.StopTimer()
	if got := c.conv().Status; got != bot.StatusBot {
		b.Errorf("status %s after the benchmark, want bot (the turns must stay repeatable)", got)
	}
}

// BenchmarkVerifyDialog runs whole verification dialogs, one after
// another, each on a new conversation: greeting to reset_password, name,
// date of birth, ZIP, a code by email, a wrong code, the right code. Its
// turns make one to five writes each (reservations, releases, the code),
// so it shows what a turn's writes before its commit cost.
func BenchmarkVerifyDialog(b *testing.B) {
	h := newHarnessWith(b, func(l *bot.Limits) {
		l.CodeSendsPerWindow, l.CodeSendsPerDay = 1<<30, 1<<30
		l.IPFailures, l.FailuresBeforePause, l.HardLockAfter = 1<<30, 1<<30, 1<<30
	}, nil)
	b.ReportAllocs()
	turns := 0
	spent := bottest.ReadCost()
	for b.Loop() {
		c := h.open("reset_password")
		c.requestCode(olivia)
		c.say(c.wrongCode())
		c.say(c.code())
		turns += 8
	}
	b.ReportMetric(float64(turns)/b.Elapsed().Seconds(), "turns/s")
	spent.Report(b, turns)
}

// BenchmarkTurnParallel is BenchmarkTurn from 16 conversations at once,
// as the engine runs under load: their commits share transactions and
// fsyncs (group commit).
func BenchmarkTurnParallel(b *testing.B) {
	h := newHarness(b)
	var next atomic.Int64
	words := []string{"blorp", "restart"}
	b.ReportAllocs()
	b.SetParallelism(8)
	spent := bottest.ReadCost()
	b.RunParallel(func(pb *testing.PB) {
		c := h.open("")
		rec := &recorder{}
		g := next.Add(1)
		for i := 0; pb.Next(); i++ {
			s := bot.Say{ID: fmt.Sprintf("bench-%d-%d", g, i), Text: words[i%2], Source: testIP}
			if err := h.eng.Say(h.ctx, c.id, rec, s); err != nil {
				b.Error(err)
				return
			}
			rec.Take()
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "turns/s")
	spent.Report(b, b.N)
}
