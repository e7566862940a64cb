package keycloak

import (
	"context"
	"errors"
	"fmt"
	"github.com/portico-chat/portico/connectors/directory/keycloak/keycloaktest"
	"slices"
	"testing"

	"github.com/portico-chat/portico/connectors/directory/remote"
)

func TestFind(t *testing.T) {
	f := keycloaktest.Start(t)
	p := seed(f)
	quoted := f.Add(keycloaktest.User{Username: "q.user", FirstName: "Quinn", LastName: "Q", Enabled: true,
		Attributes: attrs("1999-09-09", "11111", `MRN "7" \ x`)})
	d := newDir(t, f, nil)
	for _, tc := range []struct {
		name string
		l    remote.Lookup
		want string // "" for not found
	}{
		{"names, dob and zip", remoteLookup("Olivia", "Núñez", "1975-11-30", "10001"), p.active},
		{"names ignoring case, accents and punctuation", remoteLookup("OLIVIA", "nunez", "1975-11-30", "10001"), p.active},
		{"a pending account", remoteLookup("Ada", "Lee", "1980-02-03", "02139"), p.pending},
		{"wrong dob", remoteLookup("Olivia", "Núñez", "1975-11-29", "10001"), ""},
		{"wrong last name", remoteLookup("Olivia", "Nunes", "1975-11-30", "10001"), ""},
		{"ambiguous twins", remoteLookup("Sam", "Twin", "2001-01-01", "30301"), ""},
		{"username and dob", remote.Lookup{Username: "OLIVIA.ACTIVE", DOB: "1975-11-30"}, p.active},
		{"username, dob and zip", remote.Lookup{Username: "olivia.active", DOB: "1975-11-30", ZIP: "10001"}, p.active},
		{"username with a wrong zip", remote.Lookup{Username: "olivia.active", DOB: "1975-11-30", ZIP: "10002"}, ""},
		{"username with a wrong dob", remote.Lookup{Username: "olivia.active", DOB: "1975-11-29"}, ""},
		{"username that is a prefix", remote.Lookup{Username: "olivia", DOB: "1975-11-30"}, ""},
		{"mrn", remote.Lookup{MRN: "A-1003"}, p.locked},
		{"mrn with quotes, a backslash and spaces", remote.Lookup{MRN: `MRN "7" \ x`}, quoted},
		{"unknown mrn", remote.Lookup{MRN: "A-9999"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := d.Find(context.Background(), tc.l)
			if tc.want == "" {
				if !errors.Is(err, remote.ErrNotFound) {
					t.Errorf("got %q, %v; want ErrNotFound", got, err)
				}
				return
			}
			if got != tc.want || err != nil {
				t.Errorf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// TestFindPagesThroughEveryCandidate: 250 users share a date of birth
// and ZIP; the one whose names match is the 230th by username, found on
// the third page.
func TestFindPagesThroughEveryCandidate(t *testing.T) {
	f := keycloaktest.Start(t)
	var want string
	for i := 0; i < 250; i++ {
		u := keycloaktest.User{Username: fmt.Sprintf("user%03d", i), FirstName: "Same", LastName: fmt.Sprintf("Name%03d", i), Enabled: true,
			Attributes: attrs("1970-01-01", "20500", fmt.Sprintf("M-%03d", i))}
		id := f.Add(u)
		if i == 229 {
			want = id
		}
	}
	d := newDir(t, f, nil)
	got, err := d.Find(context.Background(), remoteLookup("Same", "Name229", "1970-01-01", "20500"))
	if got != want || err != nil {
		t.Fatalf("got %q, %v; want %q", got, err, want)
	}
	if n := f.Count("GET /admin/realms/{realm}/users"); n != 3 {
		t.Errorf("search pages: got %d, want 3", n)
	}
	ids, err := d.Matches(context.Background(), "1970-01-01", "20500")
	if err != nil || len(ids) != 250 {
		t.Errorf("Matches: got %d, %v; want 250", len(ids), err)
	}
}

// TestFindRefusesAnUnboundedSearch: more candidates than maxCandidates
// is an error, not a guess.
func TestFindRefusesAnUnboundedSearch(t *testing.T) {
	f := keycloaktest.Start(t)
	for i := 0; i < maxCandidates+pageSize; i++ {
		f.Add(keycloaktest.User{Username: fmt.Sprintf("u%05d", i), FirstName: "A", LastName: "B", Attributes: attrs("1970-01-01", "20500", fmt.Sprint(i))})
	}
	d := newDir(t, f, nil)
	_, err := d.Find(context.Background(), remoteLookup("A", "B", "1970-01-01", "20500"))
	if err == nil || errors.Is(err, remote.ErrNotFound) {
		t.Errorf("got %v, want an error that is not a plain miss", err)
	}
}

func TestMatches(t *testing.T) {
	f := keycloaktest.Start(t)
	p := seed(f)
	d := newDir(t, f, nil)
	ids, err := d.Matches(context.Background(), "2001-01-01", "30301")
	slices.Sort(ids)
	want := []string{p.twinA, p.twinB}
	slices.Sort(want)
	if err != nil || !slices.Equal(ids, want) {
		t.Errorf("got %v, %v; want %v", ids, err, want)
	}
	if ids, err := d.Matches(context.Background(), "2001-01-02", "30301"); err != nil || len(ids) != 0 {
		t.Errorf("nobody: got %v, %v", ids, err)
	}
}
