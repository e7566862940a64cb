package portal

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/portico-chat/portico/bot"
)

// Activation code shape.
const (
	// activationAlphabet leaves out look-alikes (0/O, 1/I/L) so codes read
	// aloud or copied from paper survive.
	activationAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
	// activationCodeLen is the number of symbols of a generated code:
	// 31^10 ≈ 2^49.5, far beyond guessing within the attempt limits.
	activationCodeLen = 10
	// activationGroup is where the generated code gets its dash.
	activationGroup = 5
	// Imported (clinic-made) codes must have this many symbols after
	// normalisation, and no more than the maximum.
	minActivationCodeLen = 8
	maxActivationCodeLen = 64
	activationSaltLen    = 16
	activationHashScheme = "hmac-sha256"
)

// dummyActivationHash is compared against when a candidate has no code, so
// each lookup costs one keyed hash per candidate plus one.
var dummyActivationHash = activationHashScheme + "$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

// NewActivationCode returns a fresh activation code from crypto/rand:
// ten symbols of an unambiguous alphabet, grouped as XXXXX-XXXXX.
func NewActivationCode() (string, error) {
	var b strings.Builder
	for i := range activationCodeLen {
		if i == activationGroup {
			b.WriteByte('-')
		}
		c, err := randomIndex(len(activationAlphabet))
		if err != nil {
			return "", fmt.Errorf("new activation code: %w", err)
		}
		b.WriteByte(activationAlphabet[c])
	}
	return b.String(), nil
}

// randomIndex returns a uniform random number in [0, n), n ≤ 256, by
// rejection sampling so that no symbol is more likely than another.
func randomIndex(n int) (int, error) {
	limit := 256 - 256%n
	var buf [1]byte
	for {
		if _, err := rand.Read(buf[:]); err != nil {
			return 0, err
		}
		if int(buf[0]) < limit {
			return int(buf[0]) % n, nil
		}
	}
}

// NormalizeActivationCode puts a typed or imported code in canonical form:
// upper case, without spaces or dashes. It is idempotent.
func NormalizeActivationCode(code string) string {
	var b strings.Builder
	for _, r := range code {
		switch {
		case r == '-' || r == ' ' || r == '\t' || r == '\u2010' || r == '\u2011' || r == '\u2013':
		case 'a' <= r && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// validActivationCode reports whether a normalised code may be imported.
func validActivationCode(code string) bool {
	if len(code) < minActivationCodeLen || len(code) > maxActivationCodeLen {
		return false
	}
	for _, r := range code {
		if !('A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return false
		}
	}
	return true
}

// hashActivationCode returns a salted keyed hash of a normalised code,
// "hmac-sha256$salt$mac". Codes carry ~50 bits of entropy, so a fast hash
// with a per-row salt is enough; the attempt limits do the rest.
func hashActivationCode(code string) (string, error) {
	salt := make([]byte, activationSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash activation code: %w", err)
	}
	b64 := base64.RawStdEncoding
	mac := activationMAC(salt, code)
	return activationHashScheme + "$" + b64.EncodeToString(salt) + "$" + b64.EncodeToString(mac), nil
}

// activationCodeMatches compares a normalised code with a stored hash in
// constant time. A malformed hash still costs one MAC and never matches.
func activationCodeMatches(stored, code string) bool {
	b64 := base64.RawStdEncoding
	parts := strings.Split(stored, "$")
	var salt, want []byte
	if len(parts) == 3 && parts[0] == activationHashScheme {
		salt, _ = b64.DecodeString(parts[1])
		want, _ = b64.DecodeString(parts[2])
	}
	got := activationMAC(salt, code)
	return len(want) == sha256.Size && hmac.Equal(got, want)
}

func activationMAC(salt []byte, code string) []byte {
	m := hmac.New(sha256.New, salt)
	m.Write([]byte(code))
	return m.Sum(nil)
}

// CheckActivationCode returns the pending record with this date of birth
// and ZIP whose unexpired activation code matches code, or ENOTFOUND. An
// expired code, a used one and an account no longer pending all look like
// a wrong code. Every candidate's hash is computed, plus a dummy one.
func (l *Local) CheckActivationCode(ctx context.Context, code, dob, zip string) (string, error) {
	code = NormalizeActivationCode(code)
	candidates, err := l.records.PatientsByDOBZIP(ctx, strings.TrimSpace(dob), normalizeZIP(zip))
	if err != nil {
		return "", fmt.Errorf("check activation code: %w", err)
	}
	now := l.clock.Now()
	match, matches := "", 0
	for _, p := range candidates {
		stored := p.ActivationHash
		if stored == "" {
			stored = dummyActivationHash
		}
		ok := activationCodeMatches(stored, code)
		live := p.Status == bot.AccountPending && p.ActivationHash != "" && now.Before(p.ActivationExpires)
		if ok && live && code != "" {
			match = p.RecordID
			matches++
		}
	}
	activationCodeMatches(dummyActivationHash, code)
	if matches != 1 {
		return "", notFound()
	}
	return match, nil
}
