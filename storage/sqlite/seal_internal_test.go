package sqlite

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func testSealer(t *testing.T) *sealer {
	t.Helper()
	s, err := newSealer(bytes.Repeat([]byte{7}, keySize))
	if err != nil {
		t.Fatalf("newSealer: %v", err)
	}
	return s
}

func TestSealRoundTrip(t *testing.T) {
	s := testSealer(t)
	for _, plain := range []string{"", "pat@example.com", "Your Portico code is 123456.", "Código: 654321 ✓"} {
		sealed, err := s.seal(colText, "d1", plain)
		if err != nil {
			t.Fatalf("seal %q: %v", plain, err)
		}
		if got, want := len(sealed), 1+nonceSize+len(plain)+s.aead.Overhead(); got != want {
			t.Errorf("sealed %q: got %d bytes, want %d", plain, got, want)
		}
		if sealed[0] != sealVersion {
			t.Errorf("sealed %q: got version %d, want %d", plain, sealed[0], sealVersion)
		}
		if plain != "" && bytes.Contains(sealed, []byte(plain)) {
			t.Errorf("sealed %q holds it in clear", plain)
		}
		got, err := s.open(colText, "d1", sealed)
		if err != nil || got != plain {
			t.Errorf("open(seal(%q)): got %q, %v", plain, got, err)
		}
	}
}

func TestSealUsesAFreshNonceEachTime(t *testing.T) {
	s := testSealer(t)
	a, _ := s.seal(colText, "d1", "Your Portico code is 123456.")
	b, _ := s.seal(colText, "d1", "Your Portico code is 123456.")
	if bytes.Equal(a[1:1+nonceSize], b[1:1+nonceSize]) || bytes.Equal(a, b) {
		t.Errorf("two seals of the same value share a nonce or ciphertext")
	}
}

// TestOpenRefuses lists every way a sealed value may not open: each fails
// with errCannotDecrypt and nothing else.
func TestOpenRefuses(t *testing.T) {
	s := testSealer(t)
	sealed, err := s.seal(colText, "d1", "Your Portico code is 123456.")
	if err != nil {
		t.Fatal(err)
	}
	otherKey, _ := newSealer(bytes.Repeat([]byte{8}, keySize))
	flip := func(i int) []byte {
		b := bytes.Clone(sealed)
		b[i] ^= 1
		return b
	}
	for _, tc := range []struct {
		name       string
		s          *sealer
		column, id string
		sealed     []byte
	}{
		{"another key", otherKey, colText, "d1", sealed},
		{"another delivery", s, colText, "d2", sealed},
		{"another column", s, colRecipient, "d1", sealed},
		{"a changed nonce", s, colText, "d1", flip(1)},
		{"a changed ciphertext", s, colText, "d1", flip(1 + nonceSize)},
		{"a changed tag", s, colText, "d1", flip(len(sealed) - 1)},
		{"an unknown version", s, colText, "d1", append([]byte{sealVersion + 1}, sealed[1:]...)},
		{"too short", s, colText, "d1", sealed[:1+nonceSize+s.aead.Overhead()-1]},
		{"empty", s, colText, "d1", nil},
	} {
		got, err := tc.s.open(tc.column, tc.id, tc.sealed)
		if !errors.Is(err, errCannotDecrypt) || got != "" {
			t.Errorf("%s: got %q, %v; want errCannotDecrypt", tc.name, got, err)
		}
	}
}

func TestOpenStoredReadsClearTextAsLegacy(t *testing.T) {
	s := testSealer(t)
	if got, err := s.openStored(colText, "d1", "Your Portico code is 123456."); err != nil || got != "Your Portico code is 123456." {
		t.Errorf("openStored(TEXT): got %q, %v; want the text as is", got, err)
	}
	if _, err := s.openStored(colText, "d1", int64(5)); err == nil {
		t.Errorf("openStored(INTEGER): got no error")
	}
}

func TestAdditionalDataIsUnambiguous(t *testing.T) {
	// Moving a byte between column and id must change the encoding.
	a := additionalData(sealVersion, "text", "xd1")
	b := additionalData(sealVersion, "textx", "d1")
	if bytes.Equal(a, b) {
		t.Errorf("additional data of (text, xd1) and (textx, d1) are equal: %q", a)
	}
}

func TestCreateKeyNeverReplacesAKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "portico.db.key")
	first, err := createKey(path)
	if err != nil {
		t.Fatalf("createKey: %v", err)
	}
	if _, err := createKey(path); !errors.Is(err, fs.ErrExist) {
		t.Errorf("second createKey: got %v, want fs.ErrExist", err)
	}
	stored, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(stored, first) {
		t.Errorf("key file after a second createKey: got %x, %v; want the first key", stored, err)
	}
	leftovers, _ := filepath.Glob(path + ".tmp-*")
	if len(leftovers) != 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}
}

func TestLoadOrCreateKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "portico.db.key")
	key, created, err := loadOrCreateKey(path)
	if err != nil || !created || len(key) != keySize {
		t.Fatalf("first loadOrCreateKey: got %d bytes, created %v, %v; want a new %d-byte key", len(key), created, err, keySize)
	}
	again, created, err := loadOrCreateKey(path)
	if err != nil || created || !bytes.Equal(again, key) {
		t.Errorf("second loadOrCreateKey: got created %v, same key %v, %v; want the stored key", created, bytes.Equal(again, key), err)
	}
}
