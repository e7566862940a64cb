package portal

import (
	"context"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/portico-chat/portico/bot"
)

const demoCSV = "../../testdata/patients.csv"

func TestImportDemoPatients(t *testing.T) {
	clock := newFakeClock()
	recs := newMemRecords()
	dir := NewLocal(recs, Policy{}, clock, nopLog)
	ctx := context.Background()
	f, err := os.Open(demoCSV)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n, err := dir.Import(ctx, f)
	if err != nil || n != 30 {
		t.Fatalf("got %d, %v; want 30 rows", n, err)
	}
	ps, _ := dir.List(ctx)
	statuses := map[bot.AccountStatus]int{}
	for _, p := range ps {
		statuses[p.Status]++
		if !strings.HasPrefix(p.RecordID, "pt_") || len(p.RecordID) != 35 {
			t.Errorf("%s: got record ID %q, want pt_ and 32 hex digits", p.MRN, p.RecordID)
		}
	}
	want := map[bot.AccountStatus]int{bot.AccountPending: 17, bot.AccountActive: 9, bot.AccountLocked: 2, bot.AccountDisabled: 2}
	if !reflect.DeepEqual(statuses, want) {
		t.Errorf("got statuses %v, want %v", statuses, want)
	}

	// José is found with or without accents, and his code works once
	// normalised; it is stored only as a hash that expires in 90 days.
	id, err := dir.Find(ctx, bot.Demographics{FirstName: "jose", LastName: "NUNEZ", DOB: "1975-06-30", ZIP: "10001"})
	if err != nil {
		t.Fatalf("find José: %v", err)
	}
	jose, _ := recs.Patient(ctx, id)
	if jose.Phone != "+12125550102" || jose.Email != "jose.nunez@example.com" || jose.Status != bot.AccountPending {
		t.Errorf("got José %q %q %s, want +12125550102 jose.nunez@example.com pending", jose.Phone, jose.Email, jose.Status)
	}
	if strings.Contains(jose.ActivationHash, "XNWKS") || !jose.ActivationExpires.Equal(clock.Now().Add(DefaultActivationTTL)) {
		t.Errorf("got activation hash %q expiring %v, want a hash expiring in 90 days", jose.ActivationHash, jose.ActivationExpires)
	}
	if got, err := dir.CheckActivationCode(ctx, "xnwks bjr3c", "1975-06-30", "10001"); err != nil || got != id {
		t.Errorf("José's code: got %q, %v; want %q", got, err, id)
	}
	// The twins share date of birth and ZIP; each is found by name, and
	// each code opens only its own record.
	riley, err1 := dir.Find(ctx, bot.Demographics{FirstName: "Riley", LastName: "Twinsample", DOB: "2012-04-01", ZIP: "60601"})
	jordan, err2 := dir.CheckActivationCode(ctx, "DUJZE-5ZXA6", "2012-04-01", "60601")
	if err1 != nil || err2 != nil || riley == jordan {
		t.Errorf("twins: got %q (%v) and %q (%v), want two records", riley, err1, jordan, err2)
	}
	// Zoë's empty status cell means pending.
	zoe, err := dir.Find(ctx, bot.Demographics{FirstName: "Zoe", LastName: "de la cruz", DOB: "2000-01-01", ZIP: "92101"})
	if a, _ := dir.Account(ctx, zoe); err != nil || a.Status != bot.AccountPending {
		t.Errorf("Zoë: got %+v, %v; want pending", a, err)
	}
	// Active accounts arrive without a password.
	olivia, _ := recs.PatientByUsername(ctx, "olivia.active")
	if olivia.Status != bot.AccountActive || olivia.PasswordHash != "" {
		t.Errorf("Olivia: got %s with hash %q, want active without password", olivia.Status, olivia.PasswordHash)
	}
}

const header = ImportHeader + "\n"

