package patients_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/bottest"
	"github.com/portico-chat/portico/bot/password"
	"github.com/portico-chat/portico/bot/patients"
)

const demoCSV = "../../testdata/patients.csv"

func TestImportDemoPatients(t *testing.T) {
	fx := emptyFixture()
	recs, clock, dir := fx.records, fx.clock, fx.reg
	ctx := context.Background()
	f, err := os.Open(demoCSV)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := dir.Import(ctx, f, patients.ImportOptions{})
	if err != nil || rep.New != 30 || !rep.Applied {
		t.Fatalf("got %+v, %v; want 30 new rows, applied", rep, err)
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
	id := fx.find(t, "jose", "NUNEZ", "1975-06-30", "10001")
	if id == "" {
		t.Fatal("find José: no record")
	}
	jose, _ := recs.Patient(ctx, id)
	if jose.Phone != "+12125550102" || jose.Email != "jose.nunez@example.com" || jose.Status != bot.AccountPending {
		t.Errorf("got José %q %q %s, want +12125550102 jose.nunez@example.com pending", jose.Phone, jose.Email, jose.Status)
	}
	if strings.Contains(jose.ActivationHash, "XNWKS") || !jose.ActivationExpires.Equal(clock.Now().Add(patients.DefaultActivationTTL)) {
		t.Errorf("got activation hash %q expiring %v, want a hash expiring in 90 days", jose.ActivationHash, jose.ActivationExpires)
	}
	if !fx.opens(t, id, "xnwks bjr3c") {
		t.Errorf("José's code, typed in lower case with a space: does not open his record")
	}
	// The twins share date of birth and ZIP; each is found by name, and
	// each code opens only its own record.
	riley := fx.find(t, "Riley", "Twinsample", "2012-04-01", "60601")
	jordan := fx.find(t, "Jordan", "Twinsample", "2012-04-01", "60601")
	if riley == "" || jordan == "" || riley == jordan {
		t.Errorf("twins: got %q and %q, want two records", riley, jordan)
	}
	if !fx.opens(t, jordan, "DUJZE-5ZXA6") || fx.opens(t, riley, "DUJZE-5ZXA6") {
		t.Errorf("Jordan's code: opens Jordan's record %v, Riley's %v; want only Jordan's",
			fx.opens(t, jordan, "DUJZE-5ZXA6"), fx.opens(t, riley, "DUJZE-5ZXA6"))
	}
	// Zoë's empty status cell means pending.
	zoe := fx.find(t, "Zoe", "de la cruz", "2000-01-01", "92101")
	if p, err := recs.Patient(ctx, zoe); err != nil || p.Status != bot.AccountPending {
		t.Errorf("Zoë: got %+v, %v; want pending", p.Status, err)
	}
	// Active accounts arrive without a password.
	olivia, _ := recs.PatientByUsername(ctx, "olivia.active")
	if olivia.Status != bot.AccountActive || olivia.PasswordHash != "" {
		t.Errorf("Olivia: got %s with hash %q, want active without password", olivia.Status, olivia.PasswordHash)
	}
}

const header = patients.ImportHeader + "\n"

func TestImportRejectsBadRowsAndImportsNothing(t *testing.T) {
	good := "M-1,Ana,Good,1980-01-02,02139,ana@example.org,(617) 555-0101,,,pending\n"
	tests := []struct {
		name, csv, want string
	}{
		{"bad date", header + good + "M-2,Bo,Bad,1980-02-30,02139,,,,,\n",
			`line 3, column 4 (dob): not a real date`},
		{"date format", header + "M-2,Bo,Bad,02/03/1980,02139,,,,,\n",
			`line 2, column 4 (dob): want YYYY-MM-DD`},
		{"bad status", header + good + "M-2,Bo,Bad,1980-02-03,02139,,,bo.bad,,enabled\n",
			`line 3, column 10 (status): want pending, active, locked or disabled`},
		{"bad header", "mrn,first,last,dob,zip,email,phone,username,activation_code,status\n" + good,
			`line 1: the header must be exactly "` + patients.ImportHeader + `"`},
		{"header in other order", "first_name,mrn,last_name,dob,zip,email,phone,username,activation_code,status\n" + good,
			`line 1: the header must be exactly "` + patients.ImportHeader + `"`},
		{"empty file", "", `line 1: empty file: want the header "` + patients.ImportHeader + `"`},
		{"duplicate username in file", header + "M-2,Bo,One,1980-02-03,02139,,,bo.b,,active\n" + good + "M-3,Bo,Two,1980-02-04,02139,,,BO.B,,active\n",
			`line 4, column 8 (username): already on line 2`},
		{"username of another record", header + good + "M-2,Bo,Bad,1980-02-03,02139,,,JNUNEZ,,active\n",
			`line 3, column 8 (username): taken by another record`},
		{"duplicate MRN", header + good + strings.Replace(good, "Ana", "Anna", 1),
			`line 3, column 1 (mrn): already on line 2`},
		{"missing MRN", header + ",Bo,Bad,1980-02-03,02139,,,,,\n",
			`line 2, column 1 (mrn): want 1 to 64 characters`},
		{"missing name", header + "M-2,,Bad,1980-02-03,02139,,,,,\n",
			`line 2, column 2 (first_name): want a name of at most 100 characters`},
		{"bad zip", header + "M-2,Bo,Bad,1980-02-03,0213,,,,,\n", `line 2, column 5 (zip): want five digits`},
		{"bad email", header + "M-2,Bo,Bad,1980-02-03,02139,bo at example.org,,,,\n",
			`line 2, column 6 (email): not an email address`},
		{"bad phone", header + "M-2,Bo,Bad,1980-02-03,02139,,555-0101,,,\n",
			`line 2, column 7 (phone): not a US number or +country number`},
		{"bad username", header + "M-2,Bo,Bad,1980-02-03,02139,,,-bo,,active\n",
			`line 2, column 8 (username): want 3 to 64 letters, digits or ._-@, starting with a letter or digit`},
		{"active without username", header + "M-2,Bo,Bad,1980-02-03,02139,,,,,active\n",
			`line 2, column 10 (status): active needs a username`},
		{"code on active account", header + "M-2,Bo,Bad,1980-02-03,02139,,,bo.bad,ABCDE-FGHJK,active\n",
			`line 2, column 9 (activation_code): only for pending accounts, not active`},
		{"short code", header + "M-2,Bo,Bad,1980-02-03,02139,,,,ABC-123,pending\n",
			`line 2, column 9 (activation_code): want 8 to 64 letters or digits`},
		{"code with symbols", header + "M-2,Bo,Bad,1980-02-03,02139,,,,ABCDE+FGHJK,pending\n",
			`line 2, column 9 (activation_code): want 8 to 64 letters or digits`},
		{"too few columns", header + good + "M-2,Bo,Bad,1980-02-03,02139\n", `line 3: 5 columns, want 10`},
		{"too many columns", header + "M-2,Bo,Bad,1980-02-03,02139,,,,,,extra\n", `line 2: 11 columns, want 10`},
		{"broken quote", header + good + "M-2,\"Bo,Bad,1980-02-03,02139,,,,,\n", `line 3: extraneous or missing " in quoted-field`},
		{"invalid UTF-8", header + "M-2,B\xff,Bad,1980-02-03,02139,,,,,\n", `line 2, column 2 (first_name): not valid UTF-8`},
		{"long cell", header + "M-2,Bo,Bad,1980-02-03,02139," + strings.Repeat("x", 600) + "@example.org,,,,\n",
			`line 2, column 6 (email): longer than 512 bytes`},
		{"long line", header + "M-2,Bo," + strings.Repeat("Bad", 2000) + ",1980-02-03,02139,,,,,\n",
			`line 2: longer than 4096 bytes`},
		{"quoted line break", header + "M-2,\"Bo\nBo\",Bad,1980-02-03,02139,,,,,\n",
			`line 2: extraneous or missing " in quoted-field`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			ctx := context.Background()
			before, _ := f.records.Patients(ctx)
			rep, err := f.reg.Import(ctx, strings.NewReader(tt.csv), patients.ImportOptions{})
			if bot.ErrorCode(err) != bot.EINVALID || rep.Applied || len(rep.Problems) == 0 || rep.Problems[0].String() != tt.want {
				t.Errorf("got %+v, %v\nwant not applied, the first problem: %s", rep, err, tt.want)
			}
			if after, _ := f.records.Patients(ctx); !reflect.DeepEqual(after, before) {
				t.Errorf("records changed: got %d, want the %d from before", len(after), len(before))
			}
		})
	}
}

