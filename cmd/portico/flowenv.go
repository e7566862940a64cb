package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico"
	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/flowtest"
	"github.com/portico-chat/portico/bot/password"
	"github.com/portico-chat/portico/bot/patients"
	"github.com/portico-chat/portico/connectors/directory/local"
	"github.com/portico-chat/portico/storage/sqlite"
)

// flowEnvs returns the environments transcript tests and flow sandboxes
// run in: each a fresh SQLite file under tempDir ("" for the system's)
// holding the demo patients, the local directory over it, and a clock
// stopped at flowtest.Start. Closing one deletes its file. Never the real
// database or directory.
func flowEnvs(tempDir string, log zerolog.Logger) flowtest.Factory {
	hash := sync.OnceValues(func() (string, error) { return password.Hash(patients.DemoPassword) })
	return func(ctx context.Context, fsys fs.FS) (*flowtest.Env, error) {
		pwHash, err := hash()
		if err != nil {
			return nil, fmt.Errorf("test patients' password: %w", err)
		}
		dir, err := os.MkdirTemp(tempDir, "portico-flowtest-")
		if err != nil {
			return nil, fmt.Errorf("test environment: %w", err)
		}
		db, err := sqlite.Open(ctx, filepath.Join(dir, "portico.db"), log)
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("test environment: %w", err)
		}
		closeAll := func() error { return errors.Join(db.Close(), os.RemoveAll(dir)) }
		env, err := openFlowEnv(ctx, db, pwHash, fsys, closeAll, log)
		if err != nil {
			closeAll()
			return nil, err
		}
		return env, nil
	}
}

// openFlowEnv seeds db with the demo patients and starts an engine on it.
func openFlowEnv(ctx context.Context, db *sqlite.DB, pwHash string, fsys fs.FS, closeAll func() error, log zerolog.Logger) (*flowtest.Env, error) {
	clock := bot.NewManualClock(flowtest.Start)
	policy := password.Policy{}.WithDefaults()
	if err := patients.NewRegistry(db, patients.Config{}, clock, log).SeedDemo(ctx, portico.DemoPatients, pwHash); err != nil {
		return nil, fmt.Errorf("seed patients: %w", err)
	}
	return flowtest.NewEnv(ctx, flowtest.Wiring{
		Stores: db, Directory: local.New(db, policy, clock, log), Password: policy,
		MinPasswordLength: policy.MinLength, Clock: clock, Close: closeAll, Log: log,
	}, fsys)
}
