package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portico-chat/portico/bot/patients"
)

// TestPatientsImportListsEveryProblem: one run lists the first
// patients.MaxImportProblems problems, counts the rest, and exits non-zero.
func TestPatientsImportListsEveryProblem(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PORTICO_STORAGE_SQLITE_PATH", filepath.Join(dir, "portico.db"))
	var csv strings.Builder
	csv.WriteString(patients.ImportHeader + "\n")
	for i := range patients.MaxImportProblems + 30 {
		fmt.Fprintf(&csv, "M%d,Ann,Lee,1990-13-01,60614,,,,,pending\n", i) // month 13
	}
	csv.WriteString("X1,Bo,Ray,1990-02-30,60614,,,,,\n")
	file := filepath.Join(dir, "many.csv")
	os.WriteFile(file, []byte(csv.String()), 0o600)
	out, err := run(t, "patients", "import", file)
	lines := strings.Count(out, "many.csv: line ")
	if err == nil || lines != patients.MaxImportProblems || !strings.Contains(out, "many.csv: … and 31 more problems") ||
		!strings.Contains(out, "131 rows: 0 new, 0 updated, 0 unchanged, 131 problems; nothing was imported") {
		t.Fatalf("import of %d bad rows: %v, %d problems listed\n%s", patients.MaxImportProblems+31, err, lines, out)
	}
}
