package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/connectors/directory/bridge"
	"github.com/portico-chat/portico/connectors/directory/bridge/bridgecheck"
	"github.com/portico-chat/portico/connectors/notify/smtptest"
)

// The portal bridge driver through the whole product, against the
// reference bridge (cmd/portico-bridge) built and run as a program.

const bridgeSecret = "0123456789abcdef0123456789abcdef-test-bridge-secret"

// bridgePatients are the reference bridge's records for these tests,
// with the conformance suite's fixture.
var bridgePatients = []map[string]string{
	{"mrn": "BR-1011", "first_name": "Olivia", "last_name": "Activeuser", "dob": "1985-05-17", "zip": "02139",
		"email": "olivia.active@example.org", "phone": "+16175550111", "username": "olivia.active",
		"password": "blue river lamp cloud", "status": "active"},
	{"mrn": "BR-1001", "first_name": "Ana", "last_name": "Testcase", "dob": "1980-01-02", "zip": "02139",
		"email": "ana.testcase@example.org", "status": "pending"},
}

// startBridge builds and runs the reference bridge over a fresh SQLite
// file holding records, and returns its base URL.
func startBridge(t *testing.T, records []map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "portico-bridge")
	build := exec.Command("go", "build", "-o", bin, "github.com/portico-chat/portico/cmd/portico-bridge")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the reference bridge: %v\n%s", err, out)
	}
	var all []any
	for _, r := range records {
		all = append(all, r)
	}
	for _, p := range bridgecheck.DefaultFixture().Records() {
		all = append(all, p)
	}
	seed, _ := json.Marshal(all)
	seedFile := filepath.Join(dir, "seed.json")
	os.WriteFile(seedFile, seed, 0o600)
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-db", filepath.Join(dir, "bridge.db"), "-seed", seedFile,
		"-prefix", "/portico-bridge/v1", "-min-length", "15")
	cmd.Env = append(os.Environ(), "PORTICO_BRIDGE_SECRET="+bridgeSecret)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() })
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		if addr, ok := strings.CutPrefix(lines.Text(), "listening on "); ok {
			go io.Copy(io.Discard, out)
			return "http://" + addr + "/portico-bridge/v1"
		}
	}
	t.Fatalf("the reference bridge did not start: %s", stderr.String())
	return ""
}

func bridgeKeys(url string, extra map[string]string) map[string]string {
	keys := map[string]string{
		"directory.driver":        "bridge",
		"directory.bridge.url":    url,
		"directory.bridge.secret": bridgeSecret,
		"directory.min_latency":   "20ms",
	}
	for k, v := range extra {
		keys[k] = v
	}
	return keys
}

