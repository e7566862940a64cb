// Package pgtest gives tests a PostgreSQL database of their own: a new
// schema in the server the development and CI machines run
// (127.0.0.1:5432, trust auth, database test; PORTICO_TEST_POSTGRES_URL
// points elsewhere), dropped when the test ends, so that runs never see
// each other. Without a reachable server the test is skipped with a clear
// message, except in CI (PORTICO_CI set), where it fails. Not linked into
// the binary.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/storage/postgres"
)

// DefaultURL is the server tests use unless PORTICO_TEST_POSTGRES_URL is set.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// connectTimeout bounds the first contact with the server.
const connectTimeout = 3 * time.Second

// ServerURL is the test server's URL.
func ServerURL() string {
	if u := os.Getenv("PORTICO_TEST_POSTGRES_URL"); u != "" {
		return u
	}
	return DefaultURL
}

// URL creates a new, empty schema and returns a connection URL whose
// search_path is that schema. The schema is dropped when t ends.
func URL(t testing.TB) string {
	t.Helper()
	server := ServerURL()
	ctx, cancel := context.WithTimeout(context.Background(), connectTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		unreachable(t, err)
	}
	defer conn.Close(context.Background())
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + strings.ToLower(sanitize(t.Name())) + "_" + hex.EncodeToString(b[:])
	if len(schema) > 63 {
		schema = schema[len(schema)-63:]
		schema = "t" + schema[1:]
	}
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+pgx.Identifier{schema}.Sanitize()); err != nil {
		t.Fatalf("pgtest: create schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, server)
		if err != nil {
			t.Errorf("pgtest: drop schema %s: %v", schema, err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(ctx, `DROP SCHEMA `+pgx.Identifier{schema}.Sanitize()+` CASCADE`); err != nil {
			t.Errorf("pgtest: drop schema %s: %v", schema, err)
		}
	})
	return WithSchema(server, schema)
}

// WithSchema returns conn with its search_path set to schema.
func WithSchema(conn, schema string) string {
	u, err := url.Parse(conn)
	if err != nil || u.Scheme == "" {
		return conn + " search_path=" + schema
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Open opens a store on a fresh schema, with its outbox key in a
// temporary folder; it is closed when t ends.
func Open(t testing.TB) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), Options(t), zerolog.Nop())
	if err != nil {
		t.Fatalf("pgtest: open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Options are the options of a store on a fresh schema.
func Options(t testing.TB) postgres.Options {
	t.Helper()
	return postgres.Options{URL: URL(t), KeyFile: filepath.Join(t.TempDir(), "outbox.key"), MaxConns: 8}
}

func unreachable(t testing.TB, err error) {
	t.Helper()
	msg := "PostgreSQL at " + postgres.Redact(ServerURL()) + " is unreachable (" + err.Error() +
		"); start it, or set PORTICO_TEST_POSTGRES_URL"
	if os.Getenv("PORTICO_CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

func sanitize(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	s := b.String()
	if len(s) > 30 {
		s = s[len(s)-30:]
	}
	return s
}
