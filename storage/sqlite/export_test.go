package sqlite

import (
	"context"
	"database/sql"
	"testing"
)

// OldSchema creates a database at path with only the migrations that sort
// before first applied, as an older Portico left it, and returns it open
// for the test to fill with rows in that schema. Open then applies the
// rest, as an upgrade does.
func OldSchema(t *testing.T, path, first string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", writerDSN(path))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT`); err != nil {
		t.Fatal(err)
	}
	for _, name := range Migrations() {
		if name >= first {
			break
		}
		if _, err := applyMigration(ctx, db, name); err != nil {
			t.Fatal(err)
		}
	}
	return db
}
