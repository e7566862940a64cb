package patients_test

import (
	"context"
	"testing"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/bottest"
)

func TestListHidesHashes(t *testing.T) {
	f := newFixture(t)
	ps, err := f.reg.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 8 {
		t.Fatalf("got %d patients, want 8", len(ps))
	}
	for i, p := range ps {
		if p.PasswordHash != "" || p.ActivationHash != "" {
			t.Errorf("patient %s: got hashes %q %q, want them blank", p.RecordID, p.PasswordHash, p.ActivationHash)
		}
		if i > 0 && ps[i-1].MRN > p.MRN {
			t.Errorf("got MRN %s after %s, want MRN order", p.MRN, ps[i-1].MRN)
		}
	}
	// The records themselves keep their hashes.
	if p, _ := f.records.Patient(context.Background(), "r-jose"); p.PasswordHash == "" {
		t.Error("List blanked the stored hash, want only the copy blanked")
	}
}

func TestByMRN(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p, err := f.reg.ByMRN(ctx, "M2")
	if err != nil || p.RecordID != "r-jose" || p.PasswordHash != "" {
		t.Errorf("ByMRN(M2): got %q (hash blank %v), %v; want r-jose with the hash blanked", p.RecordID, p.PasswordHash == "", err)
	}
	_, err = f.reg.ByMRN(ctx, "M99")
	bottest.WantCode(t, err, bot.ENOTFOUND, "no patient with MRN M99")
}

// TestIssueActivationCode: a pending account gets a new code that replaces
// the old one and lives ActivationTTL; any other account is refused.
func TestIssueActivationCode(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	old := f.code
	if !f.opens(t, "r-ana", old) {
		t.Fatal("the fixture's code does not open Ana's record")
	}
	code, err := f.reg.IssueActivationCode(ctx, "r-ana")
	if err != nil {
		t.Fatal(err)
	}
	if !f.opens(t, "r-ana", code) || f.opens(t, "r-ana", old) {
		t.Errorf("after issuing: the new code opens %v, the old %v; want only the new", f.opens(t, "r-ana", code), f.opens(t, "r-ana", old))
	}
	f.clock.Advance(f.reg.ActivationTTL())
	if f.opens(t, "r-ana", code) {
		t.Error("the code still opens the record after ActivationTTL")
	}
	for _, tt := range []struct{ record, want string }{
		{"r-jose", bot.ECONFLICT}, {"r-off", bot.ECONFLICT}, {"r-nobody", bot.ENOTFOUND},
	} {
		_, err := f.reg.IssueActivationCode(ctx, tt.record)
		bottest.WantCode(t, err, tt.want, "")
	}
}
