package postgres_test

import (
	"context"
	"errors"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/bottest"
	"github.com/portico-chat/portico/bot/password"
	"github.com/portico-chat/portico/bot/patients"
	"github.com/portico-chat/portico/connectors/directory/local"
	"github.com/portico-chat/portico/storage/postgres"
	"github.com/portico-chat/portico/storage/postgres/pgtest"
)

// Demo patients from testdata/patients.csv used below.
const (
	demoCSV      = "../../testdata/patients.csv"
	demoPatients = 30
	longPassword = "correct horse battery staple"
	newPassword  = "violet lanterns over harbor"
)

var (
	jose   = bot.Lookup{FirstName: "Jose", LastName: "Nunez", DOB: "1975-06-30", ZIP: "10001"}
	olivia = "olivia.active" // an active account in the demo file
)

// directoryFixture is a real database file with the demo patients
// imported, the local directory over it and the records' registry.
type directoryFixture struct {
	opts  postgres.Options
	db    *postgres.DB
	dir   *local.Local
	reg   *patients.Registry
	clock *bot.ManualClock
}

func openDirectory(t *testing.T) *directoryFixture {
	t.Helper()
	f := &directoryFixture{
		opts:  pgtest.Options(t),
		clock: bottest.NewClock(),
	}
	f.reopen(t)
	csv, err := os.Open(demoCSV)
	if err != nil {
		t.Fatal(err)
	}
	defer csv.Close()
	if rep, err := f.reg.Import(context.Background(), csv, patients.ImportOptions{}); err != nil || rep.New != demoPatients {
		t.Fatalf("import demo patients: got %+v, %v; want %d new", rep, err, demoPatients)
	}
	return f
}

// reopen closes the database (if open) and opens the same one again.
func (f *directoryFixture) reopen(t *testing.T) {
	t.Helper()
	if f.db != nil {
		if err := f.db.Close(); err != nil {
			t.Fatal(err)
		}
	}
	db, err := postgres.Open(context.Background(), f.opts, zerolog.Nop())
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	f.db = db
	f.dir = local.New(db, password.Policy{}, f.clock, zerolog.Nop())
	f.reg = patients.NewRegistry(db, patients.Config{}, f.clock, zerolog.Nop())
}

