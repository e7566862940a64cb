package flows

import (
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// FoldName reduces a name to the form names are compared in: compatibility
// decomposed, accents dropped, case folded, spaces and punctuation removed.
// "José  Núñez-García" and "jose nunez garcia" fold alike. It is the one
// rule for comparing names a patient typed with names on file, in every
// directory and in the password policy's context words.
func FoldName(s string) string {
	t := transform.Chain(norm.NFKD,
		runes.Remove(runes.In(unicode.Mn)),
		runes.Remove(runes.Predicate(func(r rune) bool {
			return unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsControl(r)
		})),
		norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		// Only invalid input gets here; fall back to the plain string so a
		// comparison still happens and simply fails to match.
		out = s
	}
	return cases.Fold().String(out)
}
