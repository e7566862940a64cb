package ldap

import (
	"crypto/subtle"

	"github.com/portico-chat/portico/flows"
)

// Names are compared in Portico, not by the server: the search asks only
// for the entries sharing a date of birth and ZIP, and the names typed are
// compared with the names on file the way the local directory compares
// them (accents, case, spaces and punctuation ignored), which no LDAP
// matching rule does. So "Jose Nunez" finds "José Núñez", and a name never
// reaches a filter at all.

// fold reduces a name to its compared form: the one rule every directory
// compares names by (flows.FoldName).
func fold(s string) string { return flows.FoldName(s) }

// sameName compares two folded names in time that depends on their
// lengths only. An empty folded name matches nothing.
func sameName(a, b string) bool {
	eq := subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
	return eq && a != ""
}
