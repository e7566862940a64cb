package flows

import (
	"testing"
	"testing/fstest"
)

// TestSourcesIsAFileSystem: Sources behaves as io/fs requires, so
// ParseSet and the transcript tests' loader read it like a folder.
func TestSourcesIsAFileSystem(t *testing.T) {
	s := Sources{
		"greeting.yaml":       []byte("name: greeting\n"),
		"reset_password.yaml": []byte("name: reset_password\n"),
		"tests/greeting.yaml": []byte("flow: greeting\n"),
	}
	if err := fstest.TestFS(s, "greeting.yaml", "reset_password.yaml", "tests/greeting.yaml"); err != nil {
		t.Fatal(err)
	}
}
