package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"
)

// migrationFS holds the schema changes, migrations/NNNN_name.sql, applied in
// lexical order. A migration is never edited once released: add a new one.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

// migrationLock names the advisory lock that makes nodes starting together
// apply the migrations one at a time.
const migrationLock = "portico/migrations"

// Migrations returns the names of the embedded migrations in the order they
// are applied.
func Migrations() []string {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		panic(fmt.Sprintf("postgres: embedded migrations unreadable: %v", err)) // a build defect
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

// migrate applies the migrations not yet recorded in schema_migrations,
// each in its own transaction together with its record, so that a crash
// leaves the schema before or after a migration, never half-way. Each
// transaction first takes an advisory lock, so that two nodes starting at
// once do not both apply one.
func migrate(ctx context.Context, pool *pgxpool.Pool, log zerolog.Logger) error {
	// Under the lock too: two nodes running CREATE TABLE IF NOT EXISTS at
	// once can both try to create it, and one fails on its row type.
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if err := lock(ctx, tx, migrationLock); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			name       TEXT PRIMARY KEY,
			applied_at BIGINT NOT NULL
		)`)
		return err
	})
	if err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	for _, name := range Migrations() {
		applied, err := applyMigration(ctx, pool, name)
		if err != nil {
			return err
		}
		if applied {
			log.Info().Str("migration", name).Msg("applied migration")
		}
	}
	return nil
}

func applyMigration(ctx context.Context, pool *pgxpool.Pool, name string) (applied bool, err error) {
	script, err := migrationFS.ReadFile("migrations/" + name)
	if err != nil {
		return false, fmt.Errorf("read migration %s: %w", name, err)
	}
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if err := lock(ctx, tx, migrationLock); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM schema_migrations WHERE name = $1`, name).Scan(&n); err != nil {
			return fmt.Errorf("check migration %s: %w", name, err)
		}
		if n > 0 {
			return nil
		}
		// No arguments: the simple protocol, which runs a script of
		// several statements.
		if _, err := tx.Exec(ctx, string(script)); err != nil {
			return fmt.Errorf("apply migration %s: %w", name, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)`,
			name, time.Now().UnixNano()); err != nil {
			return fmt.Errorf("record migration %s: %w", name, err)
		}
		applied = true
		return nil
	})
	return applied, err
}
