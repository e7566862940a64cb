package bot_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// securityDirs hold security code: verification, codes, tokens, passwords,
// staff sign-in, the directories and record finders, what stores and
// sends them, and the SMS channel. Paths are relative to bot/; "." walks
// every bot/* package too.
var securityDirs = []string{
	".", "../connectors/directory", "../connectors/finder", "../connectors/notify", "../connectors/sms",
	"../connectors/web", "../storage", "../cmd/portico", "../cmd/portico-bridge",
}

// forbiddenImports are predictable random sources.
var forbiddenImports = map[string]bool{"math/rand": true, "math/rand/v2": true}

// TestNoMathRandInSecurityCode: randomness in security code comes from
// crypto/rand only (SECURITY.md, one-time codes).
func TestNoMathRandInSecurityCode(t *testing.T) {
	fset := token.NewFileSet()
	files := 0
	for _, dir := range securityDirs {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if path != dir && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
			if err != nil {
				return err
			}
			files++
			for _, imp := range f.Imports {
				p, err := strconv.Unquote(imp.Path.Value)
				if err != nil {
					return err
				}
				if forbiddenImports[p] {
					t.Errorf("%s imports %s; security code must use crypto/rand", fset.Position(imp.Pos()), p)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("walk %s: %v", dir, err)
		}
	}
	if files < 150 {
		t.Errorf("checked %d files, want the whole of %v", files, securityDirs)
	}
}
