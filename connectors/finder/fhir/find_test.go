package fhir

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/portico-chat/portico/connectors/directory/remote"
)

func lookup(first, last, dob, zip string) remote.Lookup {
	return remote.Lookup{FirstName: first, LastName: last, DOB: dob, ZIP: zip}
}

// findCases hold in both modes: search compares in Portico, $match lets
// the fake's index grade.
var findCases = []struct {
	name string
	l    remote.Lookup
	want string // "" for not found
}{
	{"names, dob and zip", lookup("Olivia", "Núñez-García", "1975-11-30", "10001"), "MRN-1002"},
	{"without accents, another case", lookup("OLIVIA", "nunez-garcia", "1975-11-30", "10001"), "MRN-1002"},
	{"a space for the hyphen", lookup("olivia", "Nunez Garcia", "1975-11-30", "10001"), "MRN-1002"},
	{"an apostrophe left out", lookup("Sean", "OBrien", "1970-06-07", "02108"), "S-1"},
	{"with the apostrophe and accent", lookup("Seán", "O'Brien", "1970-06-07", "02108"), "S-1"},
	{"a ZIP+4 on file, nine digits", lookup("Mary", "Smith", "1985-03-04", "60614"), "M-1"},
	{"wrong date of birth", lookup("Olivia", "Núñez-García", "1975-11-29", "10001"), ""},
	{"wrong ZIP", lookup("Olivia", "Núñez-García", "1975-11-30", "10002"), ""},
	{"a name that is only a prefix", lookup("Olivia", "Núñez-Gar", "1975-11-30", "10001"), ""},
	{"twins: two records", lookup("Sam", "Twin", "2001-01-01", "30301"), ""},
	{"merged-away record skipped, current found", lookup("Leo", "Park", "1990-05-06", "60601"), "L-1"},
	{"deceased", lookup("Dan", "Ortiz", "1960-07-08", "73301"), ""},
	{"no MRN in the identifier system", lookup("Pat", "Kim", "1955-09-10", "94105"), ""},
	{"two MRNs", lookup("Quincy", "Quinn", "1999-09-09", "11111"), ""},
	{"a record with a birth year only", lookup("Ray", "Year", "1970-01-01", "20500"), ""},
	{"nobody", lookup("Zed", "Nobody", "1950-01-01", "99999"), ""},
}

func TestFindBySearch(t *testing.T) {
	f := newFakeFHIR(t)
	fd := newFinder(t, f, nil)
	for _, tc := range findCases {
		t.Run(tc.name, func(t *testing.T) { checkFind(t, fd, tc.l, tc.want) })
	}
	// Search-only: the old ZIP and the maiden name are on file but marked
	// old; a search finds the record, Portico's comparison refuses it.
	for _, tc := range []struct {
		name string
		l    remote.Lookup
	}{
		{"an old address's ZIP", lookup("Olivia", "Núñez-García", "1975-11-30", "07030")},
		{"an old name", lookup("Olivia", "Núñez", "1975-11-30", "10001")},
		{"the second given name alone", lookup("Ann", "Smith", "1985-03-04", "60614")},
	} {
		t.Run(tc.name, func(t *testing.T) { checkFind(t, fd, tc.l, "") })
	}
	t.Run("given names together", func(t *testing.T) { checkFind(t, fd, lookup("Mary Ann", "Smith", "1985-03-04", "60614"), "M-1") })
}

func checkFind(t *testing.T, fd *Finder, l remote.Lookup, want string) {
	t.Helper()
	got, err := fd.Find(context.Background(), l)
	if want == "" {
		if !errors.Is(err, remote.ErrNotFound) || got != "" {
			t.Errorf("got %q, %v; want ErrNotFound", got, err)
		}
		return
	}
	if got != want || err != nil {
		t.Errorf("got %q, %v; want %q", got, err, want)
	}
}

// TestFindSendsTheSearchR4Defines: the initial of each name (the server
// matches prefixes, ignoring case and accents but not punctuation), the
// whole date, the ZIP, a page size.
func TestFindSendsTheSearchR4Defines(t *testing.T) {
	f := newFakeFHIR(t)
	fd := newFinder(t, f, nil)
	_, _ = fd.Find(context.Background(), lookup(" émile ", "O'Brien", "1970-06-07", "02108"))
	want := map[string]string{"family": "O", "given": "E", "birthdate": "1970-06-07", "address-postalcode": "02108", "_count": "50"}
	f.mu.Lock()
	q := f.lastQuery
	f.mu.Unlock()
	for k, v := range want {
		if got := q[k]; len(got) != 1 || got[0] != v {
			t.Errorf("%s: got %v, want %q", k, got, v)
		}
	}
	if len(q) != len(want) {
		t.Errorf("query %v: want exactly %v", q, want)
	}
}

