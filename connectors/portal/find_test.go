package portal

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
)

func TestFind(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name string
		d    bot.Demographics
		want string // record ID; "" for ENOTFOUND
	}{
		{"exact", bot.Demographics{FirstName: "Ana", LastName: "Testcase", DOB: "1980-01-02", ZIP: "02139"}, "r-ana"},
		{"case and spaces", bot.Demographics{FirstName: "  aNA ", LastName: "TEST CASE", DOB: "1980-01-02", ZIP: "02139"}, "r-ana"},
		{"accents dropped", bot.Demographics{FirstName: "Jose", LastName: "Nunez", DOB: "1975-06-30", ZIP: "10001"}, "r-jose"},
		{"accents typed", bot.Demographics{FirstName: "JOSÉ", LastName: "núñez", DOB: "1975-06-30", ZIP: "10001"}, "r-jose"},
		{"decomposed accents", bot.Demographics{FirstName: "Jose\u0301", LastName: "Nu\u0303n\u0303ez", DOB: "1975-06-30", ZIP: "10001"}, "r-jose"},
		{"ZIP+4", bot.Demographics{FirstName: "Ana", LastName: "Testcase", DOB: "1980-01-02", ZIP: "02139-4307"}, "r-ana"},
		{"hyphen optional", bot.Demographics{FirstName: "Kim", LastName: "Sample Twin", DOB: "2001-09-09", ZIP: "60601"}, "r-twin1"},
		{"twin by first name", bot.Demographics{FirstName: "Kai", LastName: "Sample-Twin", DOB: "2001-09-09", ZIP: "60601"}, "r-twin2"},
		{"wrong dob", bot.Demographics{FirstName: "Ana", LastName: "Testcase", DOB: "1980-02-01", ZIP: "02139"}, ""},
		{"wrong zip", bot.Demographics{FirstName: "Ana", LastName: "Testcase", DOB: "1980-01-02", ZIP: "02138"}, ""},
		{"wrong first name", bot.Demographics{FirstName: "Anna", LastName: "Testcase", DOB: "1980-01-02", ZIP: "02139"}, ""},
		{"missing first name", bot.Demographics{LastName: "Testcase", DOB: "1980-01-02", ZIP: "02139"}, ""},
		{"two identical records", bot.Demographics{FirstName: "Pat", LastName: "Double", DOB: "1950-05-05", ZIP: "30301"}, ""},
		{"nobody", bot.Demographics{FirstName: "No", LastName: "Body", DOB: "1999-09-09", ZIP: "99999"}, ""},
		{"username and dob", bot.Demographics{Username: "JNunez", DOB: "1975-06-30"}, "r-jose"},
		{"username, dob and zip", bot.Demographics{Username: "jnunez", DOB: "1975-06-30", ZIP: "10001"}, "r-jose"},
		{"username, wrong zip", bot.Demographics{Username: "jnunez", DOB: "1975-06-30", ZIP: "10002"}, ""},
		{"username, wrong dob", bot.Demographics{Username: "jnunez", DOB: "1975-06-29"}, ""},
		{"username, no dob", bot.Demographics{Username: "jnunez"}, ""},
		{"unknown username", bot.Demographics{Username: "nobody", DOB: "1975-06-30"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := f.dir.Find(context.Background(), tt.d)
			if tt.want == "" {
				wantCode(t, err, bot.ENOTFOUND, "")
				if got != "" {
					t.Errorf("got record %q with the error, want none", got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %q, %v; want %q, nil", got, err, tt.want)
			}
		})
	}
}

func TestFoldName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"José Núñez", "josenunez"},
		{"  O'Brien-Smith ", "obriensmith"},
		{"ＡＮＡ", "ana"}, // full-width letters
		{"Straße", "strasse"},
		{"Zoë\tDe La Cruz", "zoedelacruz"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := foldName(tt.in); got != tt.want {
			t.Errorf("foldName(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

// countingRecords counts lookups, to show Find does the same work whether
// or not a record matches.
type countingRecords struct {
	*memRecords
	byDOBZIP, byUsername int
}

func (c *countingRecords) PatientsByDOBZIP(ctx context.Context, dob, zip string) ([]Patient, error) {
	c.byDOBZIP++
	return c.memRecords.PatientsByDOBZIP(ctx, dob, zip)
}

func (c *countingRecords) PatientByUsername(ctx context.Context, u string) (Patient, error) {
	c.byUsername++
	return c.memRecords.PatientByUsername(ctx, u)
}

func TestFindDoesTheSameLookupsEitherWay(t *testing.T) {
	f := newFixture(t)
	c := &countingRecords{memRecords: f.records}
	dir := NewLocal(c, Policy{}, f.clock, zerolog.Nop())
	ctx := context.Background()
	for _, d := range []bot.Demographics{
		{FirstName: "Ana", LastName: "Testcase", DOB: "1980-01-02", ZIP: "02139"},
		{FirstName: "Ana", LastName: "Testcase", DOB: "1980-01-03", ZIP: "02139"},
		{FirstName: "", LastName: "", DOB: "", ZIP: ""},
	} {
		before := c.byDOBZIP
		dir.Find(ctx, d)
		if got := c.byDOBZIP - before; got != 1 {
			t.Errorf("Find(%+v): got %d lookups by dob and zip, want 1", d, got)
		}
	}
	for _, u := range []string{"jnunez", "nobody"} {
		before := c.byUsername
		dir.Find(ctx, bot.Demographics{Username: u, DOB: "1975-06-30"})
		if got := c.byUsername - before; got != 1 {
			t.Errorf("Find(username %q): got %d lookups by username, want 1", u, got)
		}
	}
}

// TestFindTimingDoesNotRevealAMatch is SECURITY.md's enumeration test:
// over 200+ trials the median time of a match and of a miss differ by
// less than 5 ms.
func TestFindTimingDoesNotRevealAMatch(t *testing.T) {
	const trials = 201
	const maxGap = 5 * time.Millisecond
	f := newFixture(t)
	ctx := context.Background()
	match := bot.Demographics{FirstName: "José", LastName: "Núñez", DOB: "1975-06-30", ZIP: "10001"}
	miss := bot.Demographics{FirstName: "José", LastName: "Núñez", DOB: "1975-06-29", ZIP: "10001"}
	var hit, no []time.Duration
	for range trials {
		for _, c := range []struct {
			d    bot.Demographics
			into *[]time.Duration
			ok   bool
		}{{match, &hit, true}, {miss, &no, false}} {
			start := time.Now()
			_, err := f.dir.Find(ctx, c.d)
			*c.into = append(*c.into, time.Since(start))
			if (err == nil) != c.ok {
				t.Fatalf("Find(%+v): got %v, want ok=%v", c.d, err, c.ok)
			}
		}
	}
	gap := median(hit) - median(no)
	if gap < 0 {
		gap = -gap
	}
	if gap >= maxGap {
		t.Errorf("median match %v vs miss %v: gap %v, want < %v", median(hit), median(no), gap, maxGap)
	}
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func TestContactsAndAccount(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c, err := f.dir.Contacts(ctx, "r-jose")
	if err != nil || c != (bot.Contacts{Phone: "+12025550101"}) {
		t.Errorf("Contacts(r-jose): got %+v, %v; want phone only", c, err)
	}
	c, err = f.dir.Contacts(ctx, "r-ana")
	if err != nil || c != (bot.Contacts{Email: "ana@example.org"}) {
		t.Errorf("Contacts(r-ana): got %+v, %v; want email only", c, err)
	}
	a, err := f.dir.Account(ctx, "r-locked")
	want := bot.Account{RecordID: "r-locked", Username: "lou.lockwood", Status: bot.AccountLocked}
	if err != nil || a != want {
		t.Errorf("Account(r-locked): got %+v, %v; want %+v", a, err, want)
	}
	_, err = f.dir.Contacts(ctx, "r-nobody")
	wantCode(t, err, bot.ENOTFOUND, "")
	_, err = f.dir.Account(ctx, "r-nobody")
	wantCode(t, err, bot.ENOTFOUND, "")
}

func TestListHidesHashes(t *testing.T) {
	f := newFixture(t)
	ps, err := f.dir.List(context.Background())
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

type failingRecords struct{ *memRecords }

var errDisk = errors.New("disk on fire")

func (failingRecords) PatientsByDOBZIP(context.Context, string, string) ([]Patient, error) {
	return nil, errDisk
}

func TestFindReportsStorageFailure(t *testing.T) {
	f := newFixture(t)
	dir := NewLocal(failingRecords{f.records}, Policy{}, f.clock, zerolog.Nop())
	_, err := dir.Find(context.Background(), bot.Demographics{FirstName: "Ana", LastName: "Testcase", DOB: "1980-01-02", ZIP: "02139"})
	if !errors.Is(err, errDisk) || bot.ErrorCode(err) != bot.EINTERNAL {
		t.Errorf("got %v, want the storage error, internal", err)
	}
}
