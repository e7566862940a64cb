package bridge

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// Request authentication (docs/bridge.md, "Signing"). Every request
// carries these three headers; the bridge recomputes the signature with
// the shared secret and refuses the request (401) when it differs, when
// the timestamp is more than MaxSkew away from its clock, or when it has
// seen the nonce within that window.
const (
	HeaderTimestamp = "Portico-Timestamp" // Unix seconds
	HeaderNonce     = "Portico-Nonce"     // 32 lowercase hex digits, new for every request
	HeaderSignature = "Portico-Signature" // "v1=" and 64 lowercase hex digits

	// MaxSkew is how far a request's timestamp may be from the bridge's
	// clock, either way, before it is refused as a replay.
	MaxSkew = 5 * time.Minute
	// MinSecretLen is the shortest shared secret accepted, in bytes.
	MinSecretLen = 32

	signatureVersion = "v1"
)

// Canonical is the text that is signed: the version, the method, the path
// as sent (with "?" and the query, if any), the timestamp, the nonce and
// the SHA-256 of the body in hex, one per line.
func Canonical(method, path, timestamp, nonce string, body []byte) string {
	sum := sha256.Sum256(body)
	return strings.Join([]string{
		signatureVersion, method, path, timestamp, nonce, hex.EncodeToString(sum[:]),
	}, "\n")
}

// Sign returns the Portico-Signature header value for a request.
func Sign(secret []byte, method, path, timestamp, nonce string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(Canonical(method, path, timestamp, nonce, body)))
	return signatureVersion + "=" + hex.EncodeToString(m.Sum(nil))
}

// SignedHeaders returns the three authentication headers for a request
// made at now, with a fresh random nonce.
func SignedHeaders(secret []byte, method, path string, body []byte, now time.Time) map[string]string {
	ts := strconv.FormatInt(now.Unix(), 10)
	nonce := NewNonce()
	return map[string]string{
		HeaderTimestamp: ts,
		HeaderNonce:     nonce,
		HeaderSignature: Sign(secret, method, path, ts, nonce, body),
	}
}

// NewNonce returns 128 random bits in hex.
func NewNonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails on supported platforms
	return hex.EncodeToString(b)
}