// TestImportReportsEveryProblemAndNoValue: one run lists every bad cell of
// every bad row, up to patients.MaxImportProblems and then a count; no problem
// quotes a cell, which is patients' data.
func TestImportReportsEveryProblemAndNoValue(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	csv := header +
		"M-1,Ana,Good,1980-01-02,02139,ana@example.org,,,,\n" +
		"M-2,Zed,Secretname,1980-02-30,0213x,zed at example.org,,,,\n" + // three bad cells
		"M-3,Ann,Fine,1999-09-09,60614,,,,,\n" +
		"M-4,Kim,Privateperson,1970-01-01,60614,,555-0101,,,enabled\n" // two bad cells
	rep, err := f.reg.Import(ctx, strings.NewReader(csv), patients.ImportOptions{})
	var got []string
	for _, p := range rep.Problems {
		got = append(got, p.String())
	}
	want := []string{
		"line 3, column 4 (dob): not a real date",
		"line 3, column 5 (zip): want five digits",
		"line 3, column 6 (email): not an email address",
		"line 5, column 7 (phone): not a US number or +country number",
		"line 5, column 10 (status): want pending, active, locked or disabled",
	}
	if bot.ErrorCode(err) != bot.EINVALID || !reflect.DeepEqual(got, want) || rep.Rows != 4 || rep.Applied {
		t.Errorf("got %q (%d rows, applied %v), %v\nwant %q, nothing applied", got, rep.Rows, rep.Applied, err, want)
	}
	for _, value := range []string{"Secretname", "1980-02-30", "0213x", "zed at", "555-0101", "enabled", "Privateperson"} {
		if strings.Contains(strings.Join(got, "\n")+err.Error(), value) {
			t.Errorf("a problem quotes the cell %q", value)
		}
	}

	var many strings.Builder
	many.WriteString(header)
	for i := range patients.MaxImportProblems + 20 {
		fmt.Fprintf(&many, "M-%d,Bo,Bad,1980-02-30,02139,,,,,\n", i)
	}
	rep, _ = f.reg.Import(ctx, strings.NewReader(many.String()), patients.ImportOptions{})
	if len(rep.Problems) != patients.MaxImportProblems || rep.MoreProblems != 20 || rep.Bad() != patients.MaxImportProblems+20 {
		t.Errorf("%d bad rows: got %d problems listed and %d more, want %d and 20", patients.MaxImportProblems+20, len(rep.Problems), rep.MoreProblems, patients.MaxImportProblems)
	}
}

