// Package sqlitetest is the shared test kit for tests that need the real
// thing: a fresh SQLite file, and an engine on it with the demo patients in
// the local directory. Not linked into the binary; cmd/portico wires its
// own environments (flowenv.go).
package sqlitetest

import (
	"context"
	"io/fs"
	"path/filepath"
	"sync"
	"testing"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico"
	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/flowtest"
	"github.com/portico-chat/portico/bot/password"
	"github.com/portico-chat/portico/bot/patients"
	"github.com/portico-chat/portico/connectors/directory/local"
	"github.com/portico-chat/portico/storage/sqlite"
)

// Open returns a fresh, empty database in a temporary folder, closed when
// the test ends.
func Open(t testing.TB) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "portico.db"), zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// DemoHash is the argon2id hash of patients.DemoPassword, computed once per
// test binary because it is slow.
var DemoHash = sync.OnceValues(func() (string, error) { return password.Hash(patients.DemoPassword) })

// Patients is a database holding the demo patients
// (testdata/patients.csv), the local directory over it, and a clock stopped
// at flowtest.Start: what an Env runs on, before flows and an engine.
type Patients struct {
	DB    *sqlite.DB
	Dir   *local.Local
	Clock *bot.ManualClock
}

// NewPatients opens a fresh database with the demo patients, closed when
// the test ends.
func NewPatients(t testing.TB) *Patients {
	t.Helper()
	p, err := seed(context.Background(), Open(t))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func seed(ctx context.Context, db *sqlite.DB) (*Patients, error) {
	hash, err := DemoHash()
	if err != nil {
		return nil, err
	}
	clock := bot.NewManualClock(flowtest.Start)
	if err := patients.NewRegistry(db, patients.Config{}, clock, zerolog.Nop()).SeedDemo(ctx, portico.DemoPatients, hash); err != nil {
		return nil, err
	}
	return &Patients{DB: db, Dir: local.New(db, password.Policy{}, clock, zerolog.Nop()), Clock: clock}, nil
}

// Env is an engine on Patients, running the flows under test.
type Env struct {
	*flowtest.Env
	DB  *sqlite.DB
	Dir *local.Local
}

// NewEnv opens an Env running the flows in fsys (flows.Builtin() for the
// built-in ones). It is closed when the test ends.
func NewEnv(t testing.TB, fsys fs.FS) *Env {
	t.Helper()
	env, err := newEnv(context.Background(), Open(t), fsys)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// Envs is a flowtest.Factory of Envs for t: each a fresh database.
func Envs(t testing.TB) flowtest.Factory {
	return func(ctx context.Context, fsys fs.FS) (*flowtest.Env, error) {
		db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "portico.db"), zerolog.Nop())
		if err != nil {
			return nil, err
		}
		env, err := newEnv(ctx, db, fsys)
		if err != nil {
			db.Close()
			return nil, err
		}
		return env.Env, nil
	}
}

func newEnv(ctx context.Context, db *sqlite.DB, fsys fs.FS) (*Env, error) {
	p, err := seed(ctx, db)
	if err != nil {
		return nil, err
	}
	policy := p.Dir.Policy()
	env, err := flowtest.NewEnv(ctx, flowtest.Wiring{
		Stores: db, Directory: p.Dir, Password: policy, MinPasswordLength: policy.MinLength,
		Clock: p.Clock, Close: db.Close, Log: zerolog.Nop(),
	}, fsys)
	if err != nil {
		return nil, err
	}
	return &Env{Env: env, DB: db, Dir: p.Dir}, nil
}
