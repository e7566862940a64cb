package main

import (
	"bytes"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portico-chat/portico/connectors/directory/ldap/slapdtest"
	"github.com/portico-chat/portico/connectors/notify/smtptest"
)

// The LDAP driver through the whole product, against a real slapd
// (slapdtest: ppolicy with a 20-character minimum, the least-privilege
// access rules of docs/directories.md, the patients of testdata/ldap).

// ldapKeys point Portico at a test slapd.
func ldapKeys(url string, extra map[string]string) map[string]string {
	keys := map[string]string{
		"directory.driver":                "ldap",
		"directory.ldap.url":              url,
		"directory.ldap.bind_dn":          slapdtest.ServiceDN,
		"directory.ldap.bind_password":    slapdtest.ServicePassword,
		"directory.ldap.base_dn":          slapdtest.PatientsDN,
		"directory.ldap.timeout":          "2s",
		"directory.ldap.dial_timeout":     "2s",
		"directory.ldap.breaker_cooldown": "200ms",
		"directory.min_latency":           "20ms",
	}
	for k, v := range extra {
		keys[k] = v
	}
	return keys
}

// Olivia Activeuser is DEMO-1011 in testdata/ldap/patients.ldif: active,
// with an email.
const oliviaMRN = "DEMO-1011"

// TestLDAPResetEndToEnd: a reset through the chat sets the password in
// slapd (a simple bind proves it, the old password is refused); a
// password Portico accepts but slapd's ppolicy refuses (shorter than its
// pwdMinLength of 20) is re-asked in plain language, with no server text.
func TestLDAPResetEndToEnd(t *testing.T) {
	s := slapdtest.Start(t, slapdtest.Options{})
	mail := smtptest.Start(t)
	app := startApp(t, directoryKeys(mail, ldapKeys(s.URL, nil)))
	if !strings.Contains(app.Logs.String(), `"directory":"ldap"`) || strings.Contains(app.Logs.String(), slapdtest.ServicePassword) {
		t.Errorf("start-up log: want the driver named and no password:\n%s", app.Logs.String())
	}

	p := resetTo(t, app, mail, "Olivia", "Activeuser", "05/17/1985", "02139", "olivia.active@example.org")
	frames := p.say("maple tulip ocean") // 17 characters: Portico's 15 pass, slapd's 20 do not
	wantInput(t, frames, "new_password")
	said := strings.Join(texts(frames), " ")
	if !strings.Contains(said, "too short for the portal") {
		t.Errorf("ppolicy refusal said %q, want the plain-language re-prompt", said)
	}
	for _, raw := range []string{"Password fails quality", "constraint", "pwdMinLength", "LDAP"} {
		if strings.Contains(said, raw) {
			t.Errorf("the patient was shown server text %q: %q", raw, said)
		}
	}
	newPassword := "tulip harbor seven lanterns glow"
	wantStatus(t, p.say(newPassword), "closed", "resolved")

	if err := s.Bind(slapdtest.PatientDN(oliviaMRN), newPassword); err != nil {
		t.Errorf("bind with the new password: %v", err)
	}
	if err := s.Bind(slapdtest.PatientDN(oliviaMRN), slapdtest.PatientPassword(oliviaMRN)); !slapdtest.IsInvalidCredentials(err) {
		t.Errorf("bind with the old password: %v, want invalid credentials", err)
	}
	if strings.Contains(app.Logs.String(), newPassword) {
		t.Errorf("the new password is in the log")
	}
}

