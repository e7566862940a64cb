package flowtest_test

import (
	"context"
	"testing"

	"github.com/portico-chat/portico/bot/flowtest"
	"github.com/portico-chat/portico/flows"
	"github.com/portico-chat/portico/storage/sqlite/sqlitetest"
)

// TestBuiltinTranscripts runs the built-in flows' transcript tests, one
// subtest a case, each on a fresh database.
func TestBuiltinTranscripts(t *testing.T) {
	fsys := flows.Builtin()
	files, err := flowtest.Load(fsys, "tests")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 4 {
		t.Fatalf("found %d transcript files, want one per top-level flow", len(files))
	}
	ctx := context.Background()
	for _, f := range files {
		for _, c := range f.Tests {
			t.Run(f.Name+"/"+c.Name, func(t *testing.T) {
				envs := sqlitetest.Envs(t)
				newEnv := func() (*flowtest.Env, error) { return envs(ctx, fsys) }
				one := flowtest.File{Name: f.Name, Flow: f.Flow, Tests: []flowtest.Case{c}}
				for _, r := range flowtest.Run(ctx, []flowtest.File{one}, newEnv) {
					for _, msg := range r.Failures {
						t.Errorf("%s:%d: %s", r.File, r.Line, msg)
					}
				}
			})
		}
	}
}
