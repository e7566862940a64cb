package sqlite_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/storage/sqlite"
)

// These tests cover the files beside the database: their modes, and the
// outbox key file kept, replaced, lost or broken.

// keyFile is the outbox key file of the database at path.
func keyFile(t *testing.T, path string) []byte {
	t.Helper()
	key, err := os.ReadFile(sqlite.KeyPath(path))
	if err != nil {
		t.Fatalf("read key file: %v", err)
	}
	return key
}

func TestOpenCreatesPrivateFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "portico.db")
	db := openPath(t, path)
	queue(t, db, codeDelivery("d1")) // the -wal and -shm files exist while open
	if got := sqlite.KeyPath(path); got != path+".key" {
		t.Errorf("KeyPath: got %s, want %s.key", got, path)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm", path + ".key"} {
		info, err := os.Stat(p)
		if err != nil {
			t.Errorf("stat %s: %v", filepath.Base(p), err)
			continue
		}
		if got := info.Mode().Perm(); got != 0o600 {
			t.Errorf("%s: got mode %v, want 0600", filepath.Base(p), got)
		}
	}
	if got := len(keyFile(t, path)); got != 32 {
		t.Errorf("key file: got %d bytes, want 32", got)
	}
}

func TestOpenWarnsAboutASharedDatabaseFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "portico.db")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil { // whatever the umask
		t.Fatal(err)
	}
	_, logs := openLogged(t, path)
	if !strings.Contains(logs.String(), "database file is readable by other users") {
		t.Errorf("no warning about a 0644 database file:\n%s", logs)
	}
}

func TestReopenWithTheSameKeyReadsOldRows(t *testing.T) {
	path := filepath.Join(t.TempDir(), "portico.db")
	db, err := sqlite.Open(context.Background(), path, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	queue(t, db, codeDelivery("d1"))
	key := keyFile(t, path)
	mustClose(t, db)

	db, logs := openLogged(t, path)
	if got, want := dueIDs(t, db, 10), "d1"; got != want {
		t.Errorf("DueDeliveries after reopening: got %s, want %s", got, want)
	}
	if !bytes.Equal(keyFile(t, path), key) {
		t.Errorf("reopening changed the key file")
	}
	if strings.Contains(logs.String(), `"level":"warn"`) || strings.Contains(logs.String(), `"level":"error"`) {
		t.Errorf("reopening logged a problem:\n%s", logs)
	}
}

// TestKeyChangedUnderTheDatabase: with another key file, or none, the
// sealed deliveries cannot be sent; they are given up, and the logs say
// which and why.
func TestKeyChangedUnderTheDatabase(t *testing.T) {
	for _, tc := range []struct {
		name     string
		change   func(t *testing.T, keyPath string)
		wantWarn string // at Open
	}{
		{"another key file", func(t *testing.T, keyPath string) {
			other := make([]byte, 32)
			_, _ = rand.Read(other)
			if err := os.WriteFile(keyPath, other, 0o600); err != nil {
				t.Fatal(err)
			}
		}, ""},
		{"no key file", func(t *testing.T, keyPath string) {
			if err := os.Remove(keyPath); err != nil {
				t.Fatal(err)
			}
		}, "created a new outbox key file, but the database holds pending deliveries sealed under another key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "portico.db")
			db, err := sqlite.Open(context.Background(), path, zerolog.Nop())
			if err != nil {
				t.Fatal(err)
			}
			queue(t, db, codeDelivery("d1"), codeDelivery("d2"))
			if err := db.MarkSent(context.Background(), "d2", sendTime); err != nil {
				t.Fatal(err)
			}
			oldKey := keyFile(t, path)
			mustClose(t, db)
			tc.change(t, sqlite.KeyPath(path))

			db, logs := openLogged(t, path)
			newKey := keyFile(t, path)
			if len(newKey) != 32 || bytes.Equal(newKey, oldKey) {
				t.Fatalf("key file after the change: got %d bytes, the old key %v; want another 32-byte key",
					len(newKey), bytes.Equal(newKey, oldKey))
			}
			if tc.wantWarn != "" && !strings.Contains(logs.String(), tc.wantWarn) {
				t.Errorf("Open did not warn %q:\n%s", tc.wantWarn, logs)
			}
			if got := dueIDs(t, db, 10); got != "" {
				t.Errorf("DueDeliveries: got %s, want none", got)
			}
			wantGivenUp(t, db, logs, "d1")
			if r := readOutboxRow(t, db, "d2"); r.lastError != "" {
				t.Errorf("the sent delivery: got last_error %q, want it untouched", r.lastError)
			}
		})
	}
}

func TestOpenRefusesABadKeyFile(t *testing.T) {
	for _, tc := range []struct {
		name    string
		make    func(t *testing.T, keyPath string)
		wantErr string
	}{
		{"empty", writeKey(nil), "holds 0 bytes, want exactly 32 bytes"},
		{"too short", writeKey(make([]byte, 31)), "holds 31 bytes, want exactly 32 bytes"},
		{"too long", writeKey(make([]byte, 33)), "holds more than 32 bytes, want exactly 32 bytes"},
		{"a key in hex", writeKey([]byte(strings.Repeat("ab", 32))), "holds more than 32 bytes"},
		{"a directory", func(t *testing.T, keyPath string) {
			if err := os.Mkdir(keyPath, 0o700); err != nil {
				t.Fatal(err)
			}
		}, "not a regular file"},
		{"unreadable", func(t *testing.T, keyPath string) {
			if os.Geteuid() == 0 {
				t.Skip("root reads any file")
			}
			writeKey(make([]byte, 32))(t, keyPath)
			if err := os.Chmod(keyPath, 0); err != nil {
				t.Fatal(err)
			}
		}, "permission denied"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "portico.db")
			keyPath := sqlite.KeyPath(path)
			tc.make(t, keyPath)
			before, _ := os.Stat(keyPath)
			db, err := sqlite.Open(context.Background(), path, zerolog.Nop())
			if err == nil {
				db.Close()
				t.Fatalf("Open: got no error, want one about the key file")
			}
			if msg := err.Error(); !strings.Contains(msg, keyPath) || !strings.Contains(msg, tc.wantErr) {
				t.Errorf("Open: got %q, want it to name %s and say %q", msg, keyPath, tc.wantErr)
			}
			if after, _ := os.Stat(keyPath); after == nil || after.ModTime() != before.ModTime() || after.Size() != before.Size() {
				t.Errorf("Open replaced the bad key file")
			}
		})
	}
}

func writeKey(b []byte) func(t *testing.T, keyPath string) {
	return func(t *testing.T, keyPath string) {
		if err := os.WriteFile(keyPath, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// TestOpenConcurrentlySharesTheKey: two processes opening a new database
// at once must end up with one key, or one would seal what the other
// cannot open.
func TestOpenConcurrentlySharesTheKey(t *testing.T) {
	for round := range 5 {
		path := filepath.Join(t.TempDir(), "portico.db")
		var wg sync.WaitGroup
		dbs := make([]*sqlite.DB, 2)
		errs := make([]error, 2)
		for i := range dbs {
			wg.Go(func() { dbs[i], errs[i] = sqlite.Open(context.Background(), path, zerolog.Nop()) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d: Open #%d: %v", round, i, err)
			}
			defer dbs[i].Close()
		}
		queue(t, dbs[0], codeDelivery("d1"))
		if got, want := dueIDs(t, dbs[1], 10), "d1"; got != want {
			t.Errorf("round %d: DueDeliveries through the other handle: got %s, want %s", round, got, want)
		}
	}
}
