package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portico-chat/portico/flows"
)

// runMain runs the test binary as the portico command (TestMain) in dir
// with extra environment, and returns what it wrote and its exit status.
func runMain(t *testing.T, dir string, env []string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "PORTICO_TEST_RUN_MAIN=1"), env...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0
	case errors.As(err, &exit):
		return string(out), exit.ExitCode()
	}
	t.Fatalf("portico %s: %v", strings.Join(args, " "), err)
	return "", 0
}

// check compares a run's exit status and output with what a case wants.
func check(t *testing.T, what, out string, code, wantCode int, want ...string) {
	t.Helper()
	if code != wantCode {
		t.Errorf("%s: exit status %d, want %d\n%s", what, code, wantCode, out)
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("%s: output lacks %q:\n%s", what, w, out)
		}
	}
}

func TestUnknownSubcommandsExitNonZeroWithASuggestion(t *testing.T) {
	cases := []struct {
		args     []string
		wantCode int
		want     []string
	}{
		{[]string{"servee"}, 1, []string{`unknown command "servee" for "portico"`, "Did you mean this?\n\tserve"}},
		{[]string{"flows", "valdate"}, 1, []string{`unknown command "valdate" for "portico flows"`, "Did you mean this?\n\tvalidate", "portico flows --help"}},
		{[]string{"users", "frobnicate"}, 1, []string{`unknown command "frobnicate" for "portico users"`, "portico users --help"}},
		{[]string{"tokens", "lst"}, 1, []string{"Did you mean this?\n\tlist"}},
		{[]string{"config", "prnt"}, 1, []string{"Did you mean this?\n\tprint"}},
		{[]string{"flows"}, 0, []string{"Available Commands:", "validate"}}, // a group alone shows its commands
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, "_"), func(t *testing.T) {
			out, code := runMain(t, t.TempDir(), nil, c.args...)
			check(t, "portico "+strings.Join(c.args, " "), out, code, c.wantCode, c.want...)
		})
	}
}

