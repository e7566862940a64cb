package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/storage/sqlite"
)

type pragmas struct {
	journalMode string
	synchronous int
	busyTimeout int
	foreignKeys int
	queryOnly   int
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func readPragmas(t *testing.T, q querier) pragmas {
	t.Helper()
	ctx := context.Background()
	var p pragmas
	for _, r := range []struct {
		name string
		dest any
	}{
		{"journal_mode", &p.journalMode},
		{"synchronous", &p.synchronous},
		{"busy_timeout", &p.busyTimeout},
		{"foreign_keys", &p.foreignKeys},
		{"query_only", &p.queryOnly},
	} {
		if err := q.QueryRowContext(ctx, "PRAGMA "+r.name).Scan(r.dest); err != nil {
			t.Fatalf("PRAGMA %s: %v", r.name, err)
		}
	}
	return p
}

func TestPragmas(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)

	var writer pragmas
	if err := db.Write(ctx, func(tx *sql.Tx) error {
		writer = readPragmas(t, tx)
		return nil
	}); err != nil {
		t.Fatalf("Write: %v", err)
	}
	// NORMAL (1): the syncer goroutine fsyncs the WAL before a durable
	// write is answered (syncer.go, TestDurableWriteWaitsForFsync).
	want := pragmas{journalMode: "wal", synchronous: 1, busyTimeout: 5000, foreignKeys: 1, queryOnly: 0}
	if writer != want {
		t.Errorf("writer pragmas: got %+v, want %+v", writer, want)
	}
	want.synchronous = 2

	// Hold several read connections at once so that each is a separate one
	// from the pool, and check every one.
	want.queryOnly = 1
	var conns []*sql.Conn
	for range 4 {
		conn, err := db.Reader().Conn(ctx)
		if err != nil {
			t.Fatalf("reader Conn: %v", err)
		}
		conns = append(conns, conn)
	}
	for i, conn := range conns {
		if got := readPragmas(t, conn); got != want {
			t.Errorf("reader %d pragmas: got %+v, want %+v", i, got, want)
		}
		if _, err := conn.ExecContext(ctx, `INSERT INTO attempts (kind, key, at) VALUES ('k', 'k', 1)`); err == nil {
			t.Errorf("reader %d accepted a write", i)
		}
		conn.Close()
	}
}

func TestAppendOnlyTables(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	if err := db.AppendAudit(ctx, bot.AuditEvent{Type: "agent.signin", At: time.Now()}); err != nil {
		t.Fatalf("AppendAudit: %v", err)
	}
	if _, err := db.SaveFlowVersion(ctx, "greeting", []byte("v1"), "admin:a"); err != nil {
		t.Fatalf("SaveFlowVersion: %v", err)
	}
	for _, q := range []string{
		`UPDATE audit SET outcome = 'ok'`,
		`DELETE FROM audit`,
		`UPDATE flows SET source = x'00'`,
	} {
		err := db.Write(ctx, func(tx *sql.Tx) error {
			_, err := tx.Exec(q)
			return err
		})
		if err == nil || !strings.Contains(err.Error(), "append-only") && !strings.Contains(err.Error(), "immutable") {
			t.Errorf("%s: got %v, want the trigger's refusal", q, err)
		}
	}
	if n, err := db.VerifyAudit(ctx); err != nil || n != 1 {
		t.Errorf("VerifyAudit: got %d, %v; want 1", n, err)
	}
}

func TestReopenKeepsDataAndMigratesOnce(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "portico.db")

	db, err := sqlite.Open(ctx, path, zerolog.Nop())
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	c := &bot.Conversation{ID: "c1", Status: bot.StatusBot, Slots: map[string]string{"zip": "02139"}}
	if err := db.CreateConversation(ctx, c); err != nil {
		t.Fatalf("CreateConversation: %v", err)
	}
	turn := &bot.Turn{Conversation: c, Messages: []bot.Message{{ClientID: "s1", From: bot.FromPatient, Text: "hi"}},
		Audit: []bot.AuditEvent{{Type: "conversation.start"}}}
	if err := db.Commit(ctx, turn); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := db.Write(ctx, func(*sql.Tx) error { return nil }); !errors.Is(err, sqlite.ErrClosed) {
		t.Errorf("Write after Close: got %v, want ErrClosed", err)
	}

	for round := range 2 {
		db := openPath(t, path)
		var names []string
		rows, err := db.Reader().QueryContext(ctx, `SELECT name FROM schema_migrations ORDER BY name`)
		if err != nil {
			t.Fatalf("list applied migrations: %v", err)
		}
		for rows.Next() {
			var n string
			_ = rows.Scan(&n)
			names = append(names, n)
		}
		rows.Close()
		if !slices.Equal(names, sqlite.Migrations()) {
			t.Errorf("reopen %d: applied migrations %v, want each of %v once", round, names, sqlite.Migrations())
		}
		msgs, err := db.Messages(ctx, "c1", 0)
		if err != nil || len(msgs) != 1 || msgs[0].Text != "hi" {
			t.Errorf("reopen %d: got messages %+v, %v; want the committed one", round, msgs, err)
		}
		if n, err := db.VerifyAudit(ctx); err != nil || n != 1+round {
			t.Errorf("reopen %d: VerifyAudit got %d, %v; want %d", round, n, err, 1+round)
		}
		// The chain continues from the stored head after a restart.
		if err := db.AppendAudit(ctx, bot.AuditEvent{Type: "restart"}); err != nil {
			t.Fatalf("AppendAudit: %v", err)
		}
		if n, err := db.VerifyAudit(ctx); err != nil || n != 2+round {
			t.Errorf("reopen %d: VerifyAudit after append got %d, %v; want %d", round, n, err, 2+round)
		}
		db.Close()
	}
}

func TestMigrations(t *testing.T) {
	names := sqlite.Migrations()
	if len(names) == 0 || names[0] != "0001_core.sql" {
		t.Fatalf("Migrations: got %v, want 0001_core.sql first", names)
	}
	if !slices.IsSorted(names) {
		t.Errorf("Migrations: got %v, want lexical order", names)
	}
}

// TestOpenConcurrently opens the same new file twice at once, as two
// processes starting together would: both succeed, migrations apply once.
func TestOpenConcurrently(t *testing.T) {
	path := filepath.Join(t.TempDir(), "portico.db")
	var wg sync.WaitGroup
	dbs := make([]*sqlite.DB, 2)
	errs := make([]error, 2)
	for i := range dbs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dbs[i], errs[i] = sqlite.Open(context.Background(), path, zerolog.Nop())
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open #%d: %v", i, err)
		}
		defer dbs[i].Close()
	}
	var n int
	if err := dbs[0].Reader().QueryRow(`SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil || n != len(sqlite.Migrations()) {
		t.Errorf("applied migrations: got %d, %v; want %d", n, err, len(sqlite.Migrations()))
	}
}
