package main

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/flowadmin"
	"github.com/portico-chat/portico/bot/staff"
	"github.com/portico-chat/portico/connectors/web"
	"github.com/portico-chat/portico/flows"
	"github.com/portico-chat/portico/storage/sqlite"
)

// flowServer is the web server with the flow API on a real store, in
// process, and a write token for it.
func flowServer(t *testing.T) (base, token string, db *sqlite.DB, fl *bot.Flows) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "portico.db"), zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	fl, err = flowadmin.Load(ctx, db, flows.Builtin(), "system")
	if err != nil {
		t.Fatal(err)
	}
	svc := flowadmin.New(flowadmin.Config{Store: db, Flows: fl, Files: flows.Builtin(),
		Envs: flowEnvs(t.TempDir(), zerolog.Nop()), Log: zerolog.Nop()})
	t.Cleanup(func() { svc.Close() })
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base = "http://" + l.Addr().String()
	srv := web.New(web.Config{PublicURL: base}, nil, web.Deps{
		Agents: web.AgentDeps{Users: db, Sessions: db, Audit: db},
		Flows:  web.FlowAdminDeps{Flows: svc, Tokens: db},
	}, zerolog.Nop())
	go srv.Serve(l)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	token, tokenHash := staff.NewAPIToken()
	if err := db.CreateAPIToken(ctx, &staff.APIToken{Name: "ci", Hash: tokenHash, Scopes: []string{staff.ScopeFlowsWrite}}); err != nil {
		t.Fatal(err)
	}
	return base, token, db, fl
}

// Pull writes every flow and its tests; an edit pushed back is published,
// an unchanged flow is left alone, and a broken one is reported at
// file:line:col with a non-zero exit.
func TestFlowsPushPullRoundTrip(t *testing.T) {
	base, token, _, fl := flowServer(t)
	t.Setenv(tokenEnv, token)
	dir := t.TempDir()
	out, err := run(t, "flows", "pull", dir, "--server", base)
	if err != nil {
		t.Fatalf("pull: %v\n%s", err, out)
	}
	for _, name := range fl.Names() {
		got, err := os.ReadFile(filepath.Join(dir, name+".yaml"))
		cur, _ := fl.Current(name)
		if err != nil || string(got) != string(cur.Source) {
			t.Errorf("pulled %s differs from the published source (%v)", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "tests", "reset_password.yaml")); err != nil {
		t.Errorf("pull wrote no tests for reset_password: %v", err)
	}

	// Edit one flow's wording, keeping its tests passing.
	path := filepath.Join(dir, "forgot_username.yaml")
	src, _ := os.ReadFile(path)
	edited := strings.Replace(string(src), "\nstates:", "\n# reviewed in git\nstates:", 1)
	if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = run(t, "flows", "push", dir, "--server", base)
	if err != nil {
		t.Fatalf("push: %v\n%s", err, out)
	}
	if !strings.Contains(out, "ok    forgot_username: published version 2") || !strings.Contains(out, "ok    reset_password: unchanged") {
		t.Errorf("push said:\n%s\nwant forgot_username published as v2 and the rest unchanged", out)
	}
	if f, _ := fl.Current("forgot_username"); f.Version != 2 || string(f.Source) != edited {
		t.Errorf("forgot_username is v%d (edited: %v), want the pushed v2", f.Version, string(f.Source) == edited)
	}

	// A broken flow: reported at its local file, line and column.
	broken := strings.Replace(edited, "start: ", "start: nowhere_", 1)
	os.WriteFile(path, []byte(broken), 0o644)
	out, err = run(t, "flows", "push", dir, "--server", base)
	if err == nil || !strings.Contains(out, path+":") || !strings.Contains(out, "FAIL  forgot_username") {
		t.Errorf("push of a broken flow: err %v, said:\n%s\nwant a problem at %s:line:col and a failure", err, out, path)
	}
	if f, _ := fl.Current("forgot_username"); f.Version != 2 {
		t.Errorf("the broken push changed the current version to %d", f.Version)
	}
}

func TestFlowsPushNeedsAValidToken(t *testing.T) {
	base, _, _, _ := flowServer(t)
	t.Setenv(tokenEnv, "portico_not_a_token")
	out, err := run(t, "flows", "pull", t.TempDir(), "--server", base)
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("pull with a bad token: got %v (%s), want a 401 error", err, out)
	}
	t.Setenv(tokenEnv, "")
	if _, err := run(t, "flows", "pull", t.TempDir(), "--server", base); err == nil || !strings.Contains(err.Error(), tokenEnv) {
		t.Errorf("pull without a token: got %v, want one naming $%s", err, tokenEnv)
	}
}

func TestTokensCommands(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "portico.yaml")
	dbPath := filepath.Join(t.TempDir(), "p.db")
	os.WriteFile(cfg, []byte("storage:\n  sqlite:\n    path: "+dbPath+"\n"), 0o600)
	out, err := run(t, "--config", cfg, "tokens", "create", "--name", "CI", "--scope", "flows:read")
	if err != nil {
		t.Fatalf("create: %v\n%s", err, out)
	}
	token := ""
	for _, f := range strings.Fields(out) {
		if strings.HasPrefix(f, "portico_") {
			token = f
		}
	}
	if token == "" {
		t.Fatalf("create printed no token:\n%s", out)
	}
	list, err := run(t, "--config", cfg, "tokens", "list")
	if err != nil || strings.Contains(list, token) || !strings.Contains(list, "CI") || !strings.Contains(list, "active") {
		t.Fatalf("list (%v):\n%s\nwant the token listed as active without its value", err, list)
	}
	id := strings.Fields(strings.Split(list, "\n")[1])[0]
	if out, err := run(t, "--config", cfg, "tokens", "revoke", id); err != nil {
		t.Fatalf("revoke: %v\n%s", err, out)
	}
	if list, _ := run(t, "--config", cfg, "tokens", "list"); !strings.Contains(list, "revoked") {
		t.Errorf("after revoke:\n%s", list)
	}
	if _, err := run(t, "--config", cfg, "tokens", "create", "--name", "x", "--scope", "flows:admin"); err == nil {
		t.Error("an unknown scope was accepted")
	}
	db, err := sqlite.Open(context.Background(), dbPath, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ts, _ := db.APITokens(context.Background())
	if len(ts) != 1 || string(ts[0].Hash) != string(staff.APITokenHash(token)) {
		t.Errorf("stored tokens %+v, want one stored as the SHA-256 of the printed token", ts)
	}
}
