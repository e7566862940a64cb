package flows

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// ErrInvalid is wrapped by every error Normalize returns; the text after
// "invalid answer: " is a short machine reason (e.g. "date_in_future")
// the runtime can turn into a plain-language re-prompt.
var ErrInvalid = errors.New("invalid answer")

// MaxEmailLen is the longest email address (RFC 5321's path limit): for a
// patient's answer, an imported record and a staff account alike.
const MaxEmailLen = 254

// Limits of answers.
const (
	maxNameRunes   = 60
	maxTextRunes   = 200
	maxSecretBytes = 1024 // far above any password policy's maximum
	maxEmailLocal  = 64
	maxAnswerBytes = 4096 // anything longer is refused before parsing
	minTokenLen    = 4
	maxTokenLen    = 32
	minE164Digits  = 8
	maxE164Digits  = 15
)

// invalid returns an error wrapping ErrInvalid with a machine reason.
func invalid(reason string) error {
	return fmt.Errorf("%w: %s", ErrInvalid, reason)
}

// reason returns the machine reason of an error from Normalize ("" for
// errors that are not ErrInvalid).
func reason(err error) string {
	if !errors.Is(err, ErrInvalid) {
		return ""
	}
	_, reason, _ := strings.Cut(err.Error(), ErrInvalid.Error()+": ")
	return reason
}

// Normalize checks an answer for slot and returns it in canonical form:
// names trimmed, dates as YYYY-MM-DD, ZIP codes as five digits, phones as
// E.164, codes as digits. today is the patient's current date, for date
// checks. Errors wrap ErrInvalid. For every accepted input x,
// Normalize(Normalize(x)) == Normalize(x).
func Normalize(slot *Slot, input, locale string, today time.Time) (string, error) {
	if len(input) > maxAnswerBytes {
		return "", invalid("too_long")
	}
	if !utf8.ValidString(input) {
		return "", invalid("bad_encoding")
	}
	switch slot.Type {
	case SlotName:
		return normalizeName(input)
	case SlotDate:
		return normalizeDate(input, locale, today)
	case SlotZIP:
		return normalizeZIP(input)
	case SlotEmail:
		return normalizeEmail(input)
	case SlotPhone:
		return normalizePhone(input)
	case SlotCode:
		n := slot.Length
		if n == 0 {
			n = DefaultCodeLength
		}
		return normalizeCode(input, n)
	case SlotToken:
		return normalizeToken(input)
	case SlotSecret:
		return normalizeSecret(input)
	case SlotText:
		return normalizeText(input)
	default:
		return "", invalid("unsupported_type")
	}
}

// normalizeName keeps letters, spaces, apostrophes, hyphens and periods:
// "  mary-jo   o’brien " is "mary-jo o'brien". Case is kept as typed.
func normalizeName(s string) (string, error) {
	s = strings.Join(strings.Fields(norm.NFC.String(s)), " ")
	s = strings.NewReplacer("’", "'", "‘", "'", "‐", "-", "‑", "-").Replace(s)
	n, letters := 0, 0
	for _, r := range s {
		n++
		switch {
		case unicode.IsLetter(r) || unicode.Is(unicode.Mn, r):
			letters++
		case r == ' ' || r == '\'' || r == '-' || r == '.':
		default:
			return "", invalid("name_characters")
		}
	}
	switch {
	case letters == 0:
		return "", invalid("empty")
	case n > maxNameRunes:
		return "", invalid("too_long")
	}
	return s, nil
}

// normalizeZIP accepts five digits or ZIP+4 and returns the five digits.
func normalizeZIP(s string) (string, error) {
	s = strings.TrimSpace(s)
	head, tail, plus4 := strings.Cut(s, "-")
	if !plus4 {
		head, tail, plus4 = strings.Cut(s, " ")
	}
	if !allDigits(head, 5) {
		return "", invalid("zip_format")
	}
	if plus4 && !allDigits(strings.TrimSpace(tail), 4) {
		return "", invalid("zip_format")
	}
	return head, nil
}

// normalizeEmail trims, lower-cases the domain and checks the shape
// local@domain.tld; the local part is kept as typed.
func normalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || len(s) > MaxEmailLen {
		return "", invalid("email_format")
	}
	local, domain := s[:at], strings.ToLower(s[at+1:])
	if len(local) > maxEmailLocal || !validLocal(local) || !validDomain(domain) {
		return "", invalid("email_format")
	}
	return local + "@" + domain, nil
}

func validLocal(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for _, r := range s {
		if !(isASCIIAlnum(r) || strings.ContainsRune(".!#$%&'*+/=?^_`{|}~-", r)) {
			return false
		}
	}
	return true
}

func validDomain(s string) bool {
	labels := strings.Split(s, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			if !isASCIIAlnum(r) && r != '-' {
				return false
			}
		}
	}
	tld := labels[len(labels)-1]
	if len(tld) < 2 {
		return false
	}
	for _, r := range tld {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}

// normalizePhone returns a US number in any punctuation as +1XXXXXXXXXX,
// and an international number typed with + as E.164.
func normalizePhone(s string) (string, error) {
	s = strings.TrimSpace(s)
	plus := strings.HasPrefix(s, "+")
	if plus {
		s = s[1:]
	}
	var digits strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		default:
			return "", invalid("phone_format")
		}
	}
	d := digits.String()
	if plus && !strings.HasPrefix(d, "1") {
		if len(d) < minE164Digits || len(d) > maxE164Digits || d[0] == '0' {
			return "", invalid("phone_format")
		}
		return "+" + d, nil
	}
	if len(d) == 11 && d[0] == '1' {
		d = d[1:]
	}
	// NANP: area code and exchange start with 2-9.
	if len(d) != 10 || d[0] < '2' || d[3] < '2' {
		return "", invalid("phone_format")
	}
	return "+1" + d, nil
}

// normalizeCode removes spaces and dashes and wants exactly n digits.
func normalizeCode(s string, n int) (string, error) {
	s = strings.NewReplacer(" ", "", "-", "", "\t", "").Replace(s)
	if !allDigits(s, n) {
		return "", invalid("code_format")
	}
	return s, nil
}

// normalizeToken reads an alphanumeric code from the clinic: case,
// spaces and dashes do not matter.
func normalizeToken(s string) (string, error) {
	s = strings.ToUpper(strings.NewReplacer(" ", "", "-", "", "\t", "").Replace(s))
	if len(s) < minTokenLen || len(s) > maxTokenLen {
		return "", invalid("code_format")
	}
	for _, r := range s {
		if !isASCIIAlnum(r) {
			return "", invalid("code_format")
		}
	}
	return s, nil
}

// normalizeSecret keeps the secret exactly as typed: spaces may be part
// of a passphrase, and the password policy is the directory's business.
func normalizeSecret(s string) (string, error) {
	switch {
	case s == "":
		return "", invalid("empty")
	case len(s) > maxSecretBytes:
		return "", invalid("too_long")
	}
	return s, nil
}

// normalizeText trims free text and refuses control characters.
func normalizeText(s string) (string, error) {
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	switch {
	case n == 0:
		return "", invalid("empty")
	case n > maxTextRunes:
		return "", invalid("too_long")
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return "", invalid("control_characters")
		}
	}
	return s, nil
}

func allDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isASCIIAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}
