package bot_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path"
	"slices"
	"strings"
	"testing"
)

// The house plan (docs/architecture.md, "Which way dependencies point"),
// checked on every package's production imports. A new package under bot/
// must be given its place in domainImports; an adapter may import the
// domain and the flow language, its own sub-packages, and (directory and
// finder drivers only) the drivers' support libraries; never another
// adapter.

const module = "github.com/portico-chat/portico"

// topLevel are the folders the house has; dot folders and the build's
// git-ignored outputs (bin/, data/) aside.
var topLevel = []string{"bot", "cmd", "connectors", "docs", "flows", "storage", "testdata"}

// domainImports are what each domain package may import of the project.
var domainImports = map[string][]string{
	"flows":         {},
	"bot":           {"flows"},
	"bot/password":  {"bot", "flows"},
	"bot/patients":  {"bot", "bot/password", "flows"},
	"bot/staff":     {"bot", "bot/password", "flows"},
	"bot/report":    {"bot"},
	"bot/flowtest":  {"bot", "flows"},
	"bot/flowadmin": {"bot", "bot/flowtest", "flows"},
	"bot/bottest":   {"bot", "bot/flowtest", "bot/password", "bot/patients", "flows"},
}

// supportLibraries are the directory and finder drivers' shared code:
// importable by connectors/directory/* and connectors/finder/*, importing
// no adapter themselves.
var supportLibraries = []string{"connectors/directory/remote", "connectors/directory/pad"}

// testKitWiring is the one test kit that wires adapters together, as
// cmd/portico does for the binary: an engine on a real SQLite file with
// the local directory (storage/sqlite/sqlitetest). No binary links it.
var testKitWiring = map[string][]string{
	"storage/sqlite/sqlitetest": {"storage/sqlite", "connectors/directory/local", ""},
}

// pkgInfo is what go list says of a package.
type pkgInfo struct {
	ImportPath string
	Name       string
	Imports    []string
	Deps       []string
}