func TestFindRefusesOtherLookups(t *testing.T) {
	fd := newFinder(t, newFakeFHIR(t), nil)
	for _, l := range []remote.Lookup{{MRN: "A-1"}, {Username: "ann", DOB: "1980-02-03"}, {FirstName: "Ann"}} {
		if _, err := fd.Find(context.Background(), l); err == nil || errors.Is(err, remote.ErrNotFound) {
			t.Errorf("Find(%+v): got %v, want an error that is not a miss (the engine built a wrong lookup)", l, err)
		}
	}
}

// manyAlike adds n patients with one date of birth and ZIP, all named
// Same, whose family names are Alike000…; returns nothing.
func manyAlike(f *fakeFHIR, n int) {
	for i := 0; i < n; i++ {
		f.add(map[string]any{
			"resourceType": "Patient", "id": fmt.Sprintf("alike-%d", i),
			"identifier": []any{map[string]any{"system": mrnSystem, "value": fmt.Sprintf("AL-%03d", i)}},
			"name":       []any{map[string]any{"family": fmt.Sprintf("Alike%03d", i), "given": []any{"Same"}}},
			"birthDate":  "1970-01-01", "address": []any{map[string]any{"postalCode": "20500"}},
		})
	}
}

// TestSearchFollowsNextLinks: 120 candidates in pages of 50; the one
// asked for is on the third page.
func TestSearchFollowsNextLinks(t *testing.T) {
	f := newFakeFHIR(t)
	manyAlike(f, 120)
	fd := newFinder(t, f, nil)
	got, err := fd.Find(context.Background(), lookup("Same", "Alike110", "1970-01-01", "20500"))
	if got != "AL-110" || err != nil {
		t.Fatalf("got %q, %v; want AL-110", got, err)
	}
	if n := f.count("GET /fhir"); n != 2 {
		t.Errorf("next pages read: got %d, want 2", n)
	}
	mrns, err := fd.Matches(context.Background(), "1970-01-01", "20500")
	// R-1 (a birth year only) is a server match that Portico refuses.
	if err != nil || len(mrns) != 120 || slices.Contains(mrns, "R-1") {
		t.Errorf("Matches: got %d MRNs (R-1 in them: %v), %v; want the 120 alike", len(mrns), slices.Contains(mrns, "R-1"), err)
	}
}

// TestSearchIsBounded: more pages than maxPages is an error, not a guess.
func TestSearchIsBounded(t *testing.T) {
	f := newFakeFHIR(t)
	manyAlike(f, pageSize*maxPages+1)
	fd := newFinder(t, f, nil)
	_, err := fd.Matches(context.Background(), "1970-01-01", "20500")
	if err == nil || !strings.Contains(err.Error(), "more than 20 pages") || errors.Is(err, remote.ErrNotFound) {
		t.Errorf("got %v, want the page bound's error", err)
	}
	if n := f.count("GET /fhir"); n != maxPages-1 {
		t.Errorf("next pages read: got %d, want %d", n, maxPages-1)
	}
}

// TestNextLinkToAnotherHostIsRefused: a next link elsewhere (a proxy
// that does not know its address) is not followed: the request would
// carry the token there.
func TestNextLinkToAnotherHostIsRefused(t *testing.T) {
	other := newFakeFHIR(t)
	f := newFakeFHIR(t)
	manyAlike(f, 60)
	f.set(func(f *fakeFHIR) { f.nextOrigin = other.srv.URL; f.auth = AuthBearer; f.bearer = "secret-token" })
	fd := newFinder(t, f, func(c *Config) { c.Auth, c.Token = AuthBearer, "secret-token" })
	_, err := fd.Matches(context.Background(), "1970-01-01", "20500")
	if !errors.Is(err, remote.ErrUnavailable) {
		t.Errorf("got %v, want ErrUnavailable", err)
	}
	if n := other.count("GET /fhir"); n != 0 {
		t.Errorf("the other host got %d requests, want 0", n)
	}
}

func TestMatchesLeavesOutRecordsWithoutOneMRN(t *testing.T) {
	f := newFakeFHIR(t)
	fd := newFinder(t, f, func(c *Config) { c.Mode = ModeMatch }) // Matches searches in either mode
	for _, tc := range []struct {
		dob, zip string
		want     []string
	}{
		{"2001-01-01", "30301", []string{"T-1", "T-2"}},
		{"1990-05-06", "60601", []string{"L-1"}}, // the merged-away record is left out
		{"1955-09-10", "94105", nil},             // no MRN
		{"1999-09-09", "11111", nil},             // two MRNs
		{"1960-07-08", "73301", nil},             // deceased
		{"1950-01-01", "99999", nil},
	} {
		got, err := fd.Matches(context.Background(), tc.dob, tc.zip)
		slices.Sort(got)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("Matches(%s, %s): got %v, %v; want %v", tc.dob, tc.zip, got, err, tc.want)
		}
	}
}
