package seal

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func testSealer(t *testing.T) *Sealer {
	t.Helper()
	s, err := New(bytes.Repeat([]byte{7}, KeySize))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

func TestSealRoundTrip(t *testing.T) {
	s := testSealer(t)
	for _, plain := range []string{"", "pat@example.com", "Your Portico code is 123456.", "Código: 654321 ✓"} {
		sealed, err := s.Seal(Text, "d1", plain)
		if err != nil {
			t.Fatalf("seal %q: %v", plain, err)
		}
		if got, want := len(sealed), 1+NonceSize+len(plain)+s.aead.Overhead(); got != want {
			t.Errorf("sealed %q: got %d bytes, want %d", plain, got, want)
		}
		if sealed[0] != Version {
			t.Errorf("sealed %q: got version %d, want %d", plain, sealed[0], Version)
		}
		if plain != "" && bytes.Contains(sealed, []byte(plain)) {
			t.Errorf("sealed %q holds it in clear", plain)
		}
		got, err := s.Open(Text, "d1", sealed)
		if err != nil || got != plain {
			t.Errorf("open(seal(%q)): got %q, %v", plain, got, err)
		}
	}
}

func TestSealUsesAFreshNonceEachTime(t *testing.T) {
	s := testSealer(t)
	a, _ := s.Seal(Text, "d1", "Your Portico code is 123456.")
	b, _ := s.Seal(Text, "d1", "Your Portico code is 123456.")
	if bytes.Equal(a[1:1+NonceSize], b[1:1+NonceSize]) || bytes.Equal(a, b) {
		t.Errorf("two seals of the same value share a nonce or ciphertext")
	}
}

// TestOpenRefuses lists every way a sealed value may not open: each fails
// with ErrCannotDecrypt and nothing else.
func TestOpenRefuses(t *testing.T) {
	s := testSealer(t)
	sealed, err := s.Seal(Text, "d1", "Your Portico code is 123456.")
	if err != nil {
		t.Fatal(err)
	}
	otherKey, _ := New(bytes.Repeat([]byte{8}, KeySize))
	flip := func(i int) []byte {
		b := bytes.Clone(sealed)
		b[i] ^= 1
		return b
	}
	for _, tc := range []struct {
		name       string
		s          *Sealer
		column, id string
		sealed     []byte
	}{
		{"another key", otherKey, Text, "d1", sealed},
		{"another delivery", s, Text, "d2", sealed},
		{"another column", s, Recipient, "d1", sealed},
		{"a changed nonce", s, Text, "d1", flip(1)},
		{"a changed ciphertext", s, Text, "d1", flip(1 + NonceSize)},
		{"a changed tag", s, Text, "d1", flip(len(sealed) - 1)},
		{"an unknown version", s, Text, "d1", append([]byte{Version + 1}, sealed[1:]...)},
		{"too short", s, Text, "d1", sealed[:1+NonceSize+s.aead.Overhead()-1]},
		{"empty", s, Text, "d1", nil},
	} {
		got, err := tc.s.Open(tc.column, tc.id, tc.sealed)
		if !errors.Is(err, ErrCannotDecrypt) || got != "" {
			t.Errorf("%s: got %q, %v; want ErrCannotDecrypt", tc.name, got, err)
		}
	}
}

func TestAdditionalDataIsUnambiguous(t *testing.T) {
	// Moving a byte between column and id must change the encoding.
	a := additionalData(Version, "text", "xd1")
	b := additionalData(Version, "textx", "d1")
	if bytes.Equal(a, b) {
		t.Errorf("additional data of (text, xd1) and (textx, d1) are equal: %q", a)
	}
}

func TestCreateKeyNeverReplacesAKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "portico.db.key")
	first, err := CreateKey(path)
	if err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	if _, err := CreateKey(path); !errors.Is(err, fs.ErrExist) {
		t.Errorf("second CreateKey: got %v, want fs.ErrExist", err)
	}
	stored, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(stored, first) {
		t.Errorf("key file after a second CreateKey: got %x, %v; want the first key", stored, err)
	}
	leftovers, _ := filepath.Glob(path + ".tmp-*")
	if len(leftovers) != 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}
}

func TestLoadOrCreateKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "portico.db.key")
	key, created, err := LoadOrCreateKey(path)
	if err != nil || !created || len(key) != KeySize {
		t.Fatalf("first LoadOrCreateKey: got %d bytes, created %v, %v; want a new %d-byte key", len(key), created, err, KeySize)
	}
	again, created, err := LoadOrCreateKey(path)
	if err != nil || created || !bytes.Equal(again, key) {
		t.Errorf("second LoadOrCreateKey: got created %v, same key %v, %v; want the stored key", created, bytes.Equal(again, key), err)
	}
}
