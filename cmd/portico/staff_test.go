package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/password"
	"github.com/portico-chat/portico/connectors/directory/local"
	"github.com/portico-chat/portico/storage/sqlite"
)

func TestStaffCommands(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "portico.db")
	t.Setenv("PORTICO_STORAGE_SQLITE_PATH", dbPath)
	csv := filepath.Join(dir, "p.csv")
	os.WriteFile(csv, []byte("mrn,first_name,last_name,dob,zip,email,phone,username,activation_code,status\n"+
		"M1,Ann,Lee,1990-01-01,60614,ann@example.org,,,,pending\n"+
		"M2,Bo,Ray,1991-02-03,60614,bo@example.org,,bo.ray,,locked\n"), 0o600)
	if out, err := run(t, "patients", "import", csv); err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}

	out, err := run(t, "patients", "activation-code", "M1")
	code := regexp.MustCompile(`[A-Z0-9]{5}-[A-Z0-9]{5}`).FindString(out)
	if err != nil || code == "" {
		t.Fatalf("activation-code: %v\n%s", err, out)
	}
	if _, err := run(t, "patients", "activation-code", "M2"); err == nil {
		t.Error("an activation code was issued for an account that is not pending")
	}
	if _, err := run(t, "patients", "activation-code", "NOPE"); err == nil || !strings.Contains(err.Error(), "NOPE") {
		t.Errorf("unknown MRN: got %v, want an error naming it", err)
	}

	ctx := context.Background()
	db, err := sqlite.Open(ctx, dbPath, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	ann, _ := db.PatientByMRN(ctx, "M1")
	if cs, err := db.ActivationCodes(ctx, []string{ann.RecordID}); err != nil ||
		!bot.ActivationCodeMatches(cs[ann.RecordID].Hash, bot.NormalizeActivationCode(code)) || !time.Now().Before(cs[ann.RecordID].Expires) {
		t.Errorf("the issued code does not work: %v", err)
	}
	bo, _ := db.PatientByMRN(ctx, "M2")
	for range 100 {
		db.AddAttempt(ctx, "verify_fail_record", bo.RecordID, time.Now())
	}
	db.Close()

	if out, err := run(t, "patients", "unlock", "M2"); err != nil || !strings.Contains(out, "unlocked") {
		t.Fatalf("unlock: %v\n%s", err, out)
	}
	db, err = sqlite.Open(ctx, dbPath, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n, _ := db.CountAttempts(ctx, "verify_fail_record", bo.RecordID, time.Time{}); n != 0 {
		t.Errorf("after unlock the record still has %d failures", n)
	}
	if acc, _ := local.New(db, password.Policy{}, nil, zerolog.Nop()).Account(ctx, bo.RecordID); acc.Status != "active" {
		t.Errorf("after unlock the account is %s, want active", acc.Status)
	}
	events, _ := db.AuditEvents(ctx, 0, 100)
	var types []string
	for _, e := range events {
		types = append(types, e.Type)
	}
	for _, want := range []string{"patients.imported", "activation_code.issued", "record.unlocked"} {
		if !strings.Contains(strings.Join(types, " "), want) {
			t.Errorf("audit %v lacks %s", types, want)
		}
	}
}