// TestBridgeEndToEnd: a reset and an activation through the chat land in
// the reference bridge; the conformance suite passes through `portico
// bridge check`.
func TestBridgeEndToEnd(t *testing.T) {
	base := startBridge(t, bridgePatients)
	mail := smtptest.Start(t)
	keys := directoryKeys(mail, bridgeKeys(base, nil))
	srv := runServer(t, keys)
	app := &testApp{App: srv.App, URL: srv.URL, Logs: srv.Logs}
	config := writeConfig(t, srv.db, keys)
	if strings.Contains(app.Logs.String(), bridgeSecret) || !strings.Contains(app.Logs.String(), `"directory":"bridge"`) {
		t.Errorf("start-up log: want the driver named and no secret")
	}
	if code, _ := httpGet(t, app.URL+"/readyz"); code != 200 {
		t.Errorf("/readyz %d with the bridge up", code)
	}

	// Reset: the new password is the account's (the bridge refuses it
	// again as one in its history).
	p := resetTo(t, app, mail, "Olivia", "Activeuser", "05/17/1985", "02139", "olivia.active@example.org")
	wantStatus(t, p.say("tulip harbor seven lanterns"), "closed", "resolved")
	waitMail(t, mail) // the change notice
	p = resetTo(t, app, mail, "Olivia", "Activeuser", "05/17/1985", "02139", "olivia.active@example.org")
	frames := p.say("tulip harbor seven lanterns")
	if said := strings.Join(texts(frames), " "); !strings.Contains(said, "used that password before") {
		t.Errorf("the same password again: bot said %q, want the in-history re-prompt", said)
	}

	// Activation, with a code imported for the bridge's record.
	csv := filepath.Join(t.TempDir(), "codes.csv")
	os.WriteFile(csv, []byte("mrn,activation_code\nBR-1001,K7PQ2-M4XV9\n"), 0o600)
	if out, err := runWith(t, config, "patients", "import", csv); err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	p = activateTo(t, app, "01/02/1980", "02139", "K7PQ2-M4XV9")
	wantInput(t, p.say("ana.t"), "new_password")
	wantStatus(t, p.say("paper boats on a rainy day"), "closed", "resolved")
	d, err := bridge.New(bridge.Config{URL: base, Secret: bridgeSecret}, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	id, err := d.Find(context.Background(), bridgeLookup("BR-1001"))
	if err != nil {
		t.Fatal(err)
	}
	if acc, err := d.Account(context.Background(), id); err != nil || acc.Status != "active" || acc.Username != "ana.t" {
		t.Errorf("bridge account after activation %+v, %v; want active as ana.t", acc, err)
	}

	// The conformance suite, through the command.
	out, err := runWith(t, config, "bridge", "check", base)
	if err != nil || !strings.Contains(out, "0 failed") {
		t.Errorf("bridge check: %v\n%s", err, out)
	}
	// A wrong secret: the command says which operation fails.
	t.Setenv("PORTICO_DIRECTORY_BRIDGE_SECRET", strings.Repeat("x", 40))
	out, err = runWith(t, config, "bridge", "check", base)
	if err == nil || !strings.Contains(err.Error(), "health") && !strings.Contains(err.Error(), "signing") {
		t.Errorf("bridge check with a wrong secret: %v\n%s", err, out)
	}
}

// TestBridgeEnumerationTiming: a bridge that answers a miss 40ms faster
// than a hit cannot be told apart through the product.
func TestBridgeEnumerationTiming(t *testing.T) {
	if testing.Short() {
		t.Skip("timing")
	}
	base := startBridge(t, bridgePatients)
	u, _ := url.Parse(base)
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: u.Scheme, Host: u.Host})
	proxy.ModifyResponse = func(res *http.Response) error {
		if !strings.HasSuffix(res.Request.URL.Path, "/find") {
			return nil
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if bytes.Contains(body, []byte(`"ids":["`)) {
			time.Sleep(40 * time.Millisecond)
		}
		res.Body = io.NopCloser(bytes.NewReader(body))
		return nil
	}
	front := httptest.NewServer(proxy)
	defer front.Close()
	mail := smtptest.Start(t)
	olivia := [4]string{"Olivia", "Activeuser", "05/17/1985", "02139"}
	nobody := [4]string{"Nobody", "Notapatient", "01/01/1970", "99999"}

	bare := startApp(t, directoryKeys(mail, bridgeKeys(front.URL+u.Path, map[string]string{"directory.min_latency": "0"})))
	bareHit, bareMiss := timeTurns(t, bare, 5, olivia, nobody)
	if hit, miss := bareHit, bareMiss; hit-miss < 30*time.Millisecond {
		t.Fatalf("unpadded: hit %v, miss %v; want the hit 40ms slower", hit, miss)
	}
	// The floor must cover the slower path, also on a loaded machine.
	floor := max(150*time.Millisecond, 2*bareHit)
	app := startApp(t, directoryKeys(mail, bridgeKeys(front.URL+u.Path, map[string]string{"directory.min_latency": floor.String()})))
	checkTiming(t, app, olivia, nobody, floor, 15*time.Millisecond)
}

func bridgeLookup(mrn string) bot.Lookup { return bot.Lookup{MRN: mrn} }
