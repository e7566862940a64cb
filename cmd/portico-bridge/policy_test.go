package main

import (
	"strings"
	"testing"
	"time"
)

func TestPolicyRefusals(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	old, err := hashPassword("an old p\u00e4ssphrase of mine")
	if err != nil {
		t.Fatal(err)
	}
	p := policy{MinLength: 15, History: 5, Classes: 0, MinAge: 24 * time.Hour}
	withClasses := p
	withClasses.Classes = 3
	for _, tc := range []struct {
		name      string
		p         policy
		pw        string
		changedAt int64
		want      string
	}{
		{"long enough", p, "correct horse battery", 0, ""},
		{"too short", p, "short one", 0, "too_short"},
		{"too short counts characters, not bytes", p, strings.Repeat("é", 14), 0, "too_short"},
		{"too long", p, strings.Repeat("a", maxPasswordLen+1), 0, "too_long"},
		{"contains the username in other case", p, "xx ADA.LEE passphrase", 0, "contains_username"},
		{"contains the last name", p, "lovelace forever and ever", 0, "contains_name"},
		{"a two-letter name part is not checked", policy{MinLength: 15}, "the sea is wide and deep", 0, ""},
		{"complexity when required", withClasses, "all lower case words", 0, "complexity"},
		{"complexity met", withClasses, "Mixed Case words 42", 0, ""},
		{"changed an hour ago", p, "correct horse battery", now.Add(-time.Hour).Unix(), "too_recent"},
		{"changed two days ago", p, "correct horse battery", now.Add(-48 * time.Hour).Unix(), ""},
		{"used before", p, "an old p\u00e4ssphrase of mine", 0, "in_history"},
		{"used before, typed with a decomposed accent", p, "an old pa\u0308ssphrase of mine", 0, "in_history"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.p.check(tc.pw, "ada.lee", "Ed", "Lovelace", []string{"", old}, tc.changedAt, now)
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestPasswordHashRoundTrip(t *testing.T) {
	h, err := hashPassword("Ｆｕｌｌ width passphrase")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q: want an argon2id PHC string with OWASP parameters", h)
	}
	if !checkHash(h, "Full width passphrase") {
		t.Error("the NFKC-equal password did not match")
	}
	for _, bad := range []string{"Full width passphrasE", "", "$argon2id$v=19$m=99999999,t=2,p=1$AA$AA"} {
		if checkHash(h, bad) {
			t.Errorf("%q matched", bad)
		}
	}
	if checkHash("$argon2id$v=19$m=99999999,t=2,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA", "x") {
		t.Error("a hash with out-of-range memory was checked")
	}
}

func TestFoldNames(t *testing.T) {
	for _, tc := range []struct{ a, b string }{
		{"José Núñez-García", "jose nunez garcia"},
		{"O'Brien", "obrien"},
		{"  Zoë ", "ZOE"},
	} {
		if fold(tc.a) != fold(tc.b) {
			t.Errorf("fold(%q) = %q, fold(%q) = %q: want equal", tc.a, fold(tc.a), tc.b, fold(tc.b))
		}
	}
	if fold("Ann") == fold("Anna") {
		t.Error("Ann and Anna fold alike")
	}
}
