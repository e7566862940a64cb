package bot

// Activation codes are printed by the clinic (or issued with `portico
// patients activation-code`) and prove, with a date of birth and ZIP,
// that the patient holds the letter. Portico keeps them, hashed, for
// every directory: the directory finds the records, Portico compares the
// code (checkActivationCode in verify.go).

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"time"
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
	MinActivationCodeLen = 8
	MaxActivationCodeLen = 64
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

// ValidActivationCode reports whether a normalised code may be imported.
func ValidActivationCode(code string) bool {
	if len(code) < MinActivationCodeLen || len(code) > MaxActivationCodeLen {
		return false
	}
	for _, r := range code {
		if !('A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return false
		}
	}
	return true
}

// HashActivationCode returns a salted keyed hash of a normalised code,
// "hmac-sha256$salt$mac". Codes carry ~50 bits of entropy, so a fast hash
// with a per-row salt is enough; the attempt limits do the rest.
func HashActivationCode(code string) (string, error) {
	salt := make([]byte, activationSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash activation code: %w", err)
	}
	b64 := base64.RawStdEncoding
	mac := activationMAC(salt, code)
	return activationHashScheme + "$" + b64.EncodeToString(salt) + "$" + b64.EncodeToString(mac), nil
}

// ActivationCodeMatches compares a normalised code with a stored hash in
// constant time. A malformed hash still costs one MAC and never matches.
func ActivationCodeMatches(stored, code string) bool {
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

// ActivationCode is a record's activation code as Portico keeps it.
type ActivationCode struct {
	RecordID string
	Hash     string // HashActivationCode of the normalised code
	Expires  time.Time
}

// ActivationCodes keeps the activation codes, by record ID (the local
// directory's record, or a remote directory's account ID).
type ActivationCodes interface {
	// ActivationCodes returns the code on file of each of the records that
	// has one; records without one are left out.
	ActivationCodes(ctx context.Context, recordIDs []string) (map[string]ActivationCode, error)
	// PutActivationCode gives a record a new code, replacing any earlier one.
	PutActivationCode(ctx context.Context, c ActivationCode) error
	// DropActivationCode forgets a record's code once its account is
	// activated. A record without one is no error.
	DropActivationCode(ctx context.Context, recordID string) error
}

// liveActivationCodes returns the candidates whose unexpired stored code
// is code (normalised). It computes every candidate's hash, a dummy for a
// candidate without a code, and one dummy more, so that the work depends
// on the number of candidates only.
func liveActivationCodes(code string, candidates []string, stored map[string]ActivationCode, now time.Time) []string {
	code = NormalizeActivationCode(code)
	var live []string
	for _, id := range candidates {
		c, ok := stored[id]
		hash := c.Hash
		if !ok || hash == "" {
			hash = dummyActivationHash
		}
		match := ActivationCodeMatches(hash, code)
		if match && ok && c.Hash != "" && now.Before(c.Expires) && code != "" {
			live = append(live, id)
		}
	}
	ActivationCodeMatches(dummyActivationHash, code)
	return live
}
