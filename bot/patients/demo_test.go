package patients_test

import (
	"context"
	"os"
	"testing"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/bottest"
	"github.com/portico-chat/portico/bot/password"
	"github.com/portico-chat/portico/bot/patients"
)

func TestSeedDemo(t *testing.T) {
	csv, err := os.ReadFile(demoCSV)
	if err != nil {
		t.Fatal(err)
	}
	hash, err := password.Hash(patients.DemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	f := emptyFixture()
	ctx := context.Background()
	if err := f.reg.SeedDemo(ctx, csv, hash); err != nil {
		t.Fatal(err)
	}
	ps, _ := f.records.Patients(ctx)
	if len(ps) != 30 {
		t.Fatalf("got %d patients, want 30", len(ps))
	}
	for _, p := range ps {
		if got, want := p.PasswordHash != "", p.Username != ""; got != want {
			t.Errorf("%s (username %q): got password %v, want %v", p.MRN, p.Username, got, want)
		}
		// The published demo password obeys the policy it demonstrates.
		if p.Username != "" {
			if err := (password.Policy{}).Check(patients.DemoPassword, p.Username, p.FirstName, p.LastName); err != nil {
				t.Errorf("%s: DemoPassword: %v", p.MRN, err)
			}
		}
	}
	olivia, err := f.records.PatientByUsername(ctx, "olivia.active")
	if err != nil || !password.Matches(olivia.PasswordHash, patients.DemoPassword) {
		t.Fatalf("Olivia's password: %v; want the demo password", err)
	}

	// A restart seeds again: the demo's changes stay.
	other, err := password.Hash(bottest.OtherPassword)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.records.UpdatePatient(ctx, olivia.RecordID, "k", func(p *patients.Patient) error {
		p.PasswordHash = other
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := f.reg.SeedDemo(ctx, csv, hash); err != nil {
		t.Fatal(err)
	}
	if p, _ := f.records.Patient(ctx, olivia.RecordID); !password.Matches(p.PasswordHash, bottest.OtherPassword) || p.Status != bot.AccountActive {
		t.Errorf("after a second seed: want the changed password kept")
	}
}
