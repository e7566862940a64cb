package flows

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestGoldenProblems: a flow with many mistakes reports all of them, each
// at its line and column, exactly as in the golden file.
func TestGoldenProblems(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "broken.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Parse("broken.yaml", src, testCatalog())
	if err == nil {
		t.Fatal("Parse(broken.yaml) = nil error, want problems")
	}
	got := err.Error() + "\n"
	golden := filepath.Join("testdata", "broken.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("problems differ from %s:\ngot:\n%s\nwant:\n%s", golden, got, want)
	}
}
