package bot

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/big"
)

// Sizes of the random values the engine makes.
const (
	idBytes     = 16 // conversation IDs: 128 bits
	resumeBytes = 32 // resume tokens: 256 bits, stored only as a hash
	saltBytes   = 16
)

// newID returns a random hex identifier.
func newID() string {
	b := make([]byte, idBytes)
	rand.Read(b) // crypto/rand.Read never returns an error (Go ≥ 1.24)
	return hex.EncodeToString(b)
}

// newResumeToken returns a token for the client and its hash for the store.
func newResumeToken() (token string, hash []byte) {
	b := make([]byte, resumeBytes)
	rand.Read(b)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken returns the SHA-256 of a high-entropy token. Tokens carry 256
// random bits, so a fast unsalted hash is enough to make a stolen database
// useless for resuming conversations.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// newOTP returns a one-time code of n decimal digits from crypto/rand.
func newOTP(n int) string {
	max := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
	v, err := rand.Int(rand.Reader, max)
	if err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err))
	}
	return fmt.Sprintf("%0*d", n, v)
}

// hashCode returns a salted SHA-256 of a one-time code.
func hashCode(salt []byte, code string) []byte {
	h := sha256.New()
	h.Write(salt)
	h.Write([]byte(code))
	return h.Sum(nil)
}

func newSalt() []byte {
	b := make([]byte, saltBytes)
	rand.Read(b)
	return b
}
