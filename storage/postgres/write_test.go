package postgres_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"
)

// A caller that gives up once its write has run is told the truth: the
// write is committed and Write says so, rather than "cancelled".
func TestWriteCommitsWhatRanEvenIfTheCallerGivesUp(t *testing.T) {
	db := openTest(t)
	ctx, cancel := context.WithCancel(context.Background())
	err := db.Write(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ('k', '1', 0)`)
		cancel()
		return err
	})
	if err != nil {
		t.Fatalf("Write: got %v, want nil: the insert ran before the caller gave up", err)
	}
	if v, err := db.Setting(context.Background(), "k"); err != nil || string(v) != "1" {
		t.Errorf("after Write: setting %q, %v; want it committed", v, err)
	}
}

// A write whose fn fails leaves nothing behind.
func TestWriteRollsBackAFailedFn(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	boom := errors.New("boom")
	err := db.Write(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ('k', '1', 0)`); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Write: got %v, want fn's error", err)
	}
	if _, err := db.Setting(ctx, "k"); err == nil {
		t.Error("a failed write's insert is stored")
	}
}
