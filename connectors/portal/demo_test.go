package portal

import (
	"context"
	"os"
	"testing"
)

func TestSeedDemo(t *testing.T) {
	csv, err := os.ReadFile(demoCSV)
	if err != nil {
		t.Fatal(err)
	}
	hash, err := HashPassword(DemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	recs := newMemRecords()
	dir := NewLocal(recs, Policy{}, newFakeClock(), nopLog)
	ctx := context.Background()
	if err := SeedDemo(ctx, dir, recs, csv, hash); err != nil {
		t.Fatal(err)
	}
	ps, _ := recs.Patients(ctx)
	if len(ps) != 30 {
		t.Fatalf("got %d patients, want 30", len(ps))
	}
	for _, p := range ps {
		if got, want := p.PasswordHash != "", p.Username != ""; got != want {
			t.Errorf("%s (username %q): got password %v, want %v", p.MRN, p.Username, got, want)
		}
		// The published demo password obeys the policy it demonstrates.
		if p.Username != "" {
			if err := dir.policy.checkPassword(DemoPassword, p.Username, p.FirstName, p.LastName); err != nil {
				t.Errorf("%s: DemoPassword: %v", p.MRN, err)
			}
		}
	}
	id, err := dir.SignIn(ctx, "olivia.active", DemoPassword)
	if err != nil {
		t.Fatalf("sign in with the demo password: %v", err)
	}

	// A restart seeds again: the demo's changes stay.
	if err := dir.ResetPassword(ctx, id, otherPassword, "k"); err != nil {
		t.Fatal(err)
	}
	if err := SeedDemo(ctx, dir, recs, csv, hash); err != nil {
		t.Fatal(err)
	}
	if _, err := dir.SignIn(ctx, "olivia.active", otherPassword); err != nil {
		t.Errorf("after a second seed: got %v, want the reset password kept", err)
	}
}
