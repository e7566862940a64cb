package local

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/bottest"
	"github.com/portico-chat/portico/bot/password"
	"github.com/portico-chat/portico/bot/patients"
)

func TestFind(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name string
		d    bot.Lookup
		want string // record ID; "" for ENOTFOUND
	}{
		{"exact", bot.Lookup{FirstName: "Ana", LastName: "Testcase", DOB: "1980-01-02", ZIP: "02139"}, "r-ana"},
		{"case and spaces", bot.Lookup{FirstName: "  aNA ", LastName: "TEST CASE", DOB: "1980-01-02", ZIP: "02139"}, "r-ana"},
		{"accents dropped", bot.Lookup{FirstName: "Jose", LastName: "Nunez", DOB: "1975-06-30", ZIP: "10001"}, "r-jose"},
		{"accents typed", bot.Lookup{FirstName: "JOSÉ", LastName: "núñez", DOB: "1975-06-30", ZIP: "10001"}, "r-jose"},
		{"decomposed accents", bot.Lookup{FirstName: "Jose\u0301", LastName: "Nu\u0303n\u0303ez", DOB: "1975-06-30", ZIP: "10001"}, "r-jose"},
		{"ZIP+4", bot.Lookup{FirstName: "Ana", LastName: "Testcase", DOB: "1980-01-02", ZIP: "02139-4307"}, "r-ana"},
		{"hyphen optional", bot.Lookup{FirstName: "Kim", LastName: "Sample Twin", DOB: "2001-09-09", ZIP: "60601"}, "r-twin1"},
		{"twin by first name", bot.Lookup{FirstName: "Kai", LastName: "Sample-Twin", DOB: "2001-09-09", ZIP: "60601"}, "r-twin2"},
		{"wrong dob", bot.Lookup{FirstName: "Ana", LastName: "Testcase", DOB: "1980-02-01", ZIP: "02139"}, ""},
		{"wrong zip", bot.Lookup{FirstName: "Ana", LastName: "Testcase", DOB: "1980-01-02", ZIP: "02138"}, ""},
		{"wrong first name", bot.Lookup{FirstName: "Anna", LastName: "Testcase", DOB: "1980-01-02", ZIP: "02139"}, ""},
		{"missing first name", bot.Lookup{LastName: "Testcase", DOB: "1980-01-02", ZIP: "02139"}, ""},
		{"two identical records", bot.Lookup{FirstName: "Pat", LastName: "Double", DOB: "1950-05-05", ZIP: "30301"}, ""},
		{"nobody", bot.Lookup{FirstName: "No", LastName: "Body", DOB: "1999-09-09", ZIP: "99999"}, ""},
		{"username and dob", bot.Lookup{Username: "JNunez", DOB: "1975-06-30"}, "r-jose"},
		{"username, dob and zip", bot.Lookup{Username: "jnunez", DOB: "1975-06-30", ZIP: "10001"}, "r-jose"},
		{"username, wrong zip", bot.Lookup{Username: "jnunez", DOB: "1975-06-30", ZIP: "10002"}, ""},
		{"username, wrong dob", bot.Lookup{Username: "jnunez", DOB: "1975-06-29"}, ""},
		{"username, no dob", bot.Lookup{Username: "jnunez"}, ""},
		{"unknown username", bot.Lookup{Username: "nobody", DOB: "1975-06-30"}, ""},
		{"MRN", bot.Lookup{MRN: "M2"}, "r-jose"},
		{"MRN wins over names", bot.Lookup{MRN: "M2", FirstName: "Ana", LastName: "Testcase", DOB: "1980-01-02", ZIP: "02139"}, "r-jose"},
		{"unknown MRN", bot.Lookup{MRN: "M99"}, ""},
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

// countingRecords counts lookups, to show Find does the same work whether
// or not a record matches.
type countingRecords struct {
	*bottest.Records
	byDOBZIP, byUsername int
}

func (c *countingRecords) PatientsByDOBZIP(ctx context.Context, dob, zip string) ([]patients.Patient, error) {
	c.byDOBZIP++
	return c.Records.PatientsByDOBZIP(ctx, dob, zip)
}

func (c *countingRecords) PatientByUsername(ctx context.Context, u string) (patients.Patient, error) {
	c.byUsername++
	return c.Records.PatientByUsername(ctx, u)
}

func TestFindDoesTheSameLookupsEitherWay(t *testing.T) {
	f := newFixture(t)
	c := &countingRecords{Records: f.records}
	dir := New(c, password.Policy{}, f.clock, zerolog.Nop())
	ctx := context.Background()
	for _, d := range []bot.Lookup{
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
		dir.Find(ctx, bot.Lookup{Username: u, DOB: "1975-06-30"})
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
	match := bot.Lookup{FirstName: "José", LastName: "Núñez", DOB: "1975-06-30", ZIP: "10001"}
	miss := bot.Lookup{FirstName: "José", LastName: "Núñez", DOB: "1975-06-29", ZIP: "10001"}
	var hit, no []time.Duration
	for range trials {
		for _, c := range []struct {
			d    bot.Lookup
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
	want := bot.Account{RecordID: "r-locked", Username: "lou.lockwood", Status: bot.AccountLocked, FirstName: "Lou", LastName: "Lockwood"}
	if err != nil || a != want {
		t.Errorf("Account(r-locked): got %+v, %v; want %+v", a, err, want)
	}
	_, err = f.dir.Contacts(ctx, "r-nobody")
	wantCode(t, err, bot.ENOTFOUND, "")
	_, err = f.dir.Account(ctx, "r-nobody")
	wantCode(t, err, bot.ENOTFOUND, "")
}

type failingRecords struct{ *bottest.Records }

var errDisk = errors.New("disk on fire")

func (failingRecords) PatientsByDOBZIP(context.Context, string, string) ([]patients.Patient, error) {
	return nil, errDisk
}

func TestFindReportsStorageFailure(t *testing.T) {
	f := newFixture(t)
	dir := New(failingRecords{f.records}, password.Policy{}, f.clock, zerolog.Nop())
	_, err := dir.Find(context.Background(), bot.Lookup{FirstName: "Ana", LastName: "Testcase", DOB: "1980-01-02", ZIP: "02139"})
	if !errors.Is(err, errDisk) || bot.ErrorCode(err) != bot.EINTERNAL {
		t.Errorf("got %v, want the storage error, internal", err)
	}
}
