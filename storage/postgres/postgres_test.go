package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/portico-chat/portico/storage/postgres"
	"github.com/portico-chat/portico/storage/postgres/pgtest"
	"github.com/portico-chat/portico/storage/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store {
		return inspectable{pgtest.Open(t)}
	})
}

// inspectable adds the conformance suite's back door, in raw SQL.
type inspectable struct{ *postgres.DB }

var _ storetest.Inspector = inspectable{}

func (db inspectable) TamperAudit(t *testing.T, seq int64, detail string) {
	t.Helper()
	err := db.Write(context.Background(), func(tx pgx.Tx) error {
		ctx := context.Background()
		if _, err := tx.Exec(ctx, `ALTER TABLE audit DISABLE TRIGGER audit_no_update`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE audit SET detail = $1 WHERE seq = $2`, detail, seq)
		return err
	})
	if err != nil {
		t.Fatalf("tamper with audit row %d: %v", seq, err)
	}
}

func (db inspectable) DeliveryAtRest(t *testing.T, id string) (recipient, subject, text []byte) {
	t.Helper()
	if err := db.Pool().QueryRow(context.Background(), `SELECT recipient, subject, text FROM outbox WHERE id = $1`, id).
		Scan(&recipient, &subject, &text); err != nil {
		t.Fatalf("read delivery %s: %v", id, err)
	}
	return recipient, subject, text
}

// openTest opens a store on a fresh schema, closed when the test ends.
func openTest(t testing.TB) *postgres.DB { return pgtest.Open(t) }
