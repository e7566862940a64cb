package sqlite_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/storage/sqlite"
)

// crashDBEnv tells the test binary, re-executed as a child, to run the
// crash writer against the named database instead of the tests.
const crashDBEnv = "PORTICO_CRASH_DB"

const (
	crashConversations = 4
	crashAcks          = 300 // acknowledged turns to wait for before the kill
)

// TestCrashKeepsAcknowledgedTurns kills -9 a process that is committing
// turns and checks that every turn it acknowledged survived, with seqs still
// gap-free.
func TestCrashKeepsAcknowledgedTurns(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a process")
	}
	path := filepath.Join(t.TempDir(), "portico.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashWriter$")
	cmd.Env = append(os.Environ(), crashDBEnv+"="+path)
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

	db := openPath(t, path)
	for id, seq := range acked {
		msgs, err := db.Messages(context.Background(), id, 0)
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
	}
	if _, err := db.VerifyAudit(context.Background()); err != nil {
		t.Errorf("VerifyAudit after the crash: %v", err)
	}
}

// TestCrashWriter is the child of TestCrashKeepsAcknowledgedTurns: it
// commits turns until killed, printing each acknowledged one.
func TestCrashWriter(t *testing.T) {
	path := os.Getenv(crashDBEnv)
	if path == "" {
		t.Skip("run by TestCrashKeepsAcknowledgedTurns")
	}
	ctx := context.Background()
	db, err := sqlite.Open(ctx, path, zerolog.Nop())
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
