package ldap

import (
	"testing"

	"github.com/portico-chat/portico/connectors/directory/ldap/slapdtest"
)

func TestFindAgainstSlapd(t *testing.T) {
	_, d := startDirectory(t, slapdtest.Options{}, nil)
	ctx := testContext(t)
	tests := []struct {
		name   string
		lookup Lookup
		want   string // "" for not found
	}{
		{"demographics", Lookup{FirstName: "Ana", LastName: "Testcase", DOB: "1980-01-02", ZIP: "02139"}, "DEMO-1001"},
		{"names ignore case", Lookup{FirstName: "ANA", LastName: "testcase", DOB: "1980-01-02", ZIP: "02139"}, "DEMO-1001"},
		{"names ignore accents", Lookup{FirstName: "Jose", LastName: "Nunez", DOB: "1975-06-30", ZIP: "10001"}, "DEMO-1002"},
		{"accents as typed", Lookup{FirstName: "José", LastName: "Núñez", DOB: "1975-06-30", ZIP: "10001"}, "DEMO-1002"},
		{"hyphens and spaces ignored", Lookup{FirstName: "mary kate", LastName: "samplejones", DOB: "1992-11-15", ZIP: "30301"}, "DEMO-1003"},
		{"twin by first name", Lookup{FirstName: "Jordan", LastName: "Twinsample", DOB: "2012-04-01", ZIP: "60601"}, "DEMO-1005"},
		{"ZIP+4 on file", Lookup{FirstName: "Kofi", LastName: "Exampleton", DOB: "1981-12-03", ZIP: "21201"}, "DEMO-1028"},
		{"wrong DOB", Lookup{FirstName: "Ana", LastName: "Testcase", DOB: "1980-01-03", ZIP: "02139"}, ""},
		{"wrong ZIP", Lookup{FirstName: "Ana", LastName: "Testcase", DOB: "1980-01-02", ZIP: "02138"}, ""},
		{"wrong name", Lookup{FirstName: "Anna", LastName: "Testcase", DOB: "1980-01-02", ZIP: "02139"}, ""},
		{"same details twice: ambiguous", Lookup{FirstName: "Sam", LastName: "Duplicate", DOB: "1991-03-03", ZIP: "02139"}, ""},
		{"username and DOB", Lookup{Username: "olivia.active", DOB: "1985-05-17"}, "DEMO-1011"},
		{"username any case", Lookup{Username: "Olivia.Active", DOB: "1985-05-17"}, "DEMO-1011"},
		{"username, DOB and ZIP", Lookup{Username: "olivia.active", DOB: "1985-05-17", ZIP: "02139"}, "DEMO-1011"},
		{"username with wrong ZIP", Lookup{Username: "olivia.active", DOB: "1985-05-17", ZIP: "10001"}, ""},
		{"username with wrong DOB", Lookup{Username: "olivia.active", DOB: "1985-05-18"}, ""},
		{"unknown username", Lookup{Username: "nobody.here", DOB: "1985-05-17"}, ""},
		{"MRN", Lookup{MRN: "DEMO-1012"}, "DEMO-1012"},
		{"unknown MRN", Lookup{MRN: "DEMO-9999"}, ""},
		{"MRN on two entries: ambiguous", Lookup{MRN: "DEMO-1033"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := d.Find(ctx, tt.lookup)
			if tt.want == "" {
				wantCode(t, "Find", err, CodeNotFound, "")
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Find = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
