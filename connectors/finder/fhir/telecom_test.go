package fhir

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/portico-chat/portico/connectors/directory/remote"
)

// TestContactsFromTelecom reads the test server's records: Olivia's
// telecom has a landline, a work email ranked first, an old email, one
// whose period ended in 2020, a mobile and a home email; Ada's an sms
// number and an email that is not an address; Leo's a mobile whose
// period has not begun.
func TestContactsFromTelecom(t *testing.T) {
	f := newFakeFHIR(t)
	fd := newFinder(t, f, nil)
	for _, tc := range []struct {
		mrn  string
		want remote.Contacts
	}{
		{"MRN-1002", remote.Contacts{Email: "olivia@example.org", Phone: "+12025550144"}},
		{"A-1001", remote.Contacts{Phone: "+12025550143"}},
		{"L-1", remote.Contacts{}},
	} {
		got, err := fd.Contacts(context.Background(), tc.mrn)
		if got != tc.want || err != nil {
			t.Errorf("Contacts(%s): got %+v, %v; want %+v", tc.mrn, got, err, tc.want)
		}
	}
	f.mu.Lock()
	q := f.lastQuery
	f.mu.Unlock()
	if got := q.Get("identifier"); got != mrnSystem+"|L-1" {
		t.Errorf("identifier searched: got %q, want system|value", got)
	}
	for _, mrn := range []string{"T-9", "L-OLD", "D-1", " "} { // unknown, only on an old identifier or an inactive record, deceased, blank
		if got, err := fd.Contacts(context.Background(), mrn); !errors.Is(err, remote.ErrNotFound) {
			t.Errorf("Contacts(%q): got %+v, %v; want ErrNotFound", mrn, got, err)
		}
	}
}

// TestContactsEscapesTheMRN: an MRN with FHIR's search specials is
// searched as itself.
func TestContactsEscapesTheMRN(t *testing.T) {
	f := newFakeFHIR(t)
	odd := `A|1,2$3\4`
	f.add(map[string]any{"resourceType": "Patient", "id": "odd",
		"identifier": []any{map[string]any{"system": mrnSystem, "value": odd}},
		"telecom":    []any{map[string]any{"system": "email", "value": "odd@example.org"}}})
	fd := newFinder(t, f, nil)
	got, err := fd.Contacts(context.Background(), odd)
	if got.Email != "odd@example.org" || err != nil {
		t.Errorf("got %+v, %v; want odd@example.org", got, err)
	}
}

func TestTelecomChoice(t *testing.T) {
	now := time.Date(2025, 6, 15, 12, 0, 0, 0, time.UTC)
	cp := func(system, value, use string, rank int, p *period) contactPoint {
		return contactPoint{System: system, Value: value, Use: use, Rank: rank, Period: p}
	}
	for _, tc := range []struct {
		name    string
		telecom []contactPoint
		want    remote.Contacts
	}{
		{"rank decides", []contactPoint{cp("email", "b@example.org", "home", 2, nil), cp("email", "a@example.org", "home", 1, nil)},
			remote.Contacts{Email: "a@example.org"}},
		{"ranked before unranked", []contactPoint{cp("email", "b@example.org", "mobile", 0, nil), cp("email", "a@example.org", "temp", 3, nil)},
			remote.Contacts{Email: "a@example.org"}},
		{"then mobile before home before none before temp", []contactPoint{
			cp("email", "t@example.org", "temp", 0, nil), cp("email", "n@example.org", "", 0, nil),
			cp("email", "h@example.org", "home", 0, nil)}, remote.Contacts{Email: "h@example.org"}},
		{"work and old never", []contactPoint{cp("email", "w@example.org", "work", 1, nil), cp("email", "o@example.org", "old", 1, nil),
			cp("sms", "+12025550100", "work", 1, nil)}, remote.Contacts{}},
		{"a home or unspecified phone may be a landline", []contactPoint{cp("phone", "+12025550100", "home", 1, nil),
			cp("phone", "+12025550101", "", 1, nil)}, remote.Contacts{}},
		{"sms of any accepted use", []contactPoint{cp("sms", "(202) 555-0102", "home", 0, nil)}, remote.Contacts{Phone: "+12025550102"}},
		{"a tel: URI", []contactPoint{cp("phone", "tel:+44-20-7946-0958", "mobile", 0, nil)}, remote.Contacts{Phone: "+442079460958"}},
		{"an unreadable number is skipped for the next", []contactPoint{cp("phone", "ext. 12", "mobile", 1, nil),
			cp("phone", "2025550103", "mobile", 2, nil)}, remote.Contacts{Phone: "+12025550103"}},
		{"an address with a display name is not used", []contactPoint{cp("email", "Olivia <o@example.org>", "home", 0, nil)}, remote.Contacts{}},
		{"fax, pager and url are not contacts", []contactPoint{cp("fax", "+12025550104", "home", 0, nil), cp("pager", "+12025550105", "mobile", 0, nil),
			cp("url", "https://example.org", "home", 0, nil)}, remote.Contacts{}},
		{"period ended yesterday", []contactPoint{cp("email", "e@example.org", "home", 0, &period{End: "2025-06-14"})}, remote.Contacts{}},
		{"period ends today: current", []contactPoint{cp("email", "e@example.org", "home", 0, &period{End: "2025-06-15"})}, remote.Contacts{Email: "e@example.org"}},
		{"period ends this year: current", []contactPoint{cp("email", "e@example.org", "temp", 0, &period{End: "2025"})}, remote.Contacts{Email: "e@example.org"}},
		{"period ended an hour ago", []contactPoint{cp("email", "e@example.org", "home", 0, &period{End: "2025-06-15T11:00:00Z"})}, remote.Contacts{}},
		{"period starts next month", []contactPoint{cp("email", "e@example.org", "home", 0, &period{Start: "2025-07"})}, remote.Contacts{}},
		{"period started", []contactPoint{cp("email", "e@example.org", "home", 0, &period{Start: "2025-06-15T13:00:00+02:00"})}, remote.Contacts{Email: "e@example.org"}},
		{"an unreadable period", []contactPoint{cp("email", "e@example.org", "home", 0, &period{End: "next week"})}, remote.Contacts{}},
	} {
		if got := telecomContacts(tc.telecom, now); got != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestParseDateTime(t *testing.T) {
	utc := func(s string) time.Time { v, _ := time.Parse(time.RFC3339, s); return v }
	for _, tc := range []struct {
		in         string
		start, end time.Time
		ok         bool
	}{
		{"2024", utc("2024-01-01T00:00:00Z"), utc("2025-01-01T00:00:00Z"), true},
		{"2024-02", utc("2024-02-01T00:00:00Z"), utc("2024-03-01T00:00:00Z"), true},
		{"2024-02-29", utc("2024-02-29T00:00:00Z"), utc("2024-03-01T00:00:00Z"), true},
		{"2024-02-29T10:00:00.5-05:00", utc("2024-02-29T15:00:00.5Z"), utc("2024-02-29T15:00:00.500000001Z"), true},
		{"2024-13", time.Time{}, time.Time{}, false},
		{"29/02/2024", time.Time{}, time.Time{}, false},
	} {
		start, end, ok := parseDateTime(tc.in)
		if ok != tc.ok || !start.Equal(tc.start) || !end.Equal(tc.end) {
			t.Errorf("parseDateTime(%q) = %v, %v, %v; want %v, %v, %v", tc.in, start, end, ok, tc.start, tc.end, tc.ok)
		}
	}
}