func TestFlowsValidateAFileOrFailsClearly(t *testing.T) {
	builtin, err := filepath.Abs(filepath.Join(repoRoot(t), "flows", "builtin"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name, body string) string {
		path := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(path), 0o700)
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	greeting, _ := os.ReadFile(filepath.Join(builtin, "greeting.yaml"))
	reset, _ := os.ReadFile(filepath.Join(builtin, "reset_password.yaml"))
	broken := "name: bad\nstart: nowhere\nstates:\n  a:\n    say: {en: hi}\n    next: b\n"
	write("alone/reset_password.yaml", string(reset))
	write("broken/bad.yaml", broken)
	write("neighbour/greeting.yaml", string(greeting))
	write("neighbour/bad.yaml", broken)
	write("notes.txt", "not a flow")
	os.Mkdir(filepath.Join(dir, "empty"), 0o700)

	cases := []struct {
		name     string
		arg      string
		wantCode int
		want     []string
	}{
		{"a valid built-in file", filepath.Join(builtin, "greeting.yaml"), 0, []string{"greeting.yaml is valid, with the 8 flows of", "verify_identity"}},
		{"a folder", builtin, 0, []string{"8 flows valid"}},
		{"a broken file, with file:line:col", "broken/bad.yaml", 1,
			[]string{"broken/bad.yaml:2:8: start state \"nowhere\" does not exist", "broken/bad.yaml:6:11: state \"a\" goes to unknown state \"b\"", "broken/bad.yaml is not valid"}},
		{"a file whose calls its folder lacks", "alone/reset_password.yaml", 1,
			[]string{"alone/reset_password.yaml:14:11: unknown flow \"verify_identity\"", "is not valid"}},
		{"a valid file beside a broken one", "neighbour/greeting.yaml", 1,
			[]string{"neighbour/bad.yaml:2:8:", "neighbour/greeting.yaml is valid on its own, but its calls and gotos could not be checked"}},
		{"a file that is not .yaml", "notes.txt", 1, []string{"notes.txt: flow files end in .yaml"}},
		{"a missing file", "missing.yaml", 1, []string{"missing.yaml: no such file or directory"}},
		{"an empty folder", "empty", 1, []string{"empty holds no flow files (*.yaml)"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, code := runMain(t, dir, nil, "flows", "validate", c.arg)
			check(t, "flows validate "+c.arg, out, code, c.wantCode, c.want...)
			if strings.Contains(out, "0 flows valid") {
				t.Errorf("flows validate %s still says 0 flows valid:\n%s", c.arg, out)
			}
		})
	}
	out, code := runMain(t, dir, nil, "flows", "test", "broken/bad.yaml")
	check(t, "flows test FILE", out, code, 1, "broken/bad.yaml is a file: give the folder of the flows")
}

func TestConfigUnknownKeysNameTheKeyAndSuggest(t *testing.T) {
	cases := []struct {
		name string
		file string // portico.yaml
		env  string // NAME=value
		want string
	}{
		{"a misspelled key", "http: {adr: \":9090\"}\n", "", "http.adr: is not a configuration key (in portico.yaml) (did you mean http.addr?)"},
		{"a longer word for a key", "http:\n  address: \":9090\"\n", "", "http.address: is not a configuration key (in portico.yaml) (did you mean http.addr?)"},
		{"a misspelled section", "storge:\n  sqlite:\n    path: x.db\n", "", "storge.sqlite.path: is not a configuration key (in portico.yaml) (did you mean storage.sqlite.path?)"},
		{"a British spelling", "widget:\n  colour: \"#000000\"\n", "", "did you mean widget.color?"},
		{"part of several keys", "http:\n  rate: 3\n", "", "did you mean one of http.rate_burst, http.rate_frames, http.rate_window?"},
		{"nothing alike", "portal:\n  zzz: 1\n", "", "portal.zzz: is not a configuration key (in portico.yaml); the keys of portal are portal.name, portal.password_min_length"},
		{"a section given a value", "http: 8080\n", "", "http: is a section, not a value (in portico.yaml); set its keys: http.addr,"},
		{"a queue's misspelled key", "handoff:\n  queues:\n    - name: billing\n      timezon: UTC\n", "", "handoff.queues[0]: timezon is not a queue key (in portico.yaml) (did you mean timezone?)"},
		{"a misspelled variable", "", "PORTICO_HTTP_ADR=:9090", "PORTICO_HTTP_ADR: names no configuration key (did you mean PORTICO_HTTP_ADDR?)"},
		{"a variable of nothing", "", "PORTICO_SPEED=fast", "PORTICO_SPEED: names no configuration key"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			t.Chdir(dir)
			if c.file != "" {
				os.WriteFile("portico.yaml", []byte(c.file), 0o600)
			}
			if name, value, ok := strings.Cut(c.env, "="); ok {
				t.Setenv(name, value)
			}
			_, err := loadConfig(newViper(nil), "")
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error with %q", err, c.want)
			}
		})
	}

	// Known keys and the command line's own variables are fine.
	dir := t.TempDir()
	t.Chdir(dir)
	os.WriteFile("portico.yaml", []byte("http:\n  addr: \":9090\"\nhandoff:\n  queues:\n    - name: billing\n      timezone: UTC\n"), 0o600)
	t.Setenv("PORTICO_TOKEN", "portico_x")
	t.Setenv("PORTICO_SERVER", "https://portico.example.org")
	t.Setenv("PORTICO_LOG_LEVEL", "debug")
	if _, err := loadConfig(newViper(nil), ""); err != nil {
		t.Fatalf("a file of known keys: %v", err)
	}

	// The real command exits non-zero and names the key.
	os.WriteFile("portico.yaml", []byte("http: {adr: \":9090\"}\n"), 0o600)
	out, code := runMain(t, dir, nil, "config", "print")
	check(t, "config print", out, code, 1, "http.adr: is not a configuration key", "did you mean http.addr?")
}

// The one "did you mean" rule (flows.Closest) as the command line uses it.
func TestClosestKey(t *testing.T) {
	known := []string{"http.addr", "http.public_url", "storage.sqlite.path", "log.level"}
	for word, want := range map[string]string{
		"http.adr": "http.addr", "http.addrs": "http.addr", "htpp.addr": "http.addr", "log.levle": "log.level",
		"storage.sqlite.pth": "storage.sqlite.path", "log.format": "", "xyz": "",
	} {
		got, _ := flows.Closest(word, known)
		if got != want {
			t.Errorf("Closest(%q) = %q, want %q", word, got, want)
		}
	}
}
