package password

import (
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn/frequency"
	"golang.org/x/text/unicode/norm"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/flows"
)

// Password and account policy defaults (NIST SP 800-63B rev 4; SECURITY.md).
const (
	// DefaultMinLength is the minimum password length, in code points after
	// NFKC, for a password-only portal.
	DefaultMinLength = 15
	// MinLengthWithSecondFactor is the minimum a portal that enforces a
	// second factor may configure, and the floor of any configuration.
	MinLengthWithSecondFactor = 8
	// DefaultMaxLength is the longest password accepted by default.
	DefaultMaxLength = 256
	// MinMaxLength is the least MaxLength may be: at least 64 code points
	// are always accepted.
	MinMaxLength = 64
	// DefaultPortalName is the name a password must not contain.
	DefaultPortalName = "Portico"
	// minNameLen is the shortest name part a password is checked against:
	// shorter ones ("Al", "Wu") would forbid too many passwords.
	minNameLen = 3
)

// Policy is Portico's password policy: the engine applies it to every new
// password before a directory sees it, and the local directory applies it
// as its own. Zero fields take the defaults above.
type Policy struct {
	MinLength  int    // code points; 15 by default, 8 when the portal has 2FA
	MaxLength  int    // code points; 256 by default, never below 64
	PortalName string // "Portico" by default
}

var _ bot.PasswordPolicy = Policy{}

// WithDefaults fills zero fields and clamps values outside the bars.
func (p Policy) WithDefaults() Policy {
	if p.MinLength == 0 {
		p.MinLength = DefaultMinLength
	}
	p.MinLength = max(p.MinLength, MinLengthWithSecondFactor)
	if p.MaxLength == 0 {
		p.MaxLength = DefaultMaxLength
	}
	p.MaxLength = max(p.MaxLength, MinMaxLength, p.MinLength)
	if p.PortalName == "" {
		p.PortalName = DefaultPortalName
	}
	return p
}

// CheckPassword is Check with the context of bot.PasswordPolicy.
func (p Policy) CheckPassword(password string, c bot.PasswordContext) error {
	return p.Check(password, c.Username, c.FirstName, c.LastName)
}

// Check applies the policy (zero fields take the defaults) to a password
// for a patient with the given names and username: length, the
// blocklist, context words (the username, the patient's names, the
// portal's and the service's names), repetitive or sequential
// characters, then zxcvbn's strength estimate (strength.go). It returns an EINVALID *bot.Error whose Message is one of
// the bot.Password* reasons, the first rule broken. There are no
// composition rules, and nothing is ever truncated.
func (p Policy) Check(password, username, firstName, lastName string) error {
	p = p.WithDefaults()
	pw := norm.NFKC.String(password)
	n := utf8.RuneCountInString(pw)
	switch {
	case n < p.MinLength:
		return &bot.Error{Code: bot.EINVALID, Message: bot.PasswordTooShort}
	case n > p.MaxLength:
		return &bot.Error{Code: bot.EINVALID, Message: bot.PasswordTooLong}
	case isBlocklisted(pw):
		return &bot.Error{Code: bot.EINVALID, Message: bot.PasswordCommon}
	}
	folded := flows.FoldName(pw)
	if u := flows.FoldName(username); len(u) >= minNameLen && strings.Contains(folded, u) {
		return &bot.Error{Code: bot.EINVALID, Message: bot.PasswordHasUsername}
	}
	for _, part := range nameParts(firstName + " " + lastName) {
		if strings.Contains(folded, part) {
			return &bot.Error{Code: bot.EINVALID, Message: bot.PasswordHasName}
		}
	}
	for _, site := range []string{flows.FoldName(p.PortalName), serviceName} {
		if site != "" && strings.Contains(folded, site) {
			return &bot.Error{Code: bot.EINVALID, Message: bot.PasswordHasPortalName}
		}
	}
	switch repetitive, sequential := patterns(pw); {
	case repetitive:
		return &bot.Error{Code: bot.EINVALID, Message: bot.PasswordRepetitive}
	case sequential:
		return &bot.Error{Code: bot.EINVALID, Message: bot.PasswordSequential}
	}
	if !strongEnough(pw, contextWords(username, firstName, lastName, p.PortalName, serviceName), p.minScore()) {
		return &bot.Error{Code: bot.EINVALID, Message: bot.PasswordWeak}
	}
	return nil
}

// nameParts returns the folded parts of a name (split at spaces and
// hyphens) that are long enough to check a password against, and the whole
// folded name when it has several parts ("De La Cruz" → "delacruz").
func nameParts(name string) []string {
	var parts []string
	for _, f := range strings.FieldsFunc(name, func(r rune) bool { return r == ' ' || r == '-' }) {
		if p := flows.FoldName(f); utf8.RuneCountInString(p) >= minNameLen {
			parts = append(parts, p)
		}
	}
	if whole := flows.FoldName(name); utf8.RuneCountInString(whole) >= minNameLen && len(parts) != 1 {
		parts = append(parts, whole)
	}
	return parts
}

// blocklist is the set of common passwords, lower-cased: zxcvbn's list of
// the 30,000 most frequent ones from leaked password dumps.
var blocklist = sync.OnceValue(func() map[string]struct{} {
	words := frequency.FrequencyLists["passwords"]
	set := make(map[string]struct{}, len(words))
	for _, w := range words {
		set[strings.ToLower(w)] = struct{}{}
	}
	return set
})

// isBlocklisted reports whether pw (NFKC-normalised) is a common password,
// ignoring case.
func isBlocklisted(pw string) bool {
	_, ok := blocklist()[strings.ToLower(pw)]
	return ok
}
