package ldap

import (
	"crypto/subtle"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Names are compared in Portico, not by the server: the search asks only
// for the entries sharing a date of birth and ZIP, and the names typed are
// compared with the names on file the way the local directory compares
// them (accents, case, spaces and punctuation ignored), which no LDAP
// matching rule does. So "Jose Nunez" finds "José Núñez", and a name never
// reaches a filter at all.

// fold reduces a name to its compared form: compatibility-decomposed,
// marks dropped, spaces, punctuation and controls dropped, case-folded.
func fold(s string) string {
	t := transform.Chain(norm.NFKD,
		runes.Remove(runes.In(unicode.Mn)),
		runes.Remove(runes.Predicate(func(r rune) bool {
			return unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsControl(r) || unicode.IsSymbol(r)
		})),
		norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		return "\x00" // invalid input folds to what no name folds to
	}
	return cases.Fold().String(out)
}

// sameName compares two folded names in time that depends on their
// lengths only. An empty folded name matches nothing.
func sameName(a, b string) bool {
	eq := subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
	return eq && a != ""
}