// TestLDAPActivationEndToEnd: activation codes imported for a remote
// directory (mrn,activation_code) activate a pending slapd entry through
// the chat; `portico patients activation-code MRN` works against it too.
func TestLDAPActivationEndToEnd(t *testing.T) {
	s := slapdtest.Start(t, slapdtest.Options{})
	mail := smtptest.Start(t)
	keys := directoryKeys(mail, ldapKeys(s.URL, nil))
	srv := runServer(t, keys)
	app := &testApp{App: srv.App, URL: srv.URL, Logs: srv.Logs}
	config := writeConfig(t, srv.db, keys)

	csv := filepath.Join(t.TempDir(), "codes.csv")
	// One bad row: nothing is imported, and the problems name lines and
	// columns, never values.
	os.WriteFile(csv, []byte("mrn,activation_code,expiry\nDEMO-1001,K7PQ2-M4XV9,\nDEMO-1011,ZZZZ9-ZZZZ9,\nNOPE-1,ABCDE-23456,2001-01-01\n"), 0o600)
	out, err := runWith(t, config, "patients", "import", csv)
	if err == nil || !strings.Contains(out, "line 3: mrn: the account is active") || !strings.Contains(out, "line 4: expiry: is in the past") ||
		!strings.Contains(out, "nothing was imported") || strings.Contains(out, "ZZZZ9") {
		t.Fatalf("import with problems: %v\n%s", err, out)
	}
	os.WriteFile(csv, []byte("mrn,activation_code\nDEMO-1001,K7PQ2-M4XV9\n"), 0o600)
	if out, err := runWith(t, config, "patients", "import", csv); err != nil || !strings.Contains(out, "1 row of activation codes imported") {
		t.Fatalf("import: %v\n%s", err, out)
	}

	// Ana Testcase, DEMO-1001, pending.
	p := activateTo(t, app, "01/02/1980", "02139", "K7PQ2-M4XV9")
	wantInput(t, p.say("ana.t"), "new_password")
	password := "paper boats on a rainy day"
	wantStatus(t, p.say(password), "closed", "resolved")
	if err := s.Bind(slapdtest.PatientDN("DEMO-1001"), password); err != nil {
		t.Errorf("bind after activation: %v", err)
	}
	got := s.Read(slapdtest.PatientDN("DEMO-1001"), "uid", "porticoAccountStatus")
	if strings.Join(got["uid"], ",") != "ana.t" || strings.Join(got["porticoAccountStatus"], ",") != "active" {
		t.Errorf("entry after activation %v, want uid ana.t, status active", got)
	}

	// A code issued by the command, for another pending entry.
	out, err = runWith(t, config, "patients", "activation-code", "DEMO-1006")
	if err != nil || !strings.Contains(out, "activation code for DEMO-1006: ") {
		t.Fatalf("activation-code: %v\n%s", err, out)
	}
	code := strings.Fields(strings.SplitN(out, ": ", 2)[1])[0]
	p = activateTo(t, app, "08/08/1988", "94110", code) // Ella Emailonly
	wantInput(t, p.say("ella.e"), "new_password")
	if out, err := runWith(t, config, "patients", "activation-code", oliviaMRN); err == nil || !strings.Contains(err.Error(), "not pending") {
		t.Errorf("activation-code of an active account: %v\n%s", err, out)
	}

	// Staff unlock a locked entry (ppolicy's pwdAccountLockedTime).
	if out, err := runWith(t, config, "patients", "unlock", "DEMO-1016"); err != nil || !strings.Contains(out, "DEMO-1016 unlocked") {
		t.Fatalf("unlock: %v\n%s", err, out)
	}
	if got := s.Read(slapdtest.PatientDN("DEMO-1016"), "pwdAccountLockedTime"); len(got["pwdAccountLockedTime"]) != 0 {
		t.Errorf("still locked after patients unlock: %v", got)
	}
}

// TestLDAPDownMidDialog: slapd stopped in the middle of a reset: the
// patient is told plainly and handed to a person (directory_unavailable),
// nothing they said is lost, /readyz and the metric report it; once slapd
// is back, the next conversation resets a password.
func TestLDAPDownMidDialog(t *testing.T) {
	s := slapdtest.Start(t, slapdtest.Options{})
	mail := smtptest.Start(t)
	app := startApp(t, directoryKeys(mail, ldapKeys(s.URL, map[string]string{"metrics.addr": "127.0.0.1:0"})))
	metricsURL := "http://" + app.metricsL.Addr().String() + "/metrics"
	if code, _ := httpGet(t, app.URL+"/readyz"); code != 200 {
		t.Fatalf("/readyz %d with slapd up", code)
	}

	p := dial(t, app.URL)
	w, _ := p.hello("", 0, "en", "reset_password")
	for _, x := range []string{"reply:name", "Olivia", "Activeuser", "05/17/1985"} {
		p.say(x)
	}
	s.Stop()
	start := time.Now()
	frames := p.say("02139")
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the turn took %v with slapd down, want it bounded by the timeouts", took)
	}
	said := strings.Join(texts(frames), " ")
	if !strings.Contains(said, "account system can't be reached") {
		t.Errorf("with slapd down the bot said %q", said)
	}
	if status, reason := conversationOf(t, app, w.Conversation); status != "queued" || reason != "directory_unavailable" {
		t.Errorf("conversation %s, reason %q; want queued, directory_unavailable", status, reason)
	}
	msgs, err := app.DB.Messages(t.Context(), w.Conversation, 0)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(msgs); n < 2 || msgs[n-2].Text != "02139" {
		t.Errorf("the patient's last answer was not kept: %+v", msgs)
	}
	if code, _ := httpGet(t, app.URL+"/readyz"); code != 503 {
		t.Errorf("/readyz %d with slapd down, want 503", code)
	}
	if _, body := httpGet(t, metricsURL); !strings.Contains(body, `portico_directory_up{backend="directory",driver="ldap"} 0`) {
		t.Errorf("metrics with slapd down:\n%s", grepLines(body, "portico_directory"))
	}

	s.Restart()
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, _ := httpGet(t, app.URL+"/readyz")
		if code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz still %d after slapd came back", code)
		}
		time.Sleep(100 * time.Millisecond) // the breaker's cooldown (200ms) must pass: nothing to await
	}
	p = resetTo(t, app, mail, "Olivia", "Activeuser", "05/17/1985", "02139", "olivia.active@example.org")
	wantStatus(t, p.say("lantern harbor tulips at dusk"), "closed", "resolved")
	if err := s.Bind(slapdtest.PatientDN(oliviaMRN), "lantern harbor tulips at dusk"); err != nil {
		t.Errorf("bind after the reset once slapd was back: %v", err)
	}
	if _, body := httpGet(t, metricsURL); !strings.Contains(body, `portico_directory_up{backend="directory",driver="ldap"} 1`) {
		t.Errorf("metrics with slapd back:\n%s", grepLines(body, "portico_directory"))
	}
}

