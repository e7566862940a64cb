package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"github.com/rs/zerolog"
)

// These tests hand a batch straight to commit, so that its make-up is
// certain; the writer goroutine is idle meanwhile.

func openInternal(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "portico.db"), zerolog.Nop())
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func request(ctx context.Context, fn func(*sql.Tx) error) *writeRequest {
	return &writeRequest{ctx: ctx, fn: fn, reply: make(chan error, 1)}
}

func insertKey(key string) func(*sql.Tx) error {
	return func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO attempts (kind, key, at) VALUES ('batch', ?, 1)`, key)
		return err
	}
}

func storedKeys(t *testing.T, db *DB) []string {
	t.Helper()
	rows, err := db.reader.Query(`SELECT key FROM attempts WHERE kind = 'batch' ORDER BY key`)
	if err != nil {
		t.Fatalf("read keys: %v", err)
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var k string
		_ = rows.Scan(&k)
		keys = append(keys, k)
	}
	return keys
}

func TestBatchIsolatesFailures(t *testing.T) {
	db := openInternal(t)
	ctx := context.Background()
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	errBoom := errors.New("boom")
	ranCancelled := false

	batch := []*writeRequest{
		request(ctx, insertKey("ok1")),
		request(ctx, func(tx *sql.Tx) error {
			_ = insertKey("failed")(tx)
			return errBoom
		}),
		request(ctx, func(tx *sql.Tx) error {
			_ = insertKey("panicked")(tx)
			panic("bug")
		}),
		request(cancelled, func(tx *sql.Tx) error {
			ranCancelled = true
			return insertKey("cancelled")(tx)
		}),
		request(ctx, func(tx *sql.Tx) error {
			// A constraint error mid-fn rolls back the fn's earlier rows too.
			if err := insertKey("dup-first")(tx); err != nil {
				return err
			}
			_, err := tx.Exec(`INSERT INTO conversations (id, status, created_at, updated_at) VALUES ('x', 'bot', 1, 1), ('x', 'bot', 1, 1)`)
			return err
		}),
		request(ctx, insertKey("ok2")),
	}
	before := db.Stats()
	db.commit(batch)

	replies := make([]error, len(batch))
	for i, r := range batch {
		replies[i] = <-r.reply
	}
	checks := []struct {
		name string
		ok   bool
	}{
		{"ok1 committed", replies[0] == nil},
		{"failing fn gets its own error", errors.Is(replies[1], errBoom)},
		{"panicking fn gets an error", replies[2] != nil},
		{"cancelled request gets ctx.Err()", errors.Is(replies[3], context.Canceled)},
		{"constraint failure gets an error", isUniqueViolation(replies[4])},
		{"ok2 committed", replies[5] == nil},
		{"cancelled fn never ran", !ranCancelled},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: replies %v", c.name, replies)
		}
	}
	if got, want := storedKeys(t, db), []string{"ok1", "ok2"}; !slices.Equal(got, want) {
		t.Errorf("stored rows: got %v, want %v", got, want)
	}
	after := db.Stats()
	if commits, writes := after.Commits-before.Commits, after.Writes-before.Writes; commits != 1 || writes != 2 {
		t.Errorf("stats of the batch: %d commits, %d writes, want 1 commit of 2 writes", commits, writes)
	}
}

// TestBatchBrokenTransaction: a fn that ends the shared transaction itself
// leaves nothing to commit; every caller in the batch must hear so rather
// than be told its write is durable.
func TestBatchBrokenTransaction(t *testing.T) {
	db := openInternal(t)
	ctx := context.Background()
	batch := []*writeRequest{
		request(ctx, insertKey("before")),
		request(ctx, func(tx *sql.Tx) error {
			_, err := tx.Exec(`ROLLBACK`)
			return err
		}),
		request(ctx, insertKey("after")),
	}
	db.commit(batch)
	for i, r := range batch {
		if err := <-r.reply; err == nil {
			t.Errorf("request %d: got nil, want an error", i)
		}
	}
	if got := storedKeys(t, db); len(got) != 0 {
		t.Errorf("stored rows: got %v, want none", got)
	}
	// The writer is usable again afterwards.
	if err := db.Write(ctx, insertKey("later")); err != nil {
		t.Fatalf("Write after a broken batch: %v", err)
	}
	if got := storedKeys(t, db); !slices.Equal(got, []string{"later"}) {
		t.Errorf("stored rows: got %v, want [later]", got)
	}
}
