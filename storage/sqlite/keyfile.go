package sqlite

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
	// keySize is the outbox key's length: AES-256.
	keySize = 32
	// keyFileSuffix names the key file beside the database, portico.db.key.
	keyFileSuffix = ".key"
	// privateMode is the mode of the files Open creates: the owner's only.
	privateMode fs.FileMode = 0o600
)

// KeyPath is the outbox key file of the database at dbPath. It holds the
// key that seals queued deliveries, and belongs with the database, but it
// must be backed up separately from it: a backup that holds both holds the
// deliveries in clear.
func KeyPath(dbPath string) string { return dbPath + keyFileSuffix }

// loadOrCreateKey reads the key file at path, or creates it with a new
// random key if it does not exist. created says the key is new: values
// sealed before, under another key, will not open.
func loadOrCreateKey(path string) (key []byte, created bool, err error) {
	key, err = readKey(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, false, err
	}
	key, err = createKey(path)
	if errors.Is(err, fs.ErrExist) {
		// Another process opening the same database created it first.
		key, err = readKey(path)
		return key, false, err
	}
	return key, err == nil, err
}

// readKey reads a key file. A missing file is reported as fs.ErrNotExist.
func readKey(path string) ([]byte, error) {
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
	key, err := io.ReadAll(io.LimitReader(f, keySize+1))
	if err != nil {
		return nil, keyFileError(path, err)
	}
	if len(key) != keySize {
		return nil, fmt.Errorf("outbox key file %s: holds %s, want exactly %d bytes",
			path, sizeText(len(key)), keySize)
	}
	return key, nil
}

// createKey writes a new random key to path, atomically and durably: a
// temporary file is written and synced, then linked into place (which,
// unlike a rename, fails if path appeared meanwhile) and the directory
// synced. It fails with fs.ErrExist if path exists.
func createKey(path string) ([]byte, error) {
	key := make([]byte, keySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("create outbox key: %w", err)
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".tmp-*") // mode 0600
	if err != nil {
		return nil, keyFileError(path, err)
	}
	defer os.Remove(tmp.Name())
	if err := writeSynced(tmp, key); err != nil {
		return nil, keyFileError(path, err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, fs.ErrExist
		}
		// Some file systems have no hard links: fall back to a rename,
		// first checking, racily, that no other process won.
		if _, serr := os.Lstat(path); serr == nil {
			return nil, fs.ErrExist
		}
		if err := os.Rename(tmp.Name(), path); err != nil {
			return nil, keyFileError(path, err)
		}
	}
	if err := syncDir(dir); err != nil {
		return nil, keyFileError(path, err)
	}
	return key, nil
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
	if n > keySize {
		return fmt.Sprintf("more than %d bytes", keySize)
	}
	return fmt.Sprintf("%d bytes", n)
}
