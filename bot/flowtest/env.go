package flowtest

import (
	"context"
	"io/fs"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
)

// Env is what a transcript runs against: an engine on a store of its own
// holding test patients, running the flows under test, and a clock the
// runner moves. The runner never opens a store itself: whoever calls Run
// supplies the environments (cmd/portico: a SQLite file and the local
// directory per case; tests: storage/sqlite/sqlitetest).
type Env struct {
	Engine *bot.Engine
	Clock  *bot.ManualClock
	Store  Reader
	// Close releases the environment (closes and deletes its store).
	Close func() error
}

// Reader is what the runner reads back to check a case.
type Reader interface {
	Conversation(ctx context.Context, id string) (*bot.Conversation, error)
	AuditEvents(ctx context.Context, afterSeq int64, limit int) ([]bot.AuditEvent, error)
	DueDeliveries(ctx context.Context, now time.Time, limit int) ([]bot.PendingDelivery, error)
}

// Factory opens a fresh Env running the flows in fsys: every case of a
// run gets its own.
type Factory func(ctx context.Context, fsys fs.FS) (*Env, error)

// Start is when every Env's clock starts: a fixed day, so dates of birth
// and expiries are the same in every run.
var Start = time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)

// Stores is everything an Env's engine keeps, in one store (storage/sqlite's
// DB is one).
type Stores interface {
	bot.Store
	bot.CodeStore
	bot.AttemptStore
	bot.ActivationCodes
	bot.DeskStore
	bot.FlowVersions
	Reader
}

// Wiring is what NewEnv wires together: the stores (seeded with the test
// patients), the directory over them, Portico's password policy and the
// clock the directory was given.
type Wiring struct {
	Stores    Stores
	Directory bot.Directory
	Password  bot.PasswordPolicy
	// MinPasswordLength is the policy's minimum, for the bot's wording.
	MinPasswordLength int
	Clock             *bot.ManualClock
	Close             func() error
	Log               zerolog.Logger
}

// NewEnv loads the flows in fsys into w's store and starts an engine on it
// with the default configuration. Transcript tests open many
// conversations from one address within a minute of their fake clock, so
// the new-conversation limit is off (bot's own tests cover it).
func NewEnv(ctx context.Context, w Wiring, fsys fs.FS) (*Env, error) {
	fl, err := bot.LoadFlows(ctx, w.Stores, fsys, "flowtest")
	if err != nil {
		return nil, err
	}
	cfg := bot.DefaultConfig()
	cfg.PasswordMinLength = w.MinPasswordLength
	cfg.Limits.NewConversations = 0
	eng := bot.NewEngine(cfg, bot.Deps{
		Store: w.Stores, Codes: w.Stores, Attempts: w.Stores, Directory: w.Directory, Activation: w.Stores,
		Password: w.Password, Flows: fl, Clock: w.Clock, Desk: w.Stores,
	}, w.Log)
	return &Env{Engine: eng, Clock: w.Clock, Store: w.Stores, Close: w.Close}, nil
}
