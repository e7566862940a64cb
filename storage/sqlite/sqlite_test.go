package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/storage/sqlite"
	"github.com/portico-chat/portico/storage/storetest"
)

// openTest opens a new database in a temporary directory, closed at the
// end of the test.
func openTest(t testing.TB) *sqlite.DB {
	t.Helper()
	return openPath(t, filepath.Join(t.TempDir(), "portico.db"))
}

func openPath(t testing.TB, path string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path, zerolog.Nop())
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return db
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store {
		return inspectable{openTest(t)}
	})
}

// inspectable adds the conformance suite's back door, in raw SQL.
type inspectable struct{ *sqlite.DB }

var _ storetest.Inspector = inspectable{}

func (db inspectable) TamperAudit(t *testing.T, seq int64, detail string) {
	t.Helper()
	err := db.Write(context.Background(), func(tx *sql.Tx) error {
		if _, err := tx.Exec(`DROP TRIGGER audit_no_update`); err != nil {
			return err
		}
		_, err := tx.Exec(`UPDATE audit SET detail = ? WHERE seq = ?`, detail, seq)
		return err
	})
	if err != nil {
		t.Fatalf("tamper with audit row %d: %v", seq, err)
	}
}

func (db inspectable) DeliveryAtRest(t *testing.T, id string) (recipient, subject, text []byte) {
	t.Helper()
	var stored [3]any
	if err := db.Reader().QueryRow(`SELECT recipient, subject, text FROM outbox WHERE id = ?`, id).
		Scan(&stored[0], &stored[1], &stored[2]); err != nil {
		t.Fatalf("read delivery %s: %v", id, err)
	}
	var out [3][]byte
	for i, v := range stored {
		switch v := v.(type) {
		case []byte:
			out[i] = v
		case string:
			out[i] = []byte(v)
		default:
			t.Fatalf("delivery %s: stored value %d is a %T", id, i, v)
		}
	}
	return out[0], out[1], out[2]
}
