package sms

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"strings"
	"time"

	"github.com/portico-chat/portico/bot"
)

// LinkTTL is how long the link that stands in for a secret question
// works: 15 minutes, once.
const LinkTTL = 15 * time.Minute

// ContinuePath is the page the link opens: the web chat, resumed at the
// conversation's secret question. The token rides in the URL's fragment,
// which browsers never send to a server, so link previews and logs never
// see it and opening the page alone changes nothing.
const ContinuePath = "/sms/continue"

// Links makes and checks the links to the web chat that replace a secret
// question on SMS. A link names a conversation and the step it was made
// at, until when it works, and an HMAC over both; it needs no storage.
// It is single use because the engine advances the conversation's step
// when the link is redeemed (bot.Engine.Handover), and any answer does
// too, so the step it names is gone.
type Links struct {
	base string // http.public_url
	key  []byte
}

// NewLinks returns links to base signed with key (derived from the
// provider's auth token with LinkKey).
func NewLinks(publicURL string, key []byte) *Links {
	return &Links{base: strings.TrimRight(publicURL, "/"), key: key}
}

// LinkKey derives the links' key from secret, so that the auth token
// itself never signs anything but what the provider checks.
func LinkKey(secret string) []byte {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("portico sms continue link v1"))
	return mac.Sum(nil)
}

// Example is a link of the usual length that opens nothing, for previews.
func (l *Links) Example() string {
	return l.base + ContinuePath + "#" + l.token("preview-00000000000000000000", 1<<20, 0)
}

// TTL is LinkTTL.
func (l *Links) TTL() time.Duration { return LinkTTL }

// Make returns the link for conversation id at step, working until
// expires.
func (l *Links) Make(id string, step int64, expires time.Time) string {
	return l.base + ContinuePath + "#" + l.token(id, step, expires.Unix())
}

// token is base64url(step, expiry, id) "." base64url(HMAC).
func (l *Links) token(id string, step, expires int64) string {
	var buf []byte
	buf = binary.BigEndian.AppendUint64(buf, uint64(step))
	buf = binary.BigEndian.AppendUint64(buf, uint64(expires))
	buf = append(buf, id...)
	return base64.RawURLEncoding.EncodeToString(buf) + "." + base64.RawURLEncoding.EncodeToString(l.mac(buf))
}

func (l *Links) mac(payload []byte) []byte {
	m := hmac.New(sha256.New, l.key)
	m.Write(payload)
	return m.Sum(nil)[:16]
}

// maxTokenLen bounds a token before it is decoded.
const maxTokenLen = 256

// Check reads a token and returns its conversation and step, or an
// EEXPIRED error for a token that is malformed, forged or past its time
// (all told the same).
func (l *Links) Check(token string, now time.Time) (id string, step int64, err error) {
	bad := bot.Errorf(bot.EEXPIRED, "This link has expired or was already used. Text us again to get a new one.")
	payloadText, sigText, ok := strings.Cut(strings.TrimPrefix(token, "#"), ".")
	if !ok || len(token) > maxTokenLen {
		return "", 0, bad
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(payloadText)
	sig, err2 := base64.RawURLEncoding.DecodeString(sigText)
	if err1 != nil || err2 != nil || len(payload) <= 16 || !hmac.Equal(sig, l.mac(payload)) {
		return "", 0, bad
	}
	step = int64(binary.BigEndian.Uint64(payload[:8]))
	expires := int64(binary.BigEndian.Uint64(payload[8:16]))
	if now.Unix() >= expires {
		return "", 0, bad
	}
	return string(payload[16:]), step, nil
}