// TestLDAPHungMidDialog: a slapd that accepts but never answers (frozen)
// costs the patient one operation timeout, then the same plain words and
// handoff as a stopped one.
func TestLDAPHungMidDialog(t *testing.T) {
	s := slapdtest.Start(t, slapdtest.Options{})
	mail := smtptest.Start(t)
	app := startApp(t, directoryKeys(mail, ldapKeys(s.URL, map[string]string{
		"directory.ldap.timeout": "500ms", "directory.ldap.dial_timeout": "500ms",
	})))
	p := dial(t, app.URL)
	w, _ := p.hello("", 0, "en", "reset_password")
	for _, x := range []string{"reply:name", "Olivia", "Activeuser", "05/17/1985"} {
		p.say(x)
	}
	s.Pause()
	defer s.Resume()
	start := time.Now()
	frames := p.say("02139")
	took := time.Since(start)
	if took > 3*time.Second {
		t.Errorf("the turn took %v with slapd hung, want about the 500ms timeout", took)
	}
	if said := strings.Join(texts(frames), " "); !strings.Contains(said, "account system can't be reached") {
		t.Errorf("with slapd hung the bot said %q", said)
	}
	if status, reason := conversationOf(t, app, w.Conversation); status != "queued" || reason != "directory_unavailable" {
		t.Errorf("conversation %s, reason %q; want queued, directory_unavailable", status, reason)
	}
	t.Logf("turn with slapd hung: %v", took)
}

// TestLDAPEnumerationTiming: through the product, a lookup that finds a
// patient and one that does not take the same time, although slapd's
// answers are slowed by 40ms when they carry an entry (a hit).
func TestLDAPEnumerationTiming(t *testing.T) {
	if testing.Short() {
		t.Skip("timing")
	}
	s := slapdtest.Start(t, slapdtest.Options{})
	slow := slowProxy(t, strings.TrimPrefix(s.URL, "ldap://"), []byte("employeeNumber"), 40*time.Millisecond)
	mail := smtptest.Start(t)
	olivia := [4]string{"Olivia", "Activeuser", "05/17/1985", "02139"}
	nobody := [4]string{"Nobody", "Notapatient", "01/01/1970", "99999"}

	// Without a floor the difference shows: the test can see one.
	bare := startApp(t, directoryKeys(mail, ldapKeys("ldap://"+slow, map[string]string{"directory.min_latency": "0"})))
	bareHit, bareMiss := timeTurns(t, bare, 5, olivia, nobody)
	if hit, miss := bareHit, bareMiss; hit-miss < 30*time.Millisecond {
		t.Fatalf("unpadded: hit %v, miss %v; want the hit 40ms slower (is the proxy slowing hits?)", hit, miss)
	}

	// The floor must cover the slower path, also on a loaded machine.
	floor := max(150*time.Millisecond, 2*bareHit)
	app := startApp(t, directoryKeys(mail, ldapKeys("ldap://"+slow, map[string]string{"directory.min_latency": floor.String()})))
	checkTiming(t, app, olivia, nobody, floor, 15*time.Millisecond)
}

// slowProxy forwards TCP to target and holds back, by delay, every chunk
// the server sends that contains marker.
func slowProxy(t *testing.T, target string, marker []byte, delay time.Duration) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { l.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			wg.Add(2)
			go func() { defer wg.Done(); io.Copy(u, c); u.Close() }()
			go func() {
				defer wg.Done()
				defer c.Close()
				buf := make([]byte, 64<<10)
				for {
					n, err := u.Read(buf)
					if n > 0 {
						if bytes.Contains(buf[:n], marker) {
							time.Sleep(delay)
						}
						if _, werr := c.Write(buf[:n]); werr != nil {
							return
						}
					}
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	return l.Addr().String()
}

// grepLines returns the lines of s that contain sub.
func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