func TestImportRejectsBadRowsAndImportsNothing(t *testing.T) {
	good := "M-1,Ana,Good,1980-01-02,02139,ana@example.org,(617) 555-0101,,,pending\n"
	tests := []struct {
		name, csv, want string
	}{
		{"bad date", header + good + "M-2,Bo,Bad,1980-02-30,02139,,,,,\n",
			`line 3: dob "1980-02-30": not a real date`},
		{"date format", header + "M-2,Bo,Bad,02/03/1980,02139,,,,,\n",
			`line 2: dob "02/03/1980": want YYYY-MM-DD`},
		{"bad status", header + good + "M-2,Bo,Bad,1980-02-03,02139,,,bo.bad,,enabled\n",
			`line 3: status "enabled": want pending, active, locked or disabled`},
		{"bad header", "mrn,first,last,dob,zip,email,phone,username,activation_code,status\n" + good,
			`line 1: header "mrn,first,last,dob,zip,email,phone,username,activation_code,status": want "` + ImportHeader + `"`},
		{"header in other order", "first_name,mrn,last_name,dob,zip,email,phone,username,activation_code,status\n" + good,
			`line 1: header "first_name,mrn,last_name,dob,zip,email,phone,username,activation_code,status": want "` + ImportHeader + `"`},
		{"empty file", "", `line 1: empty file: want the header "` + ImportHeader + `"`},
		{"duplicate username in file", header + "M-2,Bo,One,1980-02-03,02139,,,bo.b,,active\n" + good + "M-3,Bo,Two,1980-02-04,02139,,,BO.B,,active\n",
			`line 4: username "BO.B": already on line 2`},
		{"username of another record", header + good + "M-2,Bo,Bad,1980-02-03,02139,,,JNUNEZ,,active\n",
			`line 3: username "JNUNEZ": taken by another record`},
		{"duplicate MRN", header + good + strings.Replace(good, "Ana", "Anna", 1),
			`line 3: mrn "M-1": already on line 2`},
		{"missing MRN", header + ",Bo,Bad,1980-02-03,02139,,,,,\n",
			`line 2: mrn "": want 1 to 64 characters`},
		{"missing name", header + "M-2,,Bad,1980-02-03,02139,,,,,\n",
			`line 2: first_name "": want a name of at most 100 characters`},
		{"bad zip", header + "M-2,Bo,Bad,1980-02-03,0213,,,,,\n", `line 2: zip "0213": want five digits`},
		{"bad email", header + "M-2,Bo,Bad,1980-02-03,02139,bo at example.org,,,,\n",
			`line 2: email "bo at example.org": not an email address`},
		{"bad phone", header + "M-2,Bo,Bad,1980-02-03,02139,,555-0101,,,\n",
			`line 2: phone "555-0101": not a US number or +country number`},
		{"bad username", header + "M-2,Bo,Bad,1980-02-03,02139,,,-bo,,active\n",
			`line 2: username "-bo": want 3 to 64 letters, digits or ._-@, starting with a letter or digit`},
		{"active without username", header + "M-2,Bo,Bad,1980-02-03,02139,,,,,active\n",
			`line 2: status "active": needs a username`},
		{"code on active account", header + "M-2,Bo,Bad,1980-02-03,02139,,,bo.bad,ABCDE-FGHJK,active\n",
			`line 2: activation_code: only for pending accounts, not "active"`},
		{"short code", header + "M-2,Bo,Bad,1980-02-03,02139,,,,ABC-123,pending\n",
			`line 2: activation_code: want 8 to 64 letters or digits`},
		{"code with symbols", header + "M-2,Bo,Bad,1980-02-03,02139,,,,ABCDE+FGHJK,pending\n",
			`line 2: activation_code: want 8 to 64 letters or digits`},
		{"too few columns", header + good + "M-2,Bo,Bad,1980-02-03,02139\n", `line 3: 5 columns, want 10`},
		{"too many columns", header + "M-2,Bo,Bad,1980-02-03,02139,,,,,,extra\n", `line 2: 11 columns, want 10`},
		{"broken quote", header + good + "M-2,\"Bo,Bad,1980-02-03,02139,,,,,\n", `line 3: extraneous or missing " in quoted-field`},
		{"invalid UTF-8", header + "M-2,B\xff,Bad,1980-02-03,02139,,,,,\n", `line 2: column 2: not valid UTF-8`},
		// A quoted field spanning lines: the bad row is still named by the
		// line it starts on.
		{"line of multi-line row", header + "M-2,\"Bo\nBo\",Bad,1980-02-03,02139,,,,,\n" + "M-3,Cy,Bad,1980-13-03,02139,,,,,\n",
			`line 4: dob "1980-13-03": not a real date`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			ctx := context.Background()
			before, _ := f.records.Patients(ctx)
			n, err := f.dir.Import(ctx, strings.NewReader(tt.csv))
			if n != 0 || bot.ErrorCode(err) != bot.EINVALID || bot.ErrorMessage(err) != tt.want {
				t.Errorf("got %d, %v\nwant 0, invalid: %s", n, err, tt.want)
			}
			if after, _ := f.records.Patients(ctx); !reflect.DeepEqual(after, before) {
				t.Errorf("records changed: got %d, want the %d from before", len(after), len(before))
			}
		})
	}
}

