package postgres_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/storage/postgres"
	"github.com/portico-chat/portico/storage/postgres/pgtest"
)

// The test binary, re-executed as a child with these set, runs the crash
// writer against that database instead of the tests.
const (
	crashURLEnv = "PORTICO_CRASH_POSTGRES_URL"
	crashKeyEnv = "PORTICO_CRASH_POSTGRES_KEY"
)

const (
	crashConversations = 4
	crashAcks          = 300 // acknowledged turns to wait for before the kill
)

// TestCrashKeepsAcknowledgedTurns kills -9 a process that is committing
// turns on PostgreSQL and checks that every turn it acknowledged survived,
// with seqs gap-free and the audit chain verifying; then that another
// store goes on with the same conversations at once (the dead process's
// row and advisory locks died with its connections).
func TestCrashKeepsAcknowledgedTurns(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a process")
	}
	opts := pgtest.Options(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashWriter$")
	cmd.Env = append(os.Environ(), crashURLEnv+"="+opts.URL, crashKeyEnv+"="+opts.KeyFile)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start crash writer: %v", err)
	}
	acked := map[string]int64{} // conversation → highest acknowledged seq
	lines := bufio.NewScanner(out)
	for n := 0; n < crashAcks && lines.Scan(); n++ {
		var id string
		var seq int64
		if _, err := fmt.Sscanf(lines.Text(), "ack %s %d", &id, &seq); err != nil {
			t.Fatalf("crash writer said %q: %v", lines.Text(), err)
		}
		acked[id] = max(acked[id], seq)
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatalf("kill: %v", err)
	}
	_ = cmd.Wait()
	if len(acked) == 0 {
		t.Fatalf("crash writer acknowledged nothing")
	}

	ctx := context.Background()
	db, err := postgres.Open(ctx, opts, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for id, seq := range acked {
		msgs, err := db.Messages(ctx, id, 0)
		if err != nil {
			t.Fatalf("Messages(%s): %v", id, err)
		}
		if int64(len(msgs)) < seq {
			t.Errorf("%s: got %d messages after the crash, want at least the %d acknowledged", id, len(msgs), seq)
		}
		for i, m := range msgs {
			if m.Seq != int64(i+1) {
				t.Fatalf("%s: message %d has seq %d, want %d", id, i, m.Seq, i+1)
			}
		}
		c, err := db.Conversation(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Commit(ctx, &bot.Turn{Conversation: c, Messages: []bot.Message{{From: bot.FromBot, Text: "after"}},
			Audit: []bot.AuditEvent{{Type: "test.after"}}}); err != nil || c.LastSeq != int64(len(msgs))+1 {
			t.Errorf("%s: a turn after the crash: seq %d, %v; want %d", id, c.LastSeq, err, len(msgs)+1)
		}
	}
	if _, err := db.VerifyAudit(ctx); err != nil {
		t.Errorf("VerifyAudit after the crash: %v", err)
	}
}

// TestCrashWriter is the child of TestCrashKeepsAcknowledgedTurns: it
// commits turns until killed, printing each acknowledged one.
func TestCrashWriter(t *testing.T) {
	url := os.Getenv(crashURLEnv)
	if url == "" {
		t.Skip("run by TestCrashKeepsAcknowledgedTurns")
	}
	ctx := context.Background()
	db, err := postgres.Open(ctx, postgres.Options{URL: url, KeyFile: os.Getenv(crashKeyEnv)}, zerolog.Nop())
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	acks := make(chan string)
	for i := range crashConversations {
		c := &bot.Conversation{ID: fmt.Sprintf("c%d", i), Status: bot.StatusBot}
		if err := db.CreateConversation(ctx, c); err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		go func() {
			for {
				turn := &bot.Turn{Conversation: c,
					Messages: []bot.Message{{From: bot.FromBot, Text: "hello"}},
					Audit:    []bot.AuditEvent{{Type: "test.turn"}}}
				if err := db.Commit(ctx, turn); err != nil {
					acks <- "error " + err.Error()
					return
				}
				acks <- fmt.Sprintf("ack %s %d", c.ID, c.LastSeq)
			}
		}()
	}
	for line := range acks {
		fmt.Println(line)
	}
}
