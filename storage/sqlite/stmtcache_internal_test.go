package sqlite

import (
	"context"
	"fmt"
	"testing"

	"github.com/portico-chat/portico/bot"
)

// commitSay commits one patient say and the bot's answer.
func commitSay(t *testing.T, db *DB, c *bot.Conversation, id string) error {
	t.Helper()
	return db.Commit(context.Background(), &bot.Turn{Conversation: c, Messages: []bot.Message{
		{ClientID: id, From: bot.FromPatient, Text: "hello"},
		{From: bot.FromBot, Text: "Hi!"},
	}, Audit: []bot.AuditEvent{{Type: "test.turn", Actor: "conversation:" + c.ID, Outcome: "ok"}}})
}

// The writer's statements run unprepared the first time (its only
// connection is inside the transaction then), are prepared between
// transactions, and from then on behave exactly as before: seqs keep
// counting, and a say id seen before is still ECONFLICT.
func TestWriterPreparesHotStatementsBetweenTransactions(t *testing.T) {
	db := openInternal(t)
	ctx := context.Background()
	c := &bot.Conversation{ID: "c1", Status: bot.StatusBot}
	if err := db.CreateConversation(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := commitSay(t, db, c, "s1"); err != nil {
		t.Fatal(err)
	}
	// The writer goroutine prepares after answering; a second write is
	// only taken once that is done.
	if err := commitSay(t, db, c, "s2"); err != nil {
		t.Fatal(err)
	}
	db.wstmts.mu.Lock()
	prepared, missed := 0, len(db.wstmts.missed)
	for _, s := range db.wstmts.stmts {
		if s != nil {
			prepared++
		}
	}
	db.wstmts.mu.Unlock()
	// last_seq, the message, the conversation, the audit head and event.
	if prepared < 5 || missed != 0 {
		t.Fatalf("got %d writer statements prepared and %d waiting, want at least 5 and 0", prepared, missed)
	}
	for i := 3; i <= 5; i++ {
		if err := commitSay(t, db, c, fmt.Sprintf("s%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if c.LastSeq != 10 {
		t.Errorf("got last seq %d after 5 turns of 2 messages, want 10", c.LastSeq)
	}
	err := commitSay(t, db, c, "s2")
	if bot.ErrorCode(err) != bot.ECONFLICT {
		t.Errorf("got %v for a say id seen before, want ECONFLICT", err)
	}
	if c.LastSeq != 10 {
		t.Errorf("got last seq %d after a refused turn, want it unchanged at 10", c.LastSeq)
	}
	m, err := db.MessageByClientID(ctx, "c1", "s4")
	if err != nil || m.Seq != 7 {
		t.Fatalf("got %+v, %v for say s4, want seq 7", m, err)
	}
	if events, err := db.AuditEvents(ctx, 0, 100); err != nil || len(events) != 5 {
		t.Errorf("got %d audit events (%v), want 5", len(events), err)
	}
}

// A full cache hands out no statement, and the query still runs, unprepared.
func TestStmtCacheFullRunsUnprepared(t *testing.T) {
	db := openInternal(t)
	ctx := context.Background()
	c := newStmtCache(db.reader, false)
	t.Cleanup(c.close)
	for i := range maxCachedStmts {
		if c.get(ctx, fmt.Sprintf("SELECT %d", i)) == nil {
			t.Fatalf("statement %d not prepared below the bound", i)
		}
	}
	if s := c.get(ctx, "SELECT 'one more'"); s != nil {
		t.Errorf("got a statement beyond the bound of %d, want none", maxCachedStmts)
	}
	var got string
	if err := c.queryRow(ctx, "SELECT 'one more'").Scan(&got); err != nil || got != "one more" {
		t.Errorf("got %q, %v from an unprepared query, want %q", got, err, "one more")
	}
	// A statement that cannot be prepared gives the query's own error.
	c2 := newStmtCache(db.reader, false)
	t.Cleanup(c2.close)
	if err := c2.queryRow(ctx, "SELECT nope FROM nowhere").Scan(&got); err == nil {
		t.Error("got no error from a query on a missing table")
	}
}
