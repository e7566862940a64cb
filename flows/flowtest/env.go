package flowtest

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/connectors/portal"
	"github.com/portico-chat/portico/storage/sqlite"
)

// Env is a complete engine on a fresh SQLite file: the real store, the
// local directory with the demo patients, and a clock the tests move.
type Env struct {
	DB     *sqlite.DB
	Dir    *portal.Local
	Engine *bot.Engine
	Clock  *Clock
}

// Options say what an Env runs.
type Options struct {
	Flows        fs.FS  // the flows to run
	Patients     []byte // CSV for portal.Local.Import
	PasswordHash string // argon2id hash given to every demo account with a username
	Log          zerolog.Logger
}

// Start is when every Env's clock starts: a fixed day, so dates of birth
// and expiries are the same in every run.
var Start = time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)

// NewEnv opens a fresh database in dir and wires the engine to it. Close
// it when done.
func NewEnv(ctx context.Context, dir string, o Options) (*Env, error) {
	db, err := sqlite.Open(ctx, filepath.Join(dir, "portico.db"), o.Log)
	if err != nil {
		return nil, err
	}
	clock := &Clock{now: Start}
	local := portal.NewLocal(db, portal.Policy{}, clock, o.Log)
	if err := portal.SeedDemo(ctx, local, db, o.Patients, o.PasswordHash); err != nil {
		db.Close()
		return nil, fmt.Errorf("seed patients: %w", err)
	}
	fl, err := bot.LoadFlows(ctx, db, o.Flows, "flowtest")
	if err != nil {
		db.Close()
		return nil, err
	}
	cfg := bot.DefaultConfig()
	cfg.PasswordMinLength = local.Policy().MinLength
	// Transcript tests open many conversations from one address within a
	// minute of their fake clock; that limit is tested in bot.
	cfg.Limits.NewConversations = 0
	eng := bot.NewEngine(cfg, bot.Deps{
		Store: db, Codes: db, Attempts: db, Directory: local, Flows: fl, Clock: clock, Desk: db,
	}, o.Log)
	return &Env{DB: db, Dir: local, Engine: eng, Clock: clock}, nil
}

// Close closes the database.
func (e *Env) Close() error { return e.DB.Close() }

// Clock is a clock that moves only when told.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock on.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