// TestImportStreamsAHugeCell: a 64 MiB cell is skipped as a line too long
// without being held in memory, and the rows after it are still checked.
func TestImportStreamsAHugeCell(t *testing.T) {
	const huge = 64 << 20
	f := newFixture(t)
	r := io.MultiReader(
		strings.NewReader(header+"M-1,Ana,"),
		io.LimitReader(repeatByte('A'), huge),
		strings.NewReader(",1980-01-02,02139,,,,,\nM-2,Bo,Bad,1980-02-30,02139,,,,,\n"),
	)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	rep, _ := f.reg.Import(context.Background(), r, patients.ImportOptions{})
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > huge/8 {
		t.Errorf("importing a %d MiB cell allocated %d MiB, want it streamed", huge>>20, alloc>>20)
	}
	var got []string
	for _, p := range rep.Problems {
		got = append(got, p.String())
	}
	want := []string{"line 2: longer than 4096 bytes", "line 3, column 4 (dob): not a real date"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// repeatByte reads as an endless run of b.
type repeatByte byte

func (b repeatByte) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

// TestImportSummaryAndDryRun: the report counts new, updated and unchanged
// rows; a dry run counts the same and writes nothing; importing the same
// file twice changes nothing the second time.
func TestImportSummaryAndDryRun(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	csv := header +
		"M2,José,Núñez Ortega,1975-06-30,10001,,,,,\n" + // on file: a new last name
		"M9,New,Patient,2000-02-02,12345,,,,ABCDE-FGHJK,\n" + // new
		"M10,Other,Patient,2001-03-03,12345,,,,,\n" // new
	before, _ := f.records.Patients(ctx)
	rep, err := f.reg.Import(ctx, strings.NewReader(csv), patients.ImportOptions{DryRun: true})
	if err != nil || rep.New != 2 || rep.Updated != 1 || rep.Unchanged != 0 || rep.Applied {
		t.Fatalf("dry run: got %+v, %v; want 2 new, 1 updated, nothing applied", rep, err)
	}
	if after, _ := f.records.Patients(ctx); !reflect.DeepEqual(after, before) {
		t.Errorf("a dry run changed the records")
	}
	rep, err = f.reg.Import(ctx, strings.NewReader(csv), patients.ImportOptions{})
	if err != nil || rep.New != 2 || rep.Updated != 1 || !rep.Applied {
		t.Fatalf("import: got %+v, %v; want 2 new, 1 updated, applied", rep, err)
	}
	rep, err = f.reg.Import(ctx, strings.NewReader(csv), patients.ImportOptions{})
	if err != nil || rep.New != 0 || rep.Updated != 0 || rep.Unchanged != 3 {
		t.Errorf("the same file again: got %+v, %v; want 3 unchanged", rep, err)
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
	if rep, err := f.reg.Import(ctx, strings.NewReader(csv), patients.ImportOptions{}); err != nil || rep.New+rep.Updated != 2 {
		t.Fatalf("got %+v, %v; want 2 rows written", rep, err)
	}
	after, _ := f.records.Patient(ctx, "r-jose")
	if after.LastName != "Núñez Ortega" || after.Email != "jose.new@example.com" || after.Phone != "" {
		t.Errorf("got %q %q %q, want the imported name and contacts", after.LastName, after.Email, after.Phone)
	}
	if after.PasswordHash != before.PasswordHash || after.Username != "jnunez" || after.Status != bot.AccountActive {
		t.Errorf("got hash kept %v, username %q, status %s; want the account untouched",
			after.PasswordHash == before.PasswordHash, after.Username, after.Status)
	}
	if !password.Matches(after.PasswordHash, bottest.GoodPassword) {
		t.Errorf("after re-import the password no longer matches")
	}
	ps, _ := f.records.Patients(ctx)
	if len(ps) != 9 || ps[8].MRN != "M9" || ps[8].Status != bot.AccountPending {
		t.Errorf("got %d records (last %+v), want 9 with M9 pending", len(ps), ps[len(ps)-1])
	}
	// An explicit status is applied: the clinic disables an account.
	if _, err := f.reg.Import(ctx, strings.NewReader(header+"M2,José,Núñez,1975-06-30,10001,,,,,disabled\n"), patients.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if p, _ := f.records.Patient(ctx, "r-jose"); p.Status != bot.AccountDisabled {
		t.Errorf("got %s, want disabled", p.Status)
	}
}

func TestImportAcceptsBOMAndSpaces(t *testing.T) {
	f := newFixture(t)
	csv := "\ufeff" + header + " M-7 , Ana , Spaced , 1980-01-02 , 02139-1234 , ana.s@Example.ORG , 617.555.0107 , ana.s , abcde fghjk , pending \n"
	if rep, err := f.reg.Import(context.Background(), strings.NewReader(csv), patients.ImportOptions{}); err != nil || rep.New != 1 {
		t.Fatalf("got %+v, %v; want 1 new", rep, err)
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
	if !f.opens(t, p.RecordID, "ABCDE-FGHJK") {
		t.Errorf("code: does not open %q", p.RecordID)
	}
}
