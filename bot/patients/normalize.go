package patients

import (
	"errors"
	"net/mail"
	"strings"
	"time"

	"github.com/portico-chat/portico/flows"
)

// Bounds on imported values.
const (
	minBirthYear = 1900
	maxNameLen   = 100 // code points; longer is surely a mistake
	dateLayout   = "2006-01-02"
)

// NormalizeZIP returns the five-digit ZIP of "12345" or "12345-6789",
// trimmed; anything else comes back trimmed and unchanged, so it simply
// matches no record.
func NormalizeZIP(zip string) string {
	zip = strings.TrimSpace(zip)
	if len(zip) == 10 && zip[5] == '-' && allDigits(zip[6:]) {
		zip = zip[:5]
	}
	return zip
}

// The parse functions' errors say what is wrong and never quote the value:
// it is a patient's data (docs/connectors.md, "Importing patients").

// parseZIP validates an imported ZIP.
func parseZIP(s string) (string, error) {
	zip := NormalizeZIP(s)
	if len(zip) != 5 || !allDigits(zip) {
		return "", errors.New("want five digits")
	}
	return zip, nil
}

// parseDOB validates an imported date of birth: YYYY-MM-DD, a real date,
// not before 1900 and not after today.
func parseDOB(s string, today time.Time) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) != len(dateLayout) || s[4] != '-' || s[7] != '-' ||
		!allDigits(s[:4]) || !allDigits(s[5:7]) || !allDigits(s[8:]) {
		return "", errors.New("want YYYY-MM-DD")
	}
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return "", errors.New("not a real date")
	}
	if t.Year() < minBirthYear || t.After(today) {
		return "", errors.New("not a plausible date of birth")
	}
	return s, nil
}

// NormalizePhone returns a phone number in E.164. US numbers may be written
// any usual way ("(202) 555-0143", "202.555.0143", "+1 202 555 0143");
// other countries need their "+" and country code. It is idempotent:
// NormalizePhone of its own result returns the same.
func NormalizePhone(s string) (string, error) {
	var digits strings.Builder
	plus := false
	for i, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r == '+' && i == 0:
			plus = true
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		default:
			return "", errors.New("want digits, with spaces, dashes, dots or brackets and a leading +")
		}
	}
	d := digits.String()
	switch {
	case !plus && len(d) == 10:
		d = "1" + d
	case !plus && len(d) == 11 && d[0] == '1':
	case plus && len(d) >= 8 && len(d) <= 15 && d[0] != '0':
		if d[0] != '1' {
			return "+" + d, nil
		}
	default:
		return "", errors.New("not a US number or +country number")
	}
	// North American numbering plan: area code and exchange start 2-9.
	if len(d) != 11 || d[1] < '2' || d[4] < '2' {
		return "", errors.New("not a valid North American number")
	}
	return "+" + d, nil
}

// parseEmail validates an imported email address: a bare address, no
// display name. The domain is lower-cased; the local part kept as is.
func parseEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" || len(s) > flows.MaxEmailLen {
		return "", errors.New("not an email address")
	}
	at := strings.LastIndexByte(s, '@')
	if at < 1 || !strings.Contains(s[at+1:], ".") {
		return "", errors.New("not an email address")
	}
	return s[:at] + "@" + strings.ToLower(s[at+1:]), nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// Username rules of Portico's own records.
const (
	minUsernameLen = 3
	maxUsernameLen = 64
)

// ValidUsername reports whether u has the allowed form: 3 to 64 ASCII
// letters, digits and ._-@, starting with a letter or digit. ASCII only,
// so that look-alike letters from other scripts cannot imitate a username
// and case-insensitive uniqueness means the same in Go and in SQL.
func ValidUsername(u string) bool {
	if len(u) < minUsernameLen || len(u) > maxUsernameLen {
		return false
	}
	for i := 0; i < len(u); i++ {
		c := u[i]
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		if !alnum && (i == 0 || !strings.ContainsRune("._-@", rune(c))) {
			return false
		}
	}
	return true
}
