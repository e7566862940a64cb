package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"time"

	"github.com/rs/zerolog"
)

// migrationFS holds the schema changes, migrations/NNNN_name.sql, applied in
// lexical order. A migration is never edited once released: add a new one.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

// Migrations returns the names of the embedded migrations in the order they
// are applied.
func Migrations() []string {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		panic(fmt.Sprintf("sqlite: embedded migrations unreadable: %v", err)) // a build defect
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if !e.IsDir() && path.Ext(e.Name()) == ".sql" {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names
}

// migrate applies the migrations not yet recorded in schema_migrations, each
// in its own transaction together with its record, so a crash leaves the
// schema either before or after a migration, never half-way.
func migrate(ctx context.Context, db *sql.DB, log zerolog.Logger) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		name       TEXT PRIMARY KEY,
		applied_at INTEGER NOT NULL
	) STRICT`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	for _, name := range Migrations() {
		applied, err := applyMigration(ctx, db, name)
		if err != nil {
			return err
		}
		if applied {
			log.Info().Str("migration", name).Msg("applied migration")
		}
	}
	return nil
}

// applyMigration applies one migration unless it is recorded already. The
// check runs inside the (BEGIN IMMEDIATE) transaction, so two processes
// opening the same new file cannot both apply it.
func applyMigration(ctx context.Context, db *sql.DB, name string) (applied bool, err error) {
	script, err := migrationFS.ReadFile("migrations/" + name)
	if err != nil {
		return false, fmt.Errorf("read migration %s: %w", name, err)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("begin migration %s: %w", name, err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()

	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE name = ?`, name).Scan(&n); err != nil {
		return false, fmt.Errorf("check migration %s: %w", name, err)
	}
	if n > 0 {
		return false, tx.Rollback()
	}
	if _, err := tx.ExecContext(ctx, string(script)); err != nil {
		return false, fmt.Errorf("apply migration %s: %w", name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)`,
		name, unixNanos(time.Now())); err != nil {
		return false, fmt.Errorf("record migration %s: %w", name, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("commit migration %s: %w", name, err)
	}
	return true, nil
}
