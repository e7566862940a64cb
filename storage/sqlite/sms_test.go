package sqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/connectors/sms"
	"github.com/portico-chat/portico/connectors/sms/smstest"
	"github.com/portico-chat/portico/storage/sqlite"
)

// The store implements what the SMS channel needs; it may not import the
// adapter, so the check lives here.
var (
	_ sms.Suppressions  = (*sqlite.DB)(nil)
	_ sms.Sessions      = (*sqlite.DB)(nil)
	_ sms.Conversations = (*sqlite.DB)(nil)
	_ sms.Queue         = (*sqlite.DB)(nil)
)

// smsStore is the SQLite store as the SMS channel uses it: its own list,
// and the rate limits over the attempts table.
type smsStore struct {
	*sqlite.DB
	sms.Attempts
}

func TestSMSStoreConformance(t *testing.T) {
	smstest.RunStoreTests(t, func(t *testing.T) smstest.Store {
		db := openTest(t)
		return smsStore{DB: db, Attempts: sms.Attempts{Store: db}}
	})
}

func TestSMSSessionsAndEnqueue(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	const pair = "+13125550000:+16175550111"
	if _, err := db.SMSSession(ctx, pair); bot.ErrorCode(err) != bot.ENOTFOUND {
		t.Fatalf("no session yet: got %v, want not found", err)
	}
	at := time.Date(2026, 3, 14, 15, 0, 0, 0, time.UTC)
	for _, id := range []string{"c1", "c2"} {
		if err := db.SetSMSSession(ctx, pair, id, at); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := db.SMSSession(ctx, pair); err != nil || got != "c2" {
		t.Fatalf("session: got %q, %v; want the latest, c2", got, err)
	}
	d := bot.Delivery{Channel: bot.DeliverSMS, To: "+16175550111", Text: "Reply START", Key: sms.ReplyKey("SM1")}
	for range 2 {
		if err := db.Enqueue(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	due, err := db.DueDeliveries(ctx, time.Now().Add(time.Minute), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 1 || due[0].To != d.To || due[0].Text != d.Text {
		t.Fatalf("queued twice under one key: %+v, want one delivery", due)
	}
	if err := db.RecordSMSSegments(ctx, "c2", "out", 2, at); err != nil {
		t.Fatal(err)
	}
}
