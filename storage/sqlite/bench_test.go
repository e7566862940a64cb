package sqlite_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/bottest"
)

// BenchmarkCommit commits turns from parallel goroutines, one conversation
// each, as the engine does under load. Each turn writes 4 rows (2 messages,
// the conversation, 1 audit event); the metrics show how many turns and
// rows shared each transaction, and how many turns each fsync.
func BenchmarkCommit(b *testing.B) {
	ctx := context.Background()
	db := openTest(b)
	var next atomic.Int64
	before := db.Stats()
	b.ReportAllocs()
	b.SetParallelism(8)
	spent := bottest.ReadCost()
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
				Audit: []bot.AuditEvent{{Type: "verify.attempt", Actor: "conversation:" + c.ID, Outcome: "ok"}},
			}
			if err := db.Commit(ctx, turn); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	spent.Report(b, b.N)
	s := db.Stats()
	commits, writes, syncs := s.Commits-before.Commits, s.Writes-before.Writes, s.Syncs-before.Syncs
	if commits > 0 {
		b.ReportMetric(float64(writes)/float64(commits), "writes/commit")
		b.ReportMetric(4*float64(b.N)/float64(commits), "rows/commit")
	}
	if syncs > 0 {
		b.ReportMetric(float64(writes)/float64(syncs), "writes/fsync")
	}
}