func TestImportUpsertsByMRN(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	before, _ := f.records.Patient(ctx, "r-jose")
	f.clock.Advance(1e9)
	// New contacts and name spelling for M2 (José); empty username, status
	// and code keep what is on file. A new record M9 arrives too.
	csv := header +
		"M2,José,Núñez Ortega,1975-06-30,10001,jose.new@example.com,,,,\n" +
		"M9,New,Patient,2000-02-02,12345,,,,,\n"
	if n, err := f.dir.Import(ctx, strings.NewReader(csv)); err != nil || n != 2 {
		t.Fatalf("got %d, %v; want 2", n, err)
	}
	after, _ := f.records.Patient(ctx, "r-jose")
	if after.LastName != "Núñez Ortega" || after.Email != "jose.new@example.com" || after.Phone != "" {
		t.Errorf("got %q %q %q, want the imported name and contacts", after.LastName, after.Email, after.Phone)
	}
	if after.PasswordHash != before.PasswordHash || after.Username != "jnunez" || after.Status != bot.AccountActive {
		t.Errorf("got hash kept %v, username %q, status %s; want the account untouched",
			after.PasswordHash == before.PasswordHash, after.Username, after.Status)
	}
	if _, err := f.dir.SignIn(ctx, "jnunez", goodPassword); err != nil {
		t.Errorf("sign in after re-import: %v", err)
	}
	ps, _ := f.records.Patients(ctx)
	if len(ps) != 9 || ps[8].MRN != "M9" || ps[8].Status != bot.AccountPending {
		t.Errorf("got %d records (last %+v), want 9 with M9 pending", len(ps), ps[len(ps)-1])
	}
	// An explicit status is applied: the clinic disables an account.
	if _, err := f.dir.Import(ctx, strings.NewReader(header+"M2,José,Núñez,1975-06-30,10001,,,,,disabled\n")); err != nil {
		t.Fatal(err)
	}
	if a, _ := f.dir.Account(ctx, "r-jose"); a.Status != bot.AccountDisabled {
		t.Errorf("got %s, want disabled", a.Status)
	}
}

func TestImportAcceptsBOMAndSpaces(t *testing.T) {
	f := newFixture(t)
	csv := "\ufeff" + header + " M-7 , Ana , Spaced , 1980-01-02 , 02139-1234 , ana.s@Example.ORG , 617.555.0107 , ana.s , abcde fghjk , pending \n"
	if n, err := f.dir.Import(context.Background(), strings.NewReader(csv)); err != nil || n != 1 {
		t.Fatalf("got %d, %v; want 1", n, err)
	}
	p, err := f.records.PatientByUsername(context.Background(), "ana.s")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"M-7", "Ana", "Spaced", "1980-01-02", "02139", "ana.s@example.org", "+16175550107"}
	got := []string{p.MRN, p.FirstName, p.LastName, p.DOB, p.ZIP, p.Email, p.Phone}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if id, err := f.dir.CheckActivationCode(context.Background(), "ABCDE-FGHJK", "1980-01-02", "02139"); err != nil || id != p.RecordID {
		t.Errorf("code: got %q, %v; want %q", id, err, p.RecordID)
	}
}