// listPackages runs go list over the module.
func listPackages(t *testing.T, args ...string) []pkgInfo {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list", "-e", "-json"}, args...)...)
	cmd.Dir = ".."
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkgInfo
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkgInfo
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// rel is a project import path relative to the module ("" for its root),
// and whether it is the project's at all.
func rel(p string) (string, bool) {
	if p == module {
		return "", true
	}
	r, ok := strings.CutPrefix(p, module+"/")
	return r, ok
}

// under reports whether p is dir or inside it.
func under(p, dir string) bool { return p == dir || strings.HasPrefix(p, dir+"/") }

// adapterUnit names the adapter p belongs to: connectors/<name>, or
// connectors/directory/<name> and connectors/finder/<name>.
func adapterUnit(p string) string {
	parts := strings.Split(p, "/")
	if len(parts) >= 3 && (parts[1] == "directory" || parts[1] == "finder") {
		return strings.Join(parts[:3], "/")
	}
	return strings.Join(parts[:min(2, len(parts))], "/")
}

// allowed says whether package from may import to (both relative), and
// why not.
func allowed(from, to string) (bool, string) {
	domain := func(p string) bool { return p == "flows" || under(p, "bot") }
	switch {
	case under(to, "cmd"):
		return false, "nothing imports a binary"
	case under(from, "cmd"):
		return true, ""
	case from == "flows" || under(from, "bot"):
		want, ok := domainImports[from]
		if !ok {
			return false, "a new domain package: give it its arrows in domainImports and docs/architecture.md"
		}
		return slices.Contains(want, to), "a domain package imports only the domain packages the plan gives it"
	case testKitWiring[from] != nil && slices.Contains(testKitWiring[from], to):
		return true, ""
	case under(from, "storage"):
		// storage/internal holds what both stores must do byte for byte
		// alike (the outbox's sealing, the audit chain) so that `portico
		// migrate` copies one into the other; it imports no store.
		return domain(to) || under(to, "storage/internal") && !under(from, "storage/internal") ||
				under(to, "storage/sqlite") && under(from, "storage/sqlite") ||
				under(to, "storage/postgres") && under(from, "storage/postgres"),
			"a store imports the domain, never an adapter"
	case under(from, "connectors"):
		unit := adapterUnit(from)
		switch {
		case domain(to), under(to, unit):
			return true, ""
		case slices.ContainsFunc(supportLibraries, func(l string) bool { return under(to, l) }):
			driver := under(from, "connectors/directory") || under(from, "connectors/finder")
			support := slices.ContainsFunc(supportLibraries, func(l string) bool { return under(from, l) })
			return driver && !support, "only directory and finder drivers use their support libraries, which import no adapter"
		}
		return false, "an adapter never imports another adapter or a store"
	}
	return false, "outside the house plan"
}

// TestImportDirections: every package's production imports follow the plan.
func TestImportDirections(t *testing.T) {
	checked := 0
	for _, p := range listPackages(t, "./...") {
		from, _ := rel(p.ImportPath)
		for _, imp := range p.Imports {
			to, ours := rel(imp)
			if !ours {
				continue
			}
			checked++
			if ok, why := allowed(from, to); !ok {
				t.Errorf("%s imports %s: %s", orRoot(from), orRoot(to), why)
			}
		}
	}
	if checked < 60 {
		t.Errorf("checked %d project imports, want every package's", checked)
	}
}

// TestImportRulesCatchWrongArrows: the rules above refuse the arrows the
// plan forbids (a test of the test, so that a loosened rule shows).
func TestImportRulesCatchWrongArrows(t *testing.T) {
	for _, tt := range []struct {
		from, to string
		ok       bool
	}{
		{"bot", "flows", true},
		{"bot", "connectors/web", false},
		{"bot", "bot/staff", false},
		{"flows", "bot", false},
		{"bot/report", "storage/sqlite", false},
		{"bot/flowtest", "storage/sqlite", false},
		{"bot/flowadmin", "bot/flowtest", true},
		{"bot/newthing", "bot", false},
		{"connectors/web", "bot/staff", true},
		{"connectors/web", "connectors/web/chart", true},
		{"connectors/web", "connectors/directory/local", false},
		{"connectors/web", "storage/sqlite", false},
		{"connectors/notify", "connectors/sms", false},
		{"connectors/sms/smstest", "connectors/notify", false},
		{"connectors/directory/ldap", "connectors/directory/remote", true},
		{"connectors/finder/fhir", "connectors/directory/remote", true},
		{"connectors/directory/ldap", "connectors/directory/local", false},
		{"connectors/directory/remote", "connectors/directory/pad", false},
		{"connectors/web", "connectors/directory/remote", false},
		{"storage/sqlite", "bot/patients", true},
		{"storage/sqlite", "connectors/notify", false},
		{"storage/storetest", "storage/sqlite", false},
		{"storage/postgres", "storage/internal/seal", true},
		{"storage/internal/seal", "storage/sqlite", false},
		{"storage/internal/seal", "storage/internal/auditchain", false},
		{"storage/sqlite/sqlitetest", "connectors/directory/local", true},
		{"storage/sqlite/sqlitetest", "connectors/web", false},
		{"cmd/portico", "connectors/web", true},
		{"connectors/web", "cmd/portico", false},
	} {
		if got, _ := allowed(tt.from, tt.to); got != tt.ok {
			t.Errorf("%s → %s: allowed %v, want %v", tt.from, tt.to, got, tt.ok)
		}
	}
}

func orRoot(p string) string {
	if p == "" {
		return module
	}
	return p
}

// TestTopLevelFolders: the house keeps the folders it was founded with.
func TestTopLevelFolders(t *testing.T) {
	ignored := gitIgnoredFolders(t)
	entries, err := os.ReadDir("..")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() || strings.HasPrefix(name, ".") || slices.Contains(ignored, name) {
			continue
		}
		if !slices.Contains(topLevel, name) {
			t.Errorf("top-level folder %s/: new code goes under %v", name, topLevel)
		}
	}
}

// gitIgnoredFolders are the top-level folders .gitignore names ("/bin/"):
// build outputs, not part of the house.
func gitIgnoredFolders(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("../.gitignore")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "/") && strings.HasSuffix(line, "/") && strings.Count(line, "/") == 2 {
			out = append(out, strings.Trim(line, "/"))
		}
	}
	return out
}

// TestBinariesLinkNoTestCode: no testing package, and no test kit, is
// linked into a binary; the HTTP adapter does not link the database.
func TestBinariesLinkNoTestCode(t *testing.T) {
	for _, p := range listPackages(t, "-deps", "./cmd/portico", "./cmd/portico-load", "./cmd/portico-bridge") {
		if p.Name == "main" {
			continue
		}
		ip := p.ImportPath
		if ip == "testing" || strings.HasPrefix(ip, "testing/") {
			t.Errorf("a binary links %s", ip)
		}
		if r, ours := rel(ip); ours && strings.HasSuffix(path.Base(r), "test") && r != "bot/flowtest" {
			t.Errorf("a binary links the test kit %s", r)
		}
	}
	web := listPackages(t, "-deps", "./connectors/web")
	for _, p := range web {
		if strings.HasPrefix(p.ImportPath, "modernc.org/sqlite") {
			t.Errorf("connectors/web links %s: the HTTP adapter must build without the database", p.ImportPath)
		}
	}
	if len(web) < 50 {
		t.Errorf("go list -deps ./connectors/web: %d packages, want the whole closure", len(web))
	}
}
