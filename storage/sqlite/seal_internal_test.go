package sqlite

import (
	"bytes"
	"testing"

	"github.com/portico-chat/portico/storage/internal/seal"
)

func TestOpenStoredReadsClearTextAsLegacy(t *testing.T) {
	s, err := seal.New(bytes.Repeat([]byte{7}, seal.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := openStored(s, seal.Text, "d1", "Your Portico code is 123456."); err != nil || got != "Your Portico code is 123456." {
		t.Errorf("openStored(TEXT): got %q, %v; want the text as is", got, err)
	}
	if _, err := openStored(s, seal.Text, "d1", int64(5)); err == nil {
		t.Errorf("openStored(INTEGER): got no error")
	}
}
