package main

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"regexp"
	"runtime"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"
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

// Argon2id with OWASP's parameters: m=19 MiB, t=2, p=1.
const (
	argonMemoryKiB = 19 * 1024
	argonTime      = 2
	argonThreads   = 1
	argonKeyLen    = 32
	argonSaltLen   = 16
)

// hashSlots bounds the hashes running at once (each holds 19 MiB).
var hashSlots = make(chan struct{}, runtime.NumCPU())

// hashPassword returns an argon2id PHC string of the NFKC-normalised
// password.
func hashPassword(pw string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	hashSlots <- struct{}{}
	key := argon2.IDKey([]byte(norm.NFKC.String(pw)), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	<-hashSlots
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemoryKiB, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// checkHash reports whether pw matches a PHC string made by hashPassword.
func checkHash(phc, pw string) bool {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m > 1<<20 || t > 16 || p == 0 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	hashSlots <- struct{}{}
	got := argon2.IDKey([]byte(norm.NFKC.String(pw)), salt, t, m, p, uint32(len(want)))
	<-hashSlots
	return subtle.ConstantTimeCompare(got, want) == 1
}
