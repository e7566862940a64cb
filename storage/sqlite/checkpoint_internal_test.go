package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestWriterDoesNotCheckpoint: the writer connection never checkpoints on
// its own (wal_autocheckpoint=0), keeps statement journals in memory and
// has its larger page cache; the checkpointer's connection is the one that
// copies the WAL.
func TestWriterDoesNotCheckpoint(t *testing.T) {
	db := openInternal(t)
	for pragma, want := range map[string]int{
		"wal_autocheckpoint": 0,
		"temp_store":         2, // MEMORY
		"cache_size":         -writerCacheKiB,
	} {
		var got int
		if err := db.writer.QueryRow("PRAGMA " + pragma).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s: %v", pragma, err)
		}
		if got != want {
			t.Errorf("writer's %s = %d, want %d", pragma, got, want)
		}
	}
}

// TestCheckpointerKeepsTheWALBounded writes steadily from many callers, as
// turns do, with the thresholds scaled down: the checkpointer must copy the
// WAL in the background and, when it holds restartFrames, have the writer
// restart it, so that the file stays far below what it would hold. With
// wal_autocheckpoint=0 and no checkpointer the WAL would hold every page
// written.
func TestCheckpointerKeepsTheWALBounded(t *testing.T) {
	interval, frames := checkpointInterval, restartFrames
	checkpointInterval, restartFrames = time.Millisecond, 64
	t.Cleanup(func() { checkpointInterval, restartFrames = interval, frames })
	db := openInternal(t)
	ctx := context.Background()
	pad := strings.Repeat("x", 3000) // about a page a row

	const callers, each = 16, 150
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for c := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				key := fmt.Sprintf("%02d-%04d-%s", c, i, pad)
				if err := db.Write(ctx, func(tx *sql.Tx) error {
					_, err := tx.Exec(`INSERT INTO attempts (kind, key, at) VALUES ('wal', ?, 1)`, key)
					return err
				}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("write: %v", err)
	}

	st := db.Stats()
	if st.Checkpoints == 0 || st.Restarts == 0 {
		t.Fatalf("checkpoints %d, restarts %d: want both", st.Checkpoints, st.Restarts)
	}
	fi, err := os.Stat(db.path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	// The file's size is its high-water mark. Without restarts it holds
	// more frames than there were writes (4,000 to 8,000 here); with them, a
	// few restarts' worth, more when the checkpointer runs late on a busy
	// machine (up to 722 seen in CI), so the bound is half the writes.
	const frameBytes = 4096 + 24
	written := callers * each // at least one new page each
	if got := fi.Size() / frameBytes; got > int64(written)/2 {
		t.Errorf("WAL holds %d frames after %d writes of a page each: not restarted", got, written)
	}
	var n int
	if err := db.reader.QueryRow(`SELECT count(*) FROM attempts WHERE kind = 'wal'`).Scan(&n); err != nil || n != written {
		t.Fatalf("rows %d (%v), want %d", n, err, written)
	}
}

// TestSyncTimesCountEveryFsync: each fsync of the WAL lands in one bucket
// of SyncTimes.
func TestSyncTimesCountEveryFsync(t *testing.T) {
	db := openInternal(t)
	ctx := context.Background()
	for i := range 5 {
		if err := db.writeDurable(ctx, insertKey(fmt.Sprint("sync-", i))); err != nil {
			t.Fatal(err)
		}
	}
	st := db.Stats()
	if len(st.SyncTimes) != len(SyncBucketsMs)+1 {
		t.Fatalf("%d buckets, want %d", len(st.SyncTimes), len(SyncBucketsMs)+1)
	}
	var n int64
	for _, c := range st.SyncTimes {
		n += c
	}
	if n != st.Syncs || n < 5 {
		t.Fatalf("buckets hold %d fsyncs, Syncs %d (5 durable writes made)", n, st.Syncs)
	}
}
