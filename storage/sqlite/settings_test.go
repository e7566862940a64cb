package sqlite_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/staff"
)

func TestCheckAuditFindsTheTamperedRow(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	for range 5 {
		if err := db.AppendAudit(ctx, bot.AuditEvent{Type: "user.created", Actor: "admin:a1", Outcome: "ok"}); err != nil {
			t.Fatal(err)
		}
	}
	c, err := db.CheckAudit(ctx)
	if err != nil || c != (staff.AuditCheck{Rows: 5}) {
		t.Fatalf("intact chain: %+v, %v; want 5 rows and no bad one", c, err)
	}
	err = db.Write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.Exec(`DROP TRIGGER audit_no_update`); err != nil {
			return err
		}
		_, err := tx.Exec(`UPDATE audit SET actor = 'admin:someone-else' WHERE seq = 3`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err = db.CheckAudit(ctx)
	if err != nil || c.Rows != 2 || c.BadSeq != 3 || c.Problem == "" {
		t.Errorf("tampered chain: %+v, %v; want row 3 bad after 2 good", c, err)
	}
}
