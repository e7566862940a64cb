package seal

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

const (
	// KeySize is the outbox key's length: AES-256.
	KeySize = 32
	// privateMode is the key file's mode: the owner's only.
	privateMode fs.FileMode = 0o600
)

// LoadOrCreateKey reads the key file at path, or creates it with a new
// random key if it does not exist. created says the key is new: values
// sealed before, under another key, will not open.
func LoadOrCreateKey(path string) (key []byte, created bool, err error) {
	key, err = ReadKey(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, false, err
	}
	key, err = CreateKey(path)
	if errors.Is(err, fs.ErrExist) {
		// Another process (or node) opening the same database created it first.
		key, err = ReadKey(path)
		return key, false, err
	}
	return key, err == nil, err
}

// ReadKey reads a key file. A missing file is reported as fs.ErrNotExist.
func ReadKey(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, keyFileError(path, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, keyFileError(path, err)
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("outbox key file %s: not a regular file", path)
	}
	// One byte more than a key, to tell "too long" from "exactly right".
	key, err := io.ReadAll(io.LimitReader(f, KeySize+1))
	if err != nil {
		return nil, keyFileError(path, err)
	}
	if len(key) != KeySize {
		return nil, fmt.Errorf("outbox key file %s: holds %s, want exactly %d bytes",
			path, sizeText(len(key)), KeySize)
	}
	return key, nil
}

// CreateKey writes a new random key to path (WriteKey). It fails with
// fs.ErrExist if path exists.
func CreateKey(path string) ([]byte, error) {
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("create outbox key: %w", err)
	}
	if err := WriteKey(path, key); err != nil {
		return nil, err
	}
	return key, nil
}

// WriteKey writes key to a new key file at path, mode 0600, atomically and
// durably: a temporary file is written and synced, then linked into place
// (which, unlike a rename, fails if path appeared meanwhile) and the
// directory synced. It fails with fs.ErrExist if path exists.
func WriteKey(path string, key []byte) error {
	if len(key) != KeySize {
		return fmt.Errorf("outbox key: got %d bytes, want %d", len(key), KeySize)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return keyFileError(path, err)
	}
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".tmp-*") // mode 0600
	if err != nil {
		return keyFileError(path, err)
	}
	defer os.Remove(tmp.Name())
	if err := writeSynced(tmp, key); err != nil {
		return keyFileError(path, err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fs.ErrExist
		}
		// Some file systems have no hard links: fall back to a rename,
		// first checking, racily, that no other process won.
		if _, serr := os.Lstat(path); serr == nil {
			return fs.ErrExist
		}
		if err := os.Rename(tmp.Name(), path); err != nil {
			return keyFileError(path, err)
		}
	}
	if err := syncDir(dir); err != nil {
		return keyFileError(path, err)
	}
	return nil
}

// writeSynced writes data to f, syncs and closes it.
func writeSynced(f *os.File, data []byte) error {
	_, werr := f.Write(data)
	if werr == nil {
		werr = f.Chmod(privateMode)
	}
	if werr == nil {
		werr = f.Sync()
	}
	cerr := f.Close()
	return errors.Join(werr, cerr)
}

// syncDir makes the directory entries of dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	serr := d.Sync()
	cerr := d.Close()
	return errors.Join(serr, cerr)
}

// keyFileError names the key file in err once, whatever err already says.
func keyFileError(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("outbox key file %s: %w", path, err)
}

// sizeText describes a key file's length, read up to one byte past a key.
func sizeText(n int) string {
	if n > KeySize {
		return fmt.Sprintf("more than %d bytes", KeySize)
	}
	return fmt.Sprintf("%d bytes", n)
}
