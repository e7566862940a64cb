package bot

import (
	"strings"
	"testing"
)

// TestRejectionReasonsSayOnlyWhy keeps each rejection reason to the why:
// the flows say "{reason} Please choose a different …" and suggest a
// passphrase themselves, so a reason that also asked again or suggested
// something would be read twice (issue 16, item 7).
func TestRejectionReasonsSayOnlyWhy(t *testing.T) {
	reasons := []string{PasswordTooShort, PasswordTooLong, PasswordCommon, PasswordHasUsername,
		PasswordHasName, PasswordHasPortalName, PasswordRepetitive, PasswordSequential, PasswordWeak,
		PasswordReused, PasswordTooRecent, PasswordComplexity, PasswordOther, UsernameTaken, UsernameBadFormat}
	asks := map[string][]string{
		English: {"please", "try", "choose", "words together", "a few words"},
		Spanish: {"por favor", "pruebe", "elija", "palabras juntas", "unas cuantas palabras"},
	}
	for _, key := range reasons {
		for _, loc := range []string{English, Spanish} {
			msg := texts[key][loc]
			if msg == "" {
				t.Errorf("%s: no %s text", key, loc)
				continue
			}
			for _, ask := range asks[loc] {
				if strings.Contains(strings.ToLower(msg), ask) {
					t.Errorf("%s (%s): %q contains %q, want only the reason (the flow asks again)", key, loc, msg, ask)
				}
			}
			if n := strings.Count(msg, "."); n > 2 {
				t.Errorf("%s (%s): %q has %d sentences, want one", key, loc, msg, n)
			}
		}
	}
}