func (f *directoryFixture) find(t *testing.T, d bot.Lookup) patients.Patient {
	t.Helper()
	id, err := f.dir.Find(context.Background(), d)
	if err != nil {
		t.Fatalf("find %+v: %v", d, err)
	}
	p, err := f.db.Patient(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDirectoryLookups(t *testing.T) {
	f := openDirectory(t)
	ctx := context.Background()
	p := f.find(t, jose)
	if p.FirstName != "José" || p.LastName != "Núñez" || p.Phone != "+12125550102" || p.Status != bot.AccountPending {
		t.Errorf("got %q %q %q %s, want José Núñez +12125550102 pending", p.FirstName, p.LastName, p.Phone, p.Status)
	}
	if !p.ActivationExpires.Equal(f.clock.Now().Add(patients.DefaultActivationTTL)) || p.ActivationHash == "" {
		t.Errorf("got activation %q until %v, want a hash until import + 90 days", p.ActivationHash, p.ActivationExpires)
	}
	twins, err := f.db.PatientsByDOBZIP(ctx, "2012-04-01", "60601")
	if err != nil || len(twins) != 2 {
		t.Fatalf("twins: got %d, %v; want 2", len(twins), err)
	}
	none, err := f.db.PatientsByDOBZIP(ctx, "2012-04-01", "60602")
	if err != nil || len(none) != 0 {
		t.Errorf("no match: got %d, %v; want 0, nil", len(none), err)
	}
	for _, u := range []string{olivia, "OLIVIA.Active"} {
		if p, err := f.db.PatientByUsername(ctx, u); err != nil || p.Username != olivia {
			t.Errorf("PatientByUsername(%q): got %q, %v; want %q", u, p.Username, err, olivia)
		}
	}
	for _, err := range []error{
		func() error { _, err := f.db.PatientByUsername(ctx, "nobody"); return err }(),
		func() error { _, err := f.db.Patient(ctx, "pt_nobody"); return err }(),
	} {
		if bot.ErrorCode(err) != bot.ENOTFOUND {
			t.Errorf("got %v, want not found", err)
		}
	}
	all, err := f.db.Patients(ctx)
	if err != nil || len(all) != demoPatients {
		t.Fatalf("Patients: got %d, %v; want %d", len(all), err, demoPatients)
	}
	if !slices.IsSortedFunc(all, func(a, b patients.Patient) int { return strings.Compare(a.MRN, b.MRN) }) {
		t.Error("Patients: want MRN order")
	}
}

func TestDirectoryAccountLifecycleSurvivesRestart(t *testing.T) {
	f := openDirectory(t)
	ctx := context.Background()
	id := f.find(t, jose).RecordID
	codes, err := f.db.ActivationCodes(ctx, []string{id, "pt_nobody"})
	if err != nil || len(codes) != 1 || !bot.ActivationCodeMatches(codes[id].Hash, bot.NormalizeActivationCode("xnwks-bjr3c")) {
		t.Fatalf("activation code: got %+v, %v; want José's imported code alone", codes, err)
	}
	if err := f.dir.Activate(ctx, id, "jose.n", longPassword, "conv-a:4"); err != nil {
		t.Fatal(err)
	}
	if err := f.db.DropActivationCode(ctx, id); err != nil { // as the engine does after an activation
		t.Fatal(err)
	}
	f.reopen(t)
	if codes, err := f.db.ActivationCodes(ctx, []string{id}); err != nil || len(codes) != 0 {
		t.Errorf("used code: got %+v, %v; want it gone after a restart", codes, err)
	}
	if got, err := f.dir.SignIn(ctx, "Jose.N", longPassword); err != nil || got != id {
		t.Errorf("sign in: got %q, %v; want %q", got, err, id)
	}
	// The retried activation is recognised after the restart.
	if err := f.dir.Activate(ctx, id, "jose.n", longPassword, "conv-a:4"); err != nil {
		t.Errorf("retried activation: got %v, want nil", err)
	}
	for range local.MaxFailedSignIns {
		f.dir.SignIn(ctx, "jose.n", "not the password at all")
	}
	if a, _ := f.dir.Account(ctx, id); a.Status != bot.AccountLocked {
		t.Fatalf("after %d bad sign-ins: got %s, want locked", local.MaxFailedSignIns, a.Status)
	}
	f.reopen(t)
	if err := f.dir.SetPassword(ctx, id, newPassword, "conv-b:9"); err != nil {
		t.Fatal(err)
	}
	p, _ := f.db.Patient(ctx, id)
	if p.Status != bot.AccountActive || p.FailedSignIns != 0 || p.SessionGen != 1 {
		t.Errorf("after reset: got %s, %d failures, session %d; want active, 0, 1", p.Status, p.FailedSignIns, p.SessionGen)
	}
	if got, err := f.dir.SignIn(ctx, "jose.n", newPassword); err != nil || got != id {
		t.Errorf("sign in with new password: got %q, %v", got, err)
	}
}

func TestDirectoryIdempotencyUnderConcurrentRetries(t *testing.T) {
	f := openDirectory(t)
	ctx := context.Background()
	id := f.find(t, bot.Lookup{Username: olivia, DOB: "1985-05-17"}).RecordID
	// Two deliveries of the same step race; each with its own password.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, pw := range []string{longPassword, newPassword} {
		wg.Go(func() { errs[i] = f.dir.SetPassword(ctx, id, pw, "conv-c:2") })
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil {
		t.Fatalf("got %v, want nil twice", errs)
	}
	p, _ := f.db.Patient(ctx, id)
	if p.SessionGen != 1 {
		t.Errorf("got session generation %d, want 1: the change applied once", p.SessionGen)
	}
	matches := 0
	for _, pw := range []string{longPassword, newPassword} {
		if password.Matches(p.PasswordHash, pw) {
			matches++
		}
	}
	if matches != 1 {
		t.Errorf("got a hash matching %d of the two passwords, want exactly 1", matches)
	}
	// Sequential repeat with another password: the hash does not change.
	before := p.PasswordHash
	if err := f.dir.SetPassword(ctx, id, "a third long passphrase", "conv-c:2"); err != nil {
		t.Fatal(err)
	}
	if p, _ := f.db.Patient(ctx, id); p.PasswordHash != before {
		t.Error("repeat with the same key changed the password hash")
	}
}

func TestDirectoryUpdatePatient(t *testing.T) {
	f := openDirectory(t)
	ctx := context.Background()
	id := f.find(t, jose).RecordID
	boom := errors.New("refused")

	applied, err := f.db.UpdatePatient(ctx, id, "k-1", func(*patients.Patient) error { return boom })
	if !errors.Is(err, boom) || applied {
		t.Errorf("failing change: got %v, %v; want the change's error", applied, err)
	}
	if done, _ := f.db.KeyApplied(ctx, "k-1"); done {
		t.Error("key stored for a failed change")
	}
	_, err = f.db.UpdatePatient(ctx, id, "k-2", func(p *patients.Patient) error {
		p.Username = "OLIVIA.ACTIVE"
		return nil
	})
	if bot.ErrorCode(err) != bot.EINVALID || bot.ErrorMessage(err) != bot.UsernameTaken {
		t.Errorf("taken username: got %v, want invalid: %s", err, bot.UsernameTaken)
	}
	if p, _ := f.db.Patient(ctx, id); p.Username != "" {
		t.Errorf("got username %q after a refused change, want none", p.Username)
	}
	_, err = f.db.UpdatePatient(ctx, "pt_nobody", "k-3", func(*patients.Patient) error { return nil })
	if bot.ErrorCode(err) != bot.ENOTFOUND {
		t.Errorf("unknown record: got %v, want not found", err)
	}
	// Every field round-trips; the activation code is not the record's to
	// change.
	at := f.clock.Now().Add(time.Hour)
	code := f.find(t, jose).ActivationHash
	applied, err = f.db.UpdatePatient(ctx, id, "k-4", func(p *patients.Patient) error {
		p.Username, p.PasswordHash, p.ActivationHash = "jn", "$argon2id$x", ""
		p.ActivationExpires, p.Status, p.FailedSignIns, p.SessionGen, p.UpdatedAt = time.Time{}, bot.AccountLocked, 3, 7, at
		p.Email, p.Phone = "", "+442079460958"
		return nil
	})
	if err != nil || !applied {
		t.Fatalf("got %v, %v; want applied", applied, err)
	}
	p, _ := f.db.Patient(ctx, id)
	got := []any{p.Username, p.PasswordHash, p.ActivationHash, p.ActivationExpires.IsZero(), p.Status, p.FailedSignIns, p.SessionGen, p.UpdatedAt, p.Email, p.Phone}
	want := []any{"jn", "$argon2id$x", code, false, bot.AccountLocked, 3, int64(7), at, "", "+442079460958"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
	if applied, err := f.db.UpdatePatient(ctx, id, "k-4", func(*patients.Patient) error { panic("called again") }); err != nil || applied {
		t.Errorf("repeated key: got %v, %v; want false, nil without calling change", applied, err)
	}
}

func TestDirectoryImportIsAllOrNothing(t *testing.T) {
	header := patients.ImportHeader + "\n"
	tests := []struct {
		name, csv, want string
	}{
		{"bad date", header + "N-1,Ok,Row,1980-01-01,02139,,,,,\nN-2,Bad,Row,1980-02-30,02139,,,,,\n",
			`line 3, column 4 (dob): not a real date`},
		{"bad status", header + "N-1,Ok,Row,1980-01-01,02139,,,,,\nN-2,Bad,Row,1980-02-03,02139,,,,,closed\n",
			`line 3, column 10 (status): want pending, active, locked or disabled`},
		{"bad header", "MRN,first_name,last_name,dob,zip,email,phone,username,activation_code,status\n",
			`line 1: the header must be exactly "` + patients.ImportHeader + `"`},
		{"duplicate username in file", header + "N-1,Ok,Row,1980-01-01,02139,,,new.user,,active\nN-2,Bad,Row,1980-01-01,02139,,,NEW.USER,,active\n",
			`line 3, column 8 (username): already on line 2`},
		{"username on file", header + "N-1,Ok,Row,1980-01-01,02139,,,,,\nN-2,Bad,Row,1980-01-01,02139,,,Olivia.Active,,active\n",
			`line 3, column 8 (username): taken by another record`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := openDirectory(t)
			ctx := context.Background()
			before, _ := f.db.Patients(ctx)
			rep, err := f.reg.Import(ctx, strings.NewReader(tt.csv), patients.ImportOptions{})
			if rep.Applied || bot.ErrorCode(err) != bot.EINVALID || len(rep.Problems) != 1 || rep.Problems[0].String() != tt.want {
				t.Errorf("got %+v, %v\nwant not applied, invalid: %s", rep, err, tt.want)
			}
			if after, _ := f.db.Patients(ctx); !reflect.DeepEqual(after, before) {
				t.Errorf("patients changed: got %d rows, want the %d from before", len(after), len(before))
			}
		})
	}
}

func TestDirectoryImportPatientsRollsBackOnClash(t *testing.T) {
	f := openDirectory(t)
	ctx := context.Background()
	before, _ := f.db.Patients(ctx)
	// Bypassing the importer's checks: the database itself refuses the
	// second record's username, and the first record goes too.
	err := f.db.ImportPatients(ctx, []patients.Patient{
		{RecordID: "pt_new1", MRN: "N-1", FirstName: "A", LastName: "B", DOB: "1990-01-01", ZIP: "02139"},
		{RecordID: "pt_new2", MRN: "N-2", FirstName: "C", LastName: "D", DOB: "1990-01-01", ZIP: "02139", Username: "MDEMO", Status: bot.AccountActive},
	})
	if bot.ErrorCode(err) != bot.EINVALID || bot.ErrorMessage(err) != bot.UsernameTaken {
		t.Errorf("got %v, want invalid: %s", err, bot.UsernameTaken)
	}
	if after, _ := f.db.Patients(ctx); !reflect.DeepEqual(after, before) {
		t.Errorf("got %d patients, want the %d from before", len(after), len(before))
	}
}

func TestDirectoryReimportKeepsAccount(t *testing.T) {
	f := openDirectory(t)
	ctx := context.Background()
	p := f.find(t, bot.Lookup{Username: olivia, DOB: "1985-05-17"})
	if err := f.dir.SetPassword(ctx, p.RecordID, longPassword, "k"); err != nil {
		t.Fatal(err)
	}
	p, _ = f.db.Patient(ctx, p.RecordID)
	f.clock.Advance(24 * time.Hour)
	csv := patients.ImportHeader + "\nDEMO-1011,Olivia,Activeuser-Married,1985-05-17,02140,olivia.new@example.org,,,,\n"
	if rep, err := f.reg.Import(ctx, strings.NewReader(csv), patients.ImportOptions{}); err != nil || rep.Updated != 1 {
		t.Fatalf("got %+v, %v; want 1 updated", rep, err)
	}
	q, _ := f.db.Patient(ctx, p.RecordID)
	if q.LastName != "Activeuser-Married" || q.ZIP != "02140" || q.Email != "olivia.new@example.org" || q.Phone != "" {
		t.Errorf("got %q %q %q %q, want the new demographics and contacts", q.LastName, q.ZIP, q.Email, q.Phone)
	}
	if q.PasswordHash != p.PasswordHash || q.Username != olivia || q.Status != bot.AccountActive ||
		q.SessionGen != p.SessionGen || !q.CreatedAt.Equal(p.CreatedAt) || !q.UpdatedAt.Equal(f.clock.Now()) {
		t.Errorf("account not kept: got %+v", q)
	}
}

func TestDirectoryFindTiming(t *testing.T) {
	const trials = 201
	const maxGap = 5 * time.Millisecond
	f := openDirectory(t)
	ctx := context.Background()
	miss := jose
	miss.DOB = "1975-06-29"
	var hit, no []time.Duration
	for range trials {
		start := time.Now()
		if _, err := f.dir.Find(ctx, jose); err != nil {
			t.Fatal(err)
		}
		hit = append(hit, time.Since(start))
		start = time.Now()
		if _, err := f.dir.Find(ctx, miss); bot.ErrorCode(err) != bot.ENOTFOUND {
			t.Fatalf("miss: got %v", err)
		}
		no = append(no, time.Since(start))
	}
	slices.Sort(hit)
	slices.Sort(no)
	mh, mn := hit[trials/2], no[trials/2]
	if gap := (mh - mn).Abs(); gap >= maxGap {
		t.Errorf("median match %v vs miss %v: gap %v, want < %v", mh, mn, gap, maxGap)
	}
}

func TestPurgeDirectoryKeys(t *testing.T) {
	f := openDirectory(t)
	ctx := context.Background()
	id := f.find(t, jose).RecordID
	for i, k := range []string{"old", "new"} {
		at := f.clock.Now().Add(time.Duration(i) * 48 * time.Hour)
		if _, err := f.db.UpdatePatient(ctx, id, k, func(p *patients.Patient) error { p.UpdatedAt = at; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	n, err := f.db.PurgeDirectoryKeys(ctx, f.clock.Now().Add(24*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("got %d, %v; want 1 purged", n, err)
	}
	for k, want := range map[string]bool{"old": false, "new": true} {
		if got, _ := f.db.KeyApplied(ctx, k); got != want {
			t.Errorf("key %q: got applied %v, want %v", k, got, want)
		}
	}
}
