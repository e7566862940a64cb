package ldap

import (
	"strings"
	"testing"

	"github.com/portico-chat/portico/connectors/directory/ldap/slapdtest"
)

// Filter-injection strings (RFC 4515 metacharacters, wildcards, NUL,
// bytes above 0x7f) typed as names, usernames and MRNs match nothing in a
// directory full of entries they would match if they reached a filter
// unescaped.
var injections = []string{
	"*",
	"*)(uid=*))(|(uid=*",
	"*)(|(objectClass=*",
	"olivia.active)(|(uid=*",
	"*)(employeeNumber=*",
	"DEMO-1011)(objectClass=*",
	`\2a`,
	`\`,
	"(",
	")",
	"a*", // names ignore punctuation, so "*Ana*" is Ana; a star never widens
	"*an*",
	"An*",
	"DEMO-*",
	"\x00",
	"olivia.active\x00",
	"ölivia*",
	"admin)(&",
	"*)(porticoDateOfBirth=*",
}

func TestInjectionStringsMatchNothing(t *testing.T) {
	_, d := startDirectory(t, slapdtest.Options{}, nil)
	ctx := testContext(t)
	for _, s := range injections {
		lookups := map[string]Lookup{
			"first name":          {FirstName: s, LastName: "Testcase", DOB: "1980-01-02", ZIP: "02139"},
			"last name":           {FirstName: "Ana", LastName: s, DOB: "1980-01-02", ZIP: "02139"},
			"both names":          {FirstName: s, LastName: s, DOB: "1980-01-02", ZIP: "02139"},
			"username":            {Username: s, DOB: "1985-05-17"},
			"username, with ZIP":  {Username: s, DOB: "1985-05-17", ZIP: "02139"},
			"MRN":                 {MRN: s},
			"username, empty DOB": {Username: s},
		}
		for what, l := range lookups {
			id, err := d.Find(ctx, l)
			if err == nil {
				t.Errorf("Find with %q as %s found %q, want nothing", s, what, id)
				continue
			}
			if c := CodeOf(err); c != CodeNotFound && c != CodeInvalid {
				t.Errorf("Find with %q as %s: got %v, want not found or invalid", s, what, err)
			}
		}
		// As a username to check: only a bad format, never "free" because
		// a wildcard matched nothing, nor "taken" because it matched all.
		if err := d.UsernameFree(ctx, "DEMO-1001", s); CodeOf(err) != CodeInvalid || ReasonOf(err) != ReasonUsernameFormat {
			t.Errorf("UsernameFree(%q) = %v, want invalid username_format", s, err)
		}
		if _, err := d.Contacts(ctx, s); CodeOf(err) != CodeNotFound {
			t.Errorf("Contacts(%q) = %v, want not found", s, err)
		}
	}
}

// The filters themselves: every metacharacter of a value is escaped.
func TestFilterEscaping(t *testing.T) {
	tests := []struct{ value, want string }{
		{"*)(uid=*))(|(uid=*", `(uid=\2a\29\28uid=\2a\29\29\28|\28uid=\2a)`},
		{`a\b`, `(uid=a\5cb)`},
		{"a\x00b", `(uid=a\00b)`},
		{"José", `(uid=Jos\c3\a9)`},
	}
	for _, tt := range tests {
		if got := equal("uid", tt.value); got != tt.want {
			t.Errorf("equal(uid, %q) = %s, want %s", tt.value, got, tt.want)
		}
		if _, err := compileFilter(equal("uid", tt.value)); err != nil {
			t.Errorf("filter for %q does not compile: %v", tt.value, err)
		}
	}
	if got, want := zipClause("postalCode", "0*)("), `(|(postalCode=0\2a\29\28)(postalCode=0\2a\29\28-*))`; got != want {
		t.Errorf("zipClause = %s, want %s", got, want)
	}
	if strings.Count(zipClause("postalCode", "02139"), "*") != 1 {
		t.Error("zipClause: want exactly one wildcard, ours")
	}
}
