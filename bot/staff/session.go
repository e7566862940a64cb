package staff

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"time"
)

// Session lifetimes (SECURITY.md, "Sessions (agent and admin)").
const (
	DefaultSessionIdle     = 15 * time.Minute // HIPAA automatic logoff
	DefaultSessionAbsolute = 12 * time.Hour
	sessionTokenBytes      = 32 // 256 bits from crypto/rand
)

// Session is a signed-in console session. Only the SHA-256 of its
// token is stored; the token lives in the browser's cookie.
type Session struct {
	TokenHash []byte
	UserID    string
	CreatedAt time.Time
	LastSeen  time.Time // last activity, for the idle timeout
	ExpiresAt time.Time // absolute end
	Source    string    // client IP at sign-in
}

// NewSessionToken returns a fresh random token, base64url without
// padding: the cookie's value. Only its SessionTokenHash is stored.
func NewSessionToken() string {
	b := make([]byte, sessionTokenBytes)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// SessionTokenHash is what the store keeps of a session token.
func SessionTokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// SessionOver is the session rule: over at the absolute end, or after
// idle without activity.
func SessionOver(expires, lastSeen, now time.Time, idle time.Duration) bool {
	return !now.Before(expires) || now.Sub(lastSeen) >= idle
}
