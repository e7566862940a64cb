package main

import (
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/portico-chat/portico/bot/password"
)

// policy is the reference portal's own password rules. Each refusal
// answers 422 with the code Portico turns into a plain-language
// re-prompt; the codes are the contract, the rules are the portal's.
type policy struct {
	MinLength int           // too_short
	History   int           // in_history: the current and the last N passwords
	Classes   int           // complexity: how many of lower, upper, digit, symbol
	MinAge    time.Duration // too_recent
}

const (
	maxPasswordLen = 256 // too_long, in characters
	minNamePart    = 3   // shorter name parts are not checked (contains_name)
)

// check returns the refusal code for a new password, or "". hashes are
// the current and earlier hashes; changedAt is the last change (Unix
// seconds, 0 if never).
func (p policy) check(pw, username, first, last string, hashes []string, changedAt int64, now time.Time) string {
	pw = norm.NFKC.String(pw)
	n := utf8.RuneCountInString(pw)
	lower := strings.ToLower(pw)
	switch {
	case n < p.MinLength:
		return "too_short"
	case n > maxPasswordLen:
		return "too_long"
	case username != "" && strings.Contains(lower, strings.ToLower(username)):
		return "contains_username"
	case containsName(lower, first) || containsName(lower, last):
		return "contains_name"
	case p.Classes > 0 && classes(pw) < p.Classes:
		return "complexity"
	case p.MinAge > 0 && changedAt > 0 && now.Sub(time.Unix(changedAt, 0)) < p.MinAge:
		return "too_recent"
	}
	for _, h := range hashes {
		if h != "" && checkHash(h, pw) {
			return "in_history"
		}
	}
	return ""
}

func containsName(lowerPW, name string) bool {
	for _, part := range strings.FieldsFunc(strings.ToLower(name), func(r rune) bool { return !unicode.IsLetter(r) }) {
		if utf8.RuneCountInString(part) >= minNamePart && strings.Contains(lowerPW, part) {
			return true
		}
	}
	return false
}

func classes(pw string) int {
	var l, u, d, o int
	for _, r := range pw {
		switch {
		case unicode.IsLower(r):
			l = 1
		case unicode.IsUpper(r):
			u = 1
		case unicode.IsDigit(r):
			d = 1
		default:
			o = 1
		}
	}
	return l + u + d + o
}

// usernameFormat: 3 to 64 ASCII letters, digits and . _ - @, starting
// with a letter or digit (no look-alike letters from other alphabets).
var usernameFormat = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{2,63}$`)

// Passwords are hashed as Portico hashes them (bot/password: argon2id with
// OWASP's parameters, on a bounded pool of threads).
var (
	hashPassword = password.Hash
	checkHash    = password.Matches
)
