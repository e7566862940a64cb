package postgres

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/portico-chat/portico/bot"
)

// The outbox's recipient, subject and text are sealed at rest exactly as
// storage/sqlite seals them (docs/storage.md, "Outbox encryption"):
// AES-256-GCM, version || nonce || ciphertext-and-tag, with the version,
// column name and delivery id as additional data. The format is the same
// so that `portico migrate` copies sealed values byte for byte, under the
// same key.

// sealVersion is the first byte of every sealed value.
const sealVersion byte = 1

const (
	nonceSize = 12 // AES-GCM's standard nonce, random for every value
	keySize   = 32 // AES-256

	colRecipient = "recipient"
	colSubject   = "subject"
	colText      = "text"

	// reasonCannotDecrypt is the last_error of a delivery given up because
	// it would not open.
	reasonCannotDecrypt = "cannot decrypt"
)

var errCannotDecrypt = errors.New(reasonCannotDecrypt)

type sealer struct{ aead cipher.AEAD }

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

func (s *sealer) seal(column, id, plain string) ([]byte, error) {
	out := make([]byte, 1+nonceSize, 1+nonceSize+len(plain)+s.aead.Overhead())
	out[0] = sealVersion
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, fmt.Errorf("seal %s: %w", column, err)
	}
	return s.aead.Seal(out, out[1:], []byte(plain), additionalData(sealVersion, column, id)), nil
}

// open decrypts a sealed value; it fails with errCannotDecrypt, and never
// says more. An empty value is a scrubbed text.
func (s *sealer) open(column, id string, sealed []byte) (string, error) {
	if len(sealed) == 0 && column == colText {
		return "", nil
	}
	if len(sealed) < 1+nonceSize+s.aead.Overhead() || sealed[0] != sealVersion {
		return "", errCannotDecrypt
	}
	plain, err := s.aead.Open(nil, sealed[1:1+nonceSize], sealed[1+nonceSize:], additionalData(sealed[0], column, id))
	if err != nil {
		return "", errCannotDecrypt
	}
	return string(plain), nil
}

func additionalData(version byte, column, id string) []byte {
	ad := make([]byte, 0, 2+len(column)+len(id))
	ad = append(ad, version)
	ad = append(ad, column...)
	ad = append(ad, 0)
	return append(ad, id...)
}

// sealedDelivery is a delivery's recipient, subject and text as stored.
type sealedDelivery struct{ to, subject, text []byte }

func (s *sealer) sealDelivery(d *bot.Delivery) (sealedDelivery, error) {
	var (
		out sealedDelivery
		err error
	)
	if out.to, err = s.seal(colRecipient, d.ID, d.To); err != nil {
		return out, err
	}
	if out.subject, err = s.seal(colSubject, d.ID, d.Subject); err != nil {
		return out, err
	}
	out.text, err = s.seal(colText, d.ID, d.Text)
	return out, err
}

func (s *sealer) openDelivery(d *bot.Delivery, stored sealedDelivery) error {
	var err error
	if d.To, err = s.open(colRecipient, d.ID, stored.to); err != nil {
		return err
	}
	if d.Subject, err = s.open(colSubject, d.ID, stored.subject); err != nil {
		return err
	}
	d.Text, err = s.open(colText, d.ID, stored.text)
	return err
}

// loadOutboxKey reads the key file, or creates it (mode 0600) when it is
// missing, and reports whether it was created.
func (db *DB) loadOutboxKey() (created bool, err error) {
	key, err := readKey(db.key)
	if errors.Is(err, fs.ErrNotExist) {
		key, err = createKey(db.key)
		created = err == nil
		if errors.Is(err, fs.ErrExist) { // another node created it first
			key, err = readKey(db.key)
		}
	}
	if err != nil {
		return false, err
	}
	if db.box, err = newSealer(key); err != nil {
		return false, err
	}
	if created {
		db.log.Info().Str("path", db.key).Msg("created outbox key file; give every node the same file, and back it up separately from the database")
	} else if info, err := os.Stat(db.key); err == nil && info.Mode().Perm()&0o077 != 0 {
		db.log.Warn().Str("path", db.key).Str("mode", info.Mode().Perm().String()).
			Msg("the outbox key file is readable by other users than its owner; make it mode 0600")
	}
	return created, nil
}

// ReadKey reads an outbox key file (storage/sqlite's or this store's: the
// format is the same), e.g. to compare two before a copy.
func ReadKey(path string) ([]byte, error) { return readKey(path) }

func readKey(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("outbox key file %s: %w", path, unwrapPath(err))
	}
	defer f.Close()
	key, err := io.ReadAll(io.LimitReader(f, keySize+1))
	if err != nil {
		return nil, fmt.Errorf("outbox key file %s: %w", path, unwrapPath(err))
	}
	if len(key) != keySize {
		return nil, fmt.Errorf("outbox key file %s: want exactly %d bytes", path, keySize)
	}
	return key, nil
}

// WriteKey writes key to a new key file at path (mode 0600); it fails if
// the file exists.
func WriteKey(path string, key []byte) error {
	if len(key) != keySize {
		return fmt.Errorf("outbox key: got %d bytes, want %d", len(key), keySize)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("outbox key file %s: %w", path, unwrapPath(err))
	}
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".tmp-*") // mode 0600
	if err != nil {
		return fmt.Errorf("outbox key file %s: %w", path, unwrapPath(err))
	}
	defer os.Remove(tmp.Name())
	_, werr := tmp.Write(key)
	if werr == nil {
		werr = tmp.Sync()
	}
	if err := errors.Join(werr, tmp.Close()); err != nil {
		return fmt.Errorf("outbox key file %s: %w", path, err)
	}
	// A link, unlike a rename, never replaces a key another node made.
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fs.ErrExist
		}
		return fmt.Errorf("outbox key file %s: %w", path, unwrapPath(err))
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func createKey(path string) ([]byte, error) {
	key := make([]byte, keySize)
	_, _ = rand.Read(key) // crypto/rand.Read never fails (Go 1.24+)
	if err := WriteKey(path, key); err != nil {
		return nil, err
	}
	return key, nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// warnPendingSealed warns when a new key was created for a database whose
// pending deliveries were sealed under another one.
func (db *DB) warnPendingSealed(ctx context.Context) {
	var pending int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL`).Scan(&pending); err != nil || pending == 0 {
		return
	}
	db.log.Warn().Str("path", db.key).Int("pending", pending).
		Msg("created a new outbox key file, but the database holds pending deliveries sealed under another key: " +
			"they will be given up; to send them, stop every node and restore the key file from its backup")
}
