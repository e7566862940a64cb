package sqlite

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// sealVersion is the first byte of every sealed value. A new format (a new
// cipher, a key id) takes a new version; values of an unknown version do
// not open.
const sealVersion byte = 1

// nonceSize is AES-GCM's standard nonce, drawn at random for every value:
// at the outbox's volume the 2^-32 collision bound is never approached.
const nonceSize = 12

// errCannotDecrypt is why a sealed value did not open: the key is not the
// one it was sealed with, or the bytes were changed. It is also the
// reason recorded on a delivery given up for it.
var errCannotDecrypt = errors.New("cannot decrypt")

// sealer encrypts the outbox's recipient, subject and text at rest with
// AES-256-GCM under the key in the key file beside the database.
//
// A sealed value is version || nonce || ciphertext-and-tag. The additional
// data binds it to its version, column and delivery id, so that a value
// moved to another row or column, by anyone who can write the file, fails
// to open instead of being sent to the wrong person.
type sealer struct {
	aead cipher.AEAD
}

// newSealer returns a sealer for a keySize-byte key.
func newSealer(key []byte) (*sealer, error) {
	if len(key) != keySize {
		return nil, fmt.Errorf("outbox key: got %d bytes, want %d", len(key), keySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("outbox key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("outbox key: %w", err)
	}
	return &sealer{aead: aead}, nil
}

// seal encrypts the value of column in delivery id.
func (s *sealer) seal(column, id, plain string) ([]byte, error) {
	out := make([]byte, 1+nonceSize, 1+nonceSize+len(plain)+s.aead.Overhead())
	out[0] = sealVersion
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, fmt.Errorf("seal %s: %w", column, err)
	}
	return s.aead.Seal(out, out[1:], []byte(plain), additionalData(sealVersion, column, id)), nil
}

// open decrypts a value seal made for the same column and delivery id. It
// fails with errCannotDecrypt, and never says more, whatever is wrong.
func (s *sealer) open(column, id string, sealed []byte) (string, error) {
	if len(sealed) < 1+nonceSize+s.aead.Overhead() || sealed[0] != sealVersion {
		return "", errCannotDecrypt
	}
	nonce, box := sealed[1:1+nonceSize], sealed[1+nonceSize:]
	plain, err := s.aead.Open(nil, nonce, box, additionalData(sealed[0], column, id))
	if err != nil {
		return "", errCannotDecrypt
	}
	return string(plain), nil
}

// openStored returns the clear value of a stored column: a BLOB is sealed;
// TEXT is clear text written by a version before sealing, read as is.
func (s *sealer) openStored(column, id string, stored any) (string, error) {
	switch v := stored.(type) {
	case []byte:
		return s.open(column, id, v)
	case string:
		return v, nil
	default:
		return "", fmt.Errorf("outbox %s of %s: unexpected stored type %T", column, id, stored)
	}
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
