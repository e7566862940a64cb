package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
)

// testActivationCodes: codes are kept by record, a new one replaces the
// old, a dropped one is gone, and records without one are left out.
func testActivationCodes(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	a := need[bot.ActivationCodes](t, open(t), "activation codes")
	exp := t0.Add(90 * 24 * time.Hour)
	for _, c := range []bot.ActivationCode{
		{RecordID: "r1", Hash: "hmac-sha256$a$1", Expires: exp},
		{RecordID: "r2", Hash: "hmac-sha256$b$2", Expires: exp},
		{RecordID: "r1", Hash: "hmac-sha256$c$3", Expires: exp.Add(time.Hour)}, // replaces r1's
	} {
		if err := a.PutActivationCode(ctx, c); err != nil {
			t.Fatalf("PutActivationCode(%s): %v", c.RecordID, err)
		}
	}
	got, err := a.ActivationCodes(ctx, []string{"r1", "r2", "r3"})
	if err != nil {
		t.Fatalf("ActivationCodes: %v", err)
	}
	want := map[string]bot.ActivationCode{
		"r1": {RecordID: "r1", Hash: "hmac-sha256$c$3", Expires: exp.Add(time.Hour)},
		"r2": {RecordID: "r2", Hash: "hmac-sha256$b$2", Expires: exp},
	}
	if len(got) != len(want) || got["r1"] != want["r1"] || got["r2"] != want["r2"] {
		t.Errorf("ActivationCodes: got %+v, want %+v", got, want)
	}
	if err := a.DropActivationCode(ctx, "r1"); err != nil {
		t.Fatalf("DropActivationCode: %v", err)
	}
	if err := a.DropActivationCode(ctx, "r9"); err != nil {
		t.Errorf("DropActivationCode of a record without a code: got %v, want nil", err)
	}
	got, err = a.ActivationCodes(ctx, []string{"r1", "r2"})
	if err != nil || len(got) != 1 || got["r2"] != want["r2"] {
		t.Errorf("after dropping r1's: got %+v, %v; want r2's alone", got, err)
	}
	if got, err := a.ActivationCodes(ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("ActivationCodes of no record: got %+v, %v; want none", got, err)
	}
}
