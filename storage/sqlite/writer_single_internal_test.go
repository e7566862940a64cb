package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"testing"
)

// A batch with one live request commits without a savepoint; it must
// behave exactly like one with several: a failing or panicking fn leaves
// nothing behind and gets its own error, a good one is committed.
func TestBatchOfOne(t *testing.T) {
	errBoom := errors.New("boom")
	ctx := context.Background()
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	tests := []struct {
		name    string
		batch   func() []*writeRequest
		wantErr []bool // per request
		stored  []string
		writes  int64
	}{
		{"good", func() []*writeRequest { return []*writeRequest{request(ctx, insertKey("one"))} },
			[]bool{false}, []string{"one"}, 1},
		{"failing", func() []*writeRequest {
			return []*writeRequest{request(ctx, func(tx *sql.Tx) error {
				_ = insertKey("failed")(tx)
				return errBoom
			})}
		}, []bool{true}, nil, 0},
		{"panicking", func() []*writeRequest {
			return []*writeRequest{request(ctx, func(tx *sql.Tx) error {
				_ = insertKey("panicked")(tx)
				panic("bug")
			})}
		}, []bool{true}, nil, 0},
		{"one live beside a cancelled one", func() []*writeRequest {
			return []*writeRequest{request(cancelled, insertKey("cancelled")), request(ctx, insertKey("live"))}
		}, []bool{true, false}, []string{"live"}, 1},
		{"fn ends the transaction itself", func() []*writeRequest {
			return []*writeRequest{request(ctx, func(tx *sql.Tx) error {
				_ = insertKey("rolled")(tx)
				_, err := tx.Exec(`ROLLBACK`)
				return err
			})}
		}, []bool{true}, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openInternal(t)
			batch := tt.batch()
			before := db.Stats()
			db.commit(batch)
			for i, r := range batch {
				if err := <-r.reply; (err != nil) != tt.wantErr[i] {
					t.Errorf("request %d: got %v, want error %v", i, err, tt.wantErr[i])
				}
			}
			if got := storedKeys(t, db); !slices.Equal(got, tt.stored) {
				t.Errorf("stored rows: got %v, want %v", got, tt.stored)
			}
			if got := db.Stats().Writes - before.Writes; got != tt.writes {
				t.Errorf("writes counted: got %d, want %d", got, tt.writes)
			}
			if err := db.Write(ctx, insertKey("later")); err != nil {
				t.Fatalf("Write afterwards: %v", err)
			}
		})
	}
}
