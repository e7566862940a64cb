package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/flowadmin"
	"github.com/portico-chat/portico/bot/patients"
	"github.com/portico-chat/portico/bot/report"
	"github.com/portico-chat/portico/connectors/metrics"
	"github.com/portico-chat/portico/connectors/web"
	"github.com/portico-chat/portico/storage/postgres"
	"github.com/portico-chat/portico/storage/sqlite"
)

// Store is everything the server keeps, on either driver: the small
// interfaces each part declares where it is used, and the few methods the
// commands call themselves. storage/sqlite and storage/postgres both have
// all of it.
type Store interface {
	bot.Store
	bot.CodeStore
	bot.AttemptStore
	bot.Outbox
	bot.ActivationCodes
	bot.DeskStore
	patients.Records
	report.Store
	flowadmin.Store
	metrics.Gauges
	flowadmin.Published
	web.StaffUsers
	web.StaffSessions
	web.CannedStore
	web.ConversationSearch
	web.Auditor
	web.UserAdmin
	web.QueueStore
	web.SettingsStore
	web.AuditLog
	web.APITokens

	PutActivationCodes(ctx context.Context, cs []bot.ActivationCode) error
	SeedQueueSpecs(ctx context.Context, specs []bot.QueueSpec) ([]bot.QueueSpec, error)
	VerifyAudit(ctx context.Context) (int, error)
	AuditEvents(ctx context.Context, afterSeq int64, limit int) ([]bot.AuditEvent, error)
	PurgeTranscripts(ctx context.Context, before time.Time) (int, error)
	PurgeSilentConversations(ctx context.Context, before time.Time) (int, error)
	PurgeAttempts(ctx context.Context, before time.Time, keepKinds ...string) (int, error)
	PurgeSessions(ctx context.Context, now time.Time, idle time.Duration) (int, error)
	PurgeDirectoryKeys(ctx context.Context, before time.Time) (int64, error)
	Close() error
}

var (
	_ Store = (*sqlite.DB)(nil)
	_ Store = (*postgres.DB)(nil)
)

// Storage drivers (storage.driver).
const (
	driverSQLite   = "sqlite"
	driverPostgres = "postgres"
)

// PostgresSettings configure the PostgreSQL store (storage.postgres.*).
type PostgresSettings struct {
	URL              string // a libpq URL; its password is masked wherever shown
	KeyFile          string // the outbox key, the same file on every node
	MaxConns         int
	ConnectTimeout   time.Duration
	StatementTimeout time.Duration
	LockConns        int // the conversation locks' own pool (cmd/portico/nodes.go)
}

func (s PostgresSettings) options() postgres.Options {
	return postgres.Options{
		URL: s.URL, KeyFile: s.KeyFile, MaxConns: int32(min(s.MaxConns, 1<<20)),
		ConnectTimeout: s.ConnectTimeout, StatementTimeout: s.StatementTimeout,
	}
}

// openStore opens the configured database, applying its migrations.
func openStore(ctx context.Context, cfg *Config, log zerolog.Logger) (Store, error) {
	if cfg.Driver == driverPostgres {
		if dir := filepath.Dir(cfg.Postgres.KeyFile); dir != "" {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, fmt.Errorf("storage.postgres.key_file: %w", err)
			}
		}
		return postgres.Open(ctx, cfg.Postgres.options(), log)
	}
	if dir := filepath.Dir(cfg.SQLitePath); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("storage.sqlite.path: %w", err)
		}
	}
	return sqlite.Open(ctx, cfg.SQLitePath, log)
}

// storeName says which database a command worked on, for its output.
func (c *Config) storeName() string {
	if c.Driver == driverPostgres {
		return postgres.Redact(c.Postgres.URL)
	}
	return c.SQLitePath
}

// migrations lists the configured driver's migrations.
func (c *Config) migrations() []string {
	if c.Driver == driverPostgres {
		return postgres.Migrations()
	}
	return sqlite.Migrations()
}

// storePing checks that the database answers, for /readyz.
func storePing(db Store) func(ctx context.Context) error {
	switch db := db.(type) {
	case *sqlite.DB:
		return func(ctx context.Context) error { return db.Reader().PingContext(ctx) }
	case *postgres.DB:
		return db.Ping
	}
	return func(context.Context) error { return nil }
}

// postgres reads storage.postgres.*, which only the postgres driver needs.
func (p *parser) postgres() PostgresSettings {
	s := PostgresSettings{
		URL:              p.nonEmpty("storage.postgres.url"),
		KeyFile:          p.nonEmpty("storage.postgres.key_file"),
		MaxConns:         p.positive("storage.postgres.max_conns"),
		ConnectTimeout:   p.duration("storage.postgres.connect_timeout"),
		StatementTimeout: p.duration("storage.postgres.query_timeout"),
		LockConns:        p.positive("storage.postgres.lock_conns"),
	}
	if s.URL != "" {
		if err := postgres.CheckURL(s.URL); err != nil {
			p.fail("storage.postgres.url", "%v", err)
		}
	}
	return s
}
