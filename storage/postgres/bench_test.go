package postgres_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/portico-chat/portico/bot"
)

// BenchmarkCommit commits turns from parallel goroutines, one conversation
// each, as the engine does under load: the same turn as storage/sqlite's
// BenchmarkCommit (2 messages, the conversation, 1 audit event), each its
// own transaction and commit.
func BenchmarkCommit(b *testing.B) {
	b.Run("audited", func(b *testing.B) { benchmarkCommit(b, true) })
	b.Run("unaudited", func(b *testing.B) { benchmarkCommit(b, false) })
}

// benchmarkCommit runs BenchmarkCommit's turns, with or without their
// audit event: every audited turn holds the chain's lock through its
// commit, so the pair shows what the chain costs.
func benchmarkCommit(b *testing.B, audited bool) {
	ctx := context.Background()
	db := openTest(b)
	var next atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		c := &bot.Conversation{ID: fmt.Sprintf("bench-%d", next.Add(1)), Status: bot.StatusBot}
		if err := db.CreateConversation(ctx, c); err != nil {
			b.Error(err)
			return
		}
		for pb.Next() {
			c.Step++
			turn := &bot.Turn{Conversation: c,
				Messages: []bot.Message{
					{ClientID: fmt.Sprint(c.Step), From: bot.FromPatient, Text: "01/31/1990"},
					{From: bot.FromBot, Text: "Thanks. What is your ZIP code?"},
				},
			}
			if audited {
				turn.Audit = []bot.AuditEvent{{Type: "verify.attempt", Actor: "conversation:" + c.ID, Outcome: "ok"}}
			}
			if err := db.Commit(ctx, turn); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
