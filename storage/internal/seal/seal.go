// Package seal is how both stores keep the outbox's recipients, subjects
// and texts at rest (docs/storage.md, "Outbox encryption"): one format and
// one key file, so that `portico migrate` copies sealed values from
// storage/sqlite to storage/postgres byte for byte, under the same key.
// It holds no rule of the domain and imports no store.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/portico-chat/portico/bot"
)

// Version is the first byte of every sealed value. A new format (a new
// cipher, a key id) takes a new version; values of an unknown version do
// not open.
const Version byte = 1

// NonceSize is AES-GCM's standard nonce, drawn at random for every value:
// at the outbox's volume the 2^-32 collision bound is never approached.
const NonceSize = 12

// The sealed outbox columns, named in each value's additional data.
const (
	Recipient = "recipient"
	Subject   = "subject"
	Text      = "text"
)

// ReasonCannotDecrypt is the last_error of a delivery given up because it
// would not open.
const ReasonCannotDecrypt = "cannot decrypt"

// ErrCannotDecrypt is why a sealed value did not open: the key is not the
// one it was sealed with, or the bytes were changed.
var ErrCannotDecrypt = errors.New(ReasonCannotDecrypt)

// Sealer encrypts values with AES-256-GCM under the outbox key.
//
// A sealed value is version || nonce || ciphertext-and-tag. The additional
// data binds it to its version, column and delivery id, so that a value
// moved to another row or column, by anyone who can write the database,
// fails to open instead of being sent to the wrong person.
type Sealer struct {
	aead cipher.AEAD
}

// New returns a Sealer for a KeySize-byte key.
func New(key []byte) (*Sealer, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("outbox key: got %d bytes, want %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("outbox key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("outbox key: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// Overhead is how many bytes sealing adds to a value besides the version
// and the nonce.
func (s *Sealer) Overhead() int { return s.aead.Overhead() }

// Seal encrypts the value of column in delivery id.
func (s *Sealer) Seal(column, id, plain string) ([]byte, error) {
	out := make([]byte, 1+NonceSize, 1+NonceSize+len(plain)+s.aead.Overhead())
	out[0] = Version
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, fmt.Errorf("seal %s: %w", column, err)
	}
	return s.aead.Seal(out, out[1:], []byte(plain), additionalData(Version, column, id)), nil
}

// Open decrypts a value Seal made for the same column and delivery id. It
// fails with ErrCannotDecrypt, and never says more, whatever is wrong.
func (s *Sealer) Open(column, id string, sealed []byte) (string, error) {
	if len(sealed) < 1+NonceSize+s.aead.Overhead() || sealed[0] != Version {
		return "", ErrCannotDecrypt
	}
	nonce, box := sealed[1:1+NonceSize], sealed[1+NonceSize:]
	plain, err := s.aead.Open(nil, nonce, box, additionalData(sealed[0], column, id))
	if err != nil {
		return "", ErrCannotDecrypt
	}
	return string(plain), nil
}

// Delivery is a delivery's recipient, subject and text as stored.
type Delivery struct{ To, Subject, Text []byte }

// SealDelivery seals d's recipient, subject and text under its ID.
func (s *Sealer) SealDelivery(d *bot.Delivery) (Delivery, error) {
	var (
		out Delivery
		err error
	)
	if out.To, err = s.Seal(Recipient, d.ID, d.To); err != nil {
		return out, err
	}
	if out.Subject, err = s.Seal(Subject, d.ID, d.Subject); err != nil {
		return out, err
	}
	out.Text, err = s.Seal(Text, d.ID, d.Text)
	return out, err
}

// OpenDelivery sets d's recipient, subject and text from their sealed
// form; d.ID must be set. An empty text is one scrubbed once sent.
func (s *Sealer) OpenDelivery(d *bot.Delivery, stored Delivery) error {
	var err error
	if d.To, err = s.Open(Recipient, d.ID, stored.To); err != nil {
		return err
	}
	if d.Subject, err = s.Open(Subject, d.ID, stored.Subject); err != nil {
		return err
	}
	if len(stored.Text) == 0 {
		d.Text = ""
		return nil
	}
	d.Text, err = s.Open(Text, d.ID, stored.Text)
	return err
}

// additionalData is version || column || 0 || id: the column name holds no
// zero byte, so no two (column, id) pairs encode alike.
func additionalData(version byte, column, id string) []byte {
	ad := make([]byte, 0, 2+len(column)+len(id))
	ad = append(ad, version)
	ad = append(ad, column...)
	ad = append(ad, 0)
	return append(ad, id...)
}
