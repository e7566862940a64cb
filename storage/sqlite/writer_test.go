package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/storage/sqlite"
)

func insertAttempt(key string) func(*sql.Tx) error {
	return func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO attempts (kind, key, at) VALUES ('w', ?, 1)`, key)
		return err
	}
}

func countAttempts(t *testing.T, db *sqlite.DB) int {
	t.Helper()
	var n int
	if err := db.Reader().QueryRow(`SELECT count(*) FROM attempts WHERE kind = 'w'`).Scan(&n); err != nil {
		t.Fatalf("count rows: %v", err)
	}
	return n
}

// gate occupies the writer goroutine until the returned release is called,
// so that the writes started meanwhile queue up behind it.
func gate(t *testing.T, db *sqlite.DB) (release func(), done <-chan error) {
	t.Helper()
	entered, open := make(chan struct{}), make(chan struct{})
	errc := make(chan error, 1)
	go func() {
		errc <- db.Write(context.Background(), func(*sql.Tx) error {
			close(entered)
			<-open
			return nil
		})
	}()
	<-entered
	return func() { close(open) }, errc
}

func TestGroupCommitBatches(t *testing.T) {
	const writers = 200
	db := openTest(t)
	before := db.Stats()

	release, gated := gate(t, db)
	var started, finished sync.WaitGroup
	errs := make(chan error, writers)
	for i := range writers {
		started.Add(1)
		finished.Add(1)
		go func() {
			defer finished.Done()
			started.Done()
			errs <- db.Write(context.Background(), insertAttempt(fmt.Sprint(i)))
		}()
	}
	started.Wait()
	release()
	finished.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Write: %v", err)
		}
	}
	if err := <-gated; err != nil {
		t.Fatalf("gate Write: %v", err)
	}

	after := db.Stats()
	commits, writes := after.Commits-before.Commits, after.Writes-before.Writes
	if writes != writers+1 {
		t.Errorf("got %d writes counted, want %d", writes, writers+1)
	}
	if commits >= writes {
		t.Errorf("got %d commits for %d writes, want fewer commits than writes", commits, writes)
	}
	t.Logf("%d writes in %d commits (%.1f per commit)", writes, commits, float64(writes)/float64(commits))
	if n := countAttempts(t, db); n != writers {
		t.Errorf("got %d rows, want %d", n, writers)
	}
}

func TestWriteCancelledBeforeBatch(t *testing.T) {
	db := openTest(t)

	// Already cancelled: fn never runs.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	err := db.Write(ctx, func(*sql.Tx) error { ran = true; return nil })
	if !errors.Is(err, context.Canceled) || ran {
		t.Errorf("Write with a cancelled ctx: got %v (fn ran: %v), want context.Canceled and fn not run", err, ran)
	}

	// Cancelled while queued behind a busy writer: fn never runs either.
	release, gated := gate(t, db)
	ctx, cancel = context.WithCancel(context.Background())
	result := make(chan error, 1)
	go func() {
		result <- db.Write(ctx, func(*sql.Tx) error { ran = true; return nil })
	}()
	cancel()
	release()
	if err := <-result; !errors.Is(err, context.Canceled) || ran {
		t.Errorf("Write cancelled while queued: got %v (fn ran: %v), want context.Canceled and fn not run", err, ran)
	}
	if err := <-gated; err != nil {
		t.Fatalf("gate Write: %v", err)
	}
}

// TestCloseFlushesQueuedWrites: Close lets the queued writes finish; every
// write that reported success is in the file after reopening, and every
// other one was refused with ErrClosed.
func TestCloseFlushesQueuedWrites(t *testing.T) {
	const writers = 50
	path := filepath.Join(t.TempDir(), "portico.db")
	db, err := sqlite.Open(context.Background(), path, zerolog.Nop())
	if err != nil {
		t.Fatalf("Open: %v", err)
	}

	release, gated := gate(t, db)
	var started, finished sync.WaitGroup
	results := make([]error, writers)
	for i := range writers {
		started.Add(1)
		finished.Add(1)
		go func() {
			defer finished.Done()
			started.Done()
			results[i] = db.Write(context.Background(), insertAttempt(fmt.Sprint(i)))
		}()
	}
	started.Wait()
	closed := make(chan error, 1)
	go func() { closed <- db.Close() }()
	release()
	finished.Wait()
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := <-gated; err != nil {
		t.Fatalf("gate Write: %v", err)
	}

	acked := 0
	for i, err := range results {
		switch {
		case err == nil:
			acked++
		case !errors.Is(err, sqlite.ErrClosed):
			t.Errorf("write %d: got %v, want nil or ErrClosed", i, err)
		}
	}
	db = openPath(t, path)
	if n := countAttempts(t, db); n != acked {
		t.Errorf("after reopen: got %d rows, want the %d acknowledged writes", n, acked)
	}
}

// A plain Write returns only after an fsync covers its commit; a turn's
// write (bot.WithTurnSync) returns at its commit, and its fsync follows
// anyway: with the turn's Commit, or on its own shortly after.
func TestDurableWriteWaitsForFsync(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)

	before := db.Stats()
	if err := db.Write(ctx, insertAttempt("durable")); err != nil {
		t.Fatal(err)
	}
	d := db.Stats()
	if d.Syncs-before.Syncs < 1 || d.Durable-before.Durable != 1 {
		t.Errorf("after a durable Write: %d fsyncs, %d durable writes; want ≥ 1 and 1", d.Syncs-before.Syncs, d.Durable-before.Durable)
	}

	before = db.Stats()
	if err := db.Write(bot.WithTurnSync(ctx), insertAttempt("turn")); err != nil {
		t.Fatal(err)
	}
	if n := countAttempts(t, db); n != 2 {
		t.Errorf("%d rows visible after the turn's write returned, want 2", n)
	}
	if got := db.Stats().Durable - before.Durable; got != 0 {
		t.Errorf("a turn's write waited for an fsync (%d durable)", got)
	}
	// Nothing else is written: the syncer's own deadline fsyncs it.
	deadline := time.Now().Add(5 * time.Second)
	for db.Stats().Syncs == before.Syncs {
		if time.Now().After(deadline) {
			t.Fatal("a turn's write was never fsynced")
		}
		time.Sleep(time.Millisecond)
	}
}

// Concurrent durable writes share fsyncs: 50 writers, fewer fsyncs.
func TestFsyncsAreShared(t *testing.T) {
	const writers = 50
	db := openTest(t)
	before := db.Stats()
	release, gated := gate(t, db)
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- db.Write(context.Background(), insertAttempt(fmt.Sprint("shared-", i)))
		}()
	}
	release()
	if err := <-gated; err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	d := db.Stats()
	syncs, durable := d.Syncs-before.Syncs, d.Durable-before.Durable
	t.Logf("%d durable writes, %d transactions, %d fsyncs", durable, d.Commits-before.Commits, syncs)
	if durable != writers+1 {
		t.Errorf("%d durable writes, want %d", durable, writers+1)
	}
	if syncs >= durable {
		t.Errorf("%d fsyncs for %d writes: not shared", syncs, durable)
	}
}

// Turn writes and durable writes mixed from 40 goroutines, while fsyncs
// are in flight: every write completes and is stored, only the durable
// ones wait for an fsync, and no write is left unsynced.
func TestMixedWritesWhileSyncing(t *testing.T) {
	const writers = 40
	db := openTest(t)
	before := db.Stats()
	var wg sync.WaitGroup
	errs := make(chan error, writers*5)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range 5 {
				ctx := context.Background()
				if (i+k)%2 == 0 {
					ctx = bot.WithTurnSync(ctx)
				}
				errs <- db.Write(ctx, insertAttempt(fmt.Sprint("mixed-", i, "-", k)))
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := countAttempts(t, db); n != writers*5 {
		t.Errorf("%d rows stored, want %d", n, writers*5)
	}
	d := db.Stats()
	if got := d.Durable - before.Durable; got != writers*5/2 {
		t.Errorf("%d writes waited for an fsync, want %d (the durable ones)", got, writers*5/2)
	}
	t.Logf("%d writes in %d transactions, %d fsyncs", d.Writes-before.Writes, d.Commits-before.Commits, d.Syncs-before.Syncs)
	// A final durable write: its fsync covers everything before it.
	if err := db.Write(context.Background(), insertAttempt("last")); err != nil {
		t.Fatal(err)
	}
}
