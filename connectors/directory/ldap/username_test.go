package ldap

import (
	"strings"
	"testing"

	"github.com/portico-chat/portico/bot/patients"
)

// TestUsernameRuleIsThePortals: a directory takes the usernames the portal
// does (patients.ValidUsername), and on AD none longer than
// sAMAccountName allows.
func TestUsernameRuleIsThePortals(t *testing.T) {
	openldap := &Directory{cfg: Config{Flavor: FlavorOpenLDAP}}
	ad := &Directory{cfg: Config{Flavor: FlavorAD}}
	for _, u := range []string{"ab", "abc", "a.b-c_d@e", "-abc", "ábc", "a b", "ab\x00c",
		strings.Repeat("a", 20), strings.Repeat("a", 21), strings.Repeat("a", 64), strings.Repeat("a", 65)} {
		portal := patients.ValidUsername(u)
		if got := openldap.validUsername(u); got != portal {
			t.Errorf("OpenLDAP, %q: got %v, want %v as the portal", u, got, portal)
		}
		if got, want := ad.validUsername(u), portal && len(u) <= maxADUsernameLen; got != want {
			t.Errorf("AD, %q: got %v, want %v", u, got, want)
		}
	}
}
