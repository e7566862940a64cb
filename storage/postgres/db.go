// Package postgres is Portico's store on PostgreSQL, for several nodes
// sharing one database: the same behaviour as storage/sqlite (the
// conformance suite in storage/storetest proves it), through a pgx
// connection pool. Every write is one transaction, committed before the
// caller is answered; the limits that must hold across nodes (sequence
// numbers, reservations, an agent's capacity, the audit chain) take row
// locks or transaction-scoped advisory locks inside that transaction.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/storage/internal/seal"
)

// Defaults of Options.
const (
	DefaultMaxConns         = 10
	DefaultConnectTimeout   = 5 * time.Second
	DefaultStatementTimeout = 30 * time.Second
)

// maxTxTries bounds how often a transaction PostgreSQL aborted for a
// serialization failure or a deadlock is run again.
const maxTxTries = 5

// commitTimeout bounds a commit (and a rollback), which run even after the
// caller's context is done.
const commitTimeout = 30 * time.Second

var (
	_ bot.Store        = (*DB)(nil)
	_ bot.CodeStore    = (*DB)(nil)
	_ bot.AttemptStore = (*DB)(nil)
	_ bot.Outbox       = (*DB)(nil)
)

// Options configure Open.
type Options struct {
	// URL is a libpq connection URL or keyword/value string, e.g.
	// postgres://portico@db.internal:5432/portico?sslmode=verify-full.
	URL string
	// KeyFile is the outbox key (32 bytes, created mode 0600 when
	// missing): every node sharing the database must use the same key.
	KeyFile string
	// MaxConns caps the pool (DefaultMaxConns when 0).
	MaxConns int32
	// ConnectTimeout bounds opening a connection (DefaultConnectTimeout
	// when 0).
	ConnectTimeout time.Duration
	// StatementTimeout makes the server cancel a statement running longer
	// (DefaultStatementTimeout when 0; negative: none).
	StatementTimeout time.Duration
}

// DB is an open Portico database on PostgreSQL.
type DB struct {
	pool *pgxpool.Pool
	log  zerolog.Logger
	box  *seal.Sealer
	key  string // the outbox key file
}

// Open connects, applies the embedded migrations and reads (or creates)
// the outbox key. Close releases the pool.
func Open(ctx context.Context, o Options, log zerolog.Logger) (*DB, error) {
	cfg, err := poolConfig(o)
	if err != nil {
		return nil, err
	}
	db := &DB{log: log.With().Str("component", "storage").Logger(), key: o.KeyFile}
	if o.KeyFile == "" {
		return nil, errors.New("open database: no outbox key file")
	}
	keyCreated, err := db.loadOutboxKey()
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	db.pool, err = pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if err := db.pool.Ping(ctx); err != nil {
		db.pool.Close()
		return nil, fmt.Errorf("open database %s: %w", Redact(o.URL), err)
	}
	if err := migrate(ctx, db.pool, db.log); err != nil {
		db.pool.Close()
		return nil, err
	}
	if keyCreated {
		db.warnPendingSealed(ctx)
	}
	return db, nil
}

// poolConfig parses the URL and applies the options.
func poolConfig(o Options) (*pgxpool.Config, error) {
	cfg, err := pgxpool.ParseConfig(o.URL)
	if err != nil {
		// pgx's message may quote the URL, password and all.
		return nil, fmt.Errorf("storage.postgres.url %s: cannot parse", Redact(o.URL))
	}
	cfg.MaxConns = DefaultMaxConns
	if o.MaxConns > 0 {
		cfg.MaxConns = o.MaxConns
	}
	cfg.ConnConfig.ConnectTimeout = DefaultConnectTimeout
	if o.ConnectTimeout > 0 {
		cfg.ConnConfig.ConnectTimeout = o.ConnectTimeout
	}
	st := DefaultStatementTimeout
	if o.StatementTimeout != 0 {
		st = o.StatementTimeout
	}
	if st > 0 {
		cfg.ConnConfig.RuntimeParams["statement_timeout"] = fmt.Sprint(st.Milliseconds())
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = "portico"
	return cfg, nil
}

// Pool is the connection pool, for the parts that share the database
// without being the store (locks, notifications, leases).
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// KeyFile is the path of the outbox key file.
func (db *DB) KeyFile() string { return db.key }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	err := db.pool.Ping(ctx)
	if err != nil {
		// The database was unreachable: the idle connections are most likely
		// dead too. Close them, so that once it is back the next ping (and
		// query) dials afresh instead of finding one dead connection at a time.
		db.pool.Reset()
	}
	return err
}

// Close closes every connection.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// Write runs fn in one transaction and commits it: it returns once the
// commit is durable, or with fn's or the commit's error, everything fn
// did rolled back. The commit itself runs whatever happens to ctx (bounded
// by commitTimeout), so a caller is never told "cancelled" about a write
// that was in fact committed. A transaction PostgreSQL aborted for a
// serialization failure or a deadlock is run again, from the start: fn
// must not keep state across runs other than what it overwrites.
func (db *DB) Write(ctx context.Context, fn func(tx pgx.Tx) error) error {
	var err error
	for range maxTxTries {
		err = db.writeOnce(ctx, fn)
		if !retryable(err) {
			return err
		}
	}
	return err
}

func (db *DB) writeOnce(ctx context.Context, fn func(tx pgx.Tx) error) (err error) {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), commitTimeout)
			defer cancel()
			_ = tx.Rollback(rctx) // the error that made us roll back is the one to report
		}
	}()
	if err := fn(tx); err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), commitTimeout)
	defer cancel()
	return tx.Commit(cctx)
}

// retryable reports whether a transaction failed only for its timing.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// isUniqueViolation reports whether err is a UNIQUE or PRIMARY KEY
// violation, optionally of the named constraint.
func isUniqueViolation(err error, constraint ...string) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "23505" {
		return false
	}
	return len(constraint) == 0 || pe.ConstraintName == constraint[0]
}

// lock takes a transaction-scoped advisory lock on name within this
// schema: held until the transaction ends, in every process sharing the
// database. Callers taking several take them in one global order
// (conversation row, agent, flow, audit last) so that they cannot
// deadlock.
func lock(ctx context.Context, tx pgx.Tx, name string) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended(current_schema() || '/' || $1, 0))`, name)
	if err != nil {
		return fmt.Errorf("lock %s: %w", name, err)
	}
	return nil
}
