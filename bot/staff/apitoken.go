package staff

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/portico-chat/portico/bot"
)

// Scopes an API token may carry. flows:read lists, reads, diffs, draws and
// validates flows; flows:write also saves drafts, runs tests and sandboxes,
// publishes and rolls back.
const (
	ScopeFlowsRead  = "flows:read"
	ScopeFlowsWrite = "flows:write"
)

// Scopes is every scope a token may be given.
var Scopes = []string{ScopeFlowsRead, ScopeFlowsWrite}

// APIToken is a token for automation (`portico flows push`, CI). Only the
// SHA-256 of the token is stored; the token itself is shown once.
type APIToken struct {
	ID        string
	Name      string
	Hash      []byte   // SHA-256 of the token
	Scopes    []string // see Scopes
	CreatedBy string   // "admin:<id>" or "cli"
	CreatedAt time.Time
	LastUsed  time.Time // zero if never used
	RevokedAt time.Time // zero while the token is valid
}

// Revoked reports whether the token has been revoked.
func (t APIToken) Revoked() bool { return !t.RevokedAt.IsZero() }

// Allows reports whether the token grants scope; flows:write implies
// flows:read.
func (t APIToken) Allows(scope string) bool {
	if t.Revoked() {
		return false
	}
	if slices.Contains(t.Scopes, scope) {
		return true
	}
	return scope == ScopeFlowsRead && slices.Contains(t.Scopes, ScopeFlowsWrite)
}

// ParseScopes splits a comma- or space-separated scope list and checks
// every scope is known.
func ParseScopes(s string) ([]string, error) {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		if !slices.Contains(Scopes, f) {
			return nil, bot.Errorf(bot.EINVALID, "unknown scope %q; scopes are %s", f, strings.Join(Scopes, ", "))
		}
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		return nil, bot.Errorf(bot.EINVALID, "give at least one scope: %s", strings.Join(Scopes, ", "))
	}
	return out, nil
}

// apiTokenPrefix marks Portico API tokens, so secret scanners can find a
// leaked one.
const apiTokenPrefix = "portico_"

// NewAPIToken returns a fresh token (256 bits from crypto/rand) and the
// SHA-256 to store; the token is shown once and never stored.
func NewAPIToken() (token string, hash []byte) {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	token = apiTokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return token, APITokenHash(token)
}

// APITokenHash is what the store keeps of a token.
func APITokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// MaxTokenNameRunes bounds an API token's name.
const MaxTokenNameRunes = 64

// TokenName checks and trims the name given to a new API token.
func TokenName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > MaxTokenNameRunes {
		return "", bot.Errorf(bot.EINVALID, "Give the token a name of 1 to %d characters.", MaxTokenNameRunes)
	}
	return name, nil
}
