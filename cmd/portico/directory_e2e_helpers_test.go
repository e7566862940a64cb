package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/portico-chat/portico/connectors/notify/smtptest"
)

// Helpers of the directory drivers' end-to-end tests: the whole server,
// with a real socket, in front of a real (or faithfully faked) directory.

// directoryKeys are the keys every directory test starts with: SMTP for
// the codes, no rate limit on new conversations, and extra.
func directoryKeys(mail *smtptest.Server, extra map[string]string) map[string]string {
	keys := smtpKeys(mail)
	keys["http.new_conversations_per_minute"] = "1000"
	for k, v := range extra {
		keys[k] = v
	}
	return keys
}

// resetTo runs a password reset by name, date of birth and ZIP up to the
// new-password question, with the code from the email on file.
func resetTo(t *testing.T, app *testApp, mail *smtptest.Server, first, last, dob, zip, email string) *patient {
	t.Helper()
	p := dial(t, app.URL)
	_, opening := p.hello("", 0, "en", "reset_password")
	wantInput(t, opening, "lookup")
	for _, s := range []string{"reply:name", first, last, dob, zip} {
		p.say(s)
	}
	wantInput(t, p.say("reply:email"), "otp")
	m := waitMail(t, mail)
	if !slices.Equal(m.To, []string{email}) {
		t.Fatalf("code sent to %v, want %s", m.To, email)
	}
	wantInput(t, p.say(codeFrom(t, m)), "new_password")
	return p
}

// activateTo runs an activation with a code up to the username question.
func activateTo(t *testing.T, app *testApp, dob, zip, code string) *patient {
	t.Helper()
	p := dial(t, app.URL)
	p.hello("", 0, "en", "activate_account")
	for _, s := range []string{"reply:yes", dob, zip} {
		p.say(s)
	}
	wantInput(t, p.say(code), "username")
	return p
}

// writeConfig writes a configuration file for a command run against the
// app's database with keys.
func writeConfig(t *testing.T, db string, keys map[string]string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("storage:\n  sqlite:\n    path: " + db + "\n")
	ks := make([]string, 0, len(keys))
	for k := range keys {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	for _, k := range ks {
		if strings.HasPrefix(k, "directory.") || strings.HasPrefix(k, "finder.") {
			b.WriteString(k + ": \"" + strings.ReplaceAll(keys[k], `"`, `\"`) + "\"\n")
		}
	}
	file := filepath.Join(t.TempDir(), "portico.yaml")
	if err := os.WriteFile(file, []byte(flatToNested(b.String())), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// flatToNested leaves "a.b.c: v" lines to viper, which reads dotted keys
// of a YAML file as they are written only when nested: it nests them.
func flatToNested(s string) string {
	var out strings.Builder
	var prev []string
	for _, line := range strings.Split(s, "\n") {
		key, val, ok := strings.Cut(line, ": ")
		if !ok || strings.HasPrefix(line, " ") || !strings.Contains(key, ".") {
			if line != "" {
				out.WriteString(line + "\n")
			}
			prev = nil
			continue
		}
		parts := strings.Split(key, ".")
		i := 0
		for i < len(prev) && i < len(parts)-1 && prev[i] == parts[i] {
			i++
		}
		for j := i; j < len(parts)-1; j++ {
			out.WriteString(strings.Repeat("  ", j) + parts[j] + ":\n")
		}
		out.WriteString(strings.Repeat("  ", len(parts)-1) + parts[len(parts)-1] + ": " + val + "\n")
		prev = parts[:len(parts)-1]
	}
	return out.String()
}

// cli runs a command with a configuration file.
func runWith(t *testing.T, config string, args ...string) (string, error) {
	t.Helper()
	return run(t, append([]string{"--config", config}, args...)...)
}

// conversationOf returns the stored conversation's status and handoff
// reason.
func conversationOf(t *testing.T, app *testApp, id string) (status, reason string) {
	t.Helper()
	c, err := app.DB.Conversation(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return string(c.Status), c.Reason
}

// httpGet returns the status and body of a GET.
func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// timeTurns measures the turn that looks the patient up (the ZIP) for a
// hit and a miss, n times each, interleaved, and returns the medians.
func timeTurns(t *testing.T, app *testApp, n int, hit, miss [4]string) (hitMed, missMed time.Duration) {
	t.Helper()
	one := func(who [4]string) time.Duration {
		p := dial(t, app.URL)
		p.hello("", 0, "en", "reset_password")
		for _, s := range []string{"reply:name", who[0], who[1], who[2]} {
			p.say(s)
		}
		start := time.Now()
		frames := p.say(who[3])
		d := time.Since(start)
		if len(frames) < 2 {
			t.Fatalf("lookup turn answered %v", texts(frames))
		}
		return d
	}
	var hits, misses []time.Duration
	for range n {
		hits = append(hits, one(hit))
		misses = append(misses, one(miss))
	}
	return median(hits), median(misses)
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// checkTiming fails when lookups of hit and miss through app differ by
// more than slack in median, or either takes less than the floor. Every
// turn commits to SQLite (an fsync), whose latency other processes on the
// machine disturb: a round whose medians differ by more than slack is
// measured again, up to three rounds. A real leak (the backend's 40ms)
// shows in every round; noise does not.
func checkTiming(t *testing.T, app *testApp, hit, miss [4]string, floor, slack time.Duration) {
	t.Helper()
	var h, m time.Duration
	for round := 1; round <= 3; round++ {
		h, m = timeTurns(t, app, 7, hit, miss)
		t.Logf("round %d: median lookup turn: hit %v, miss %v (floor %v)", round, h, m, floor)
		if h < floor || m < floor {
			t.Fatalf("a lookup took less than the floor %v: hit %v, miss %v", floor, h, m)
		}
		if (h - m).Abs() <= slack {
			return
		}
	}
	t.Errorf("hit and miss differ by %v in three rounds (last: hit %v, miss %v), want within %v", (h - m).Abs(), h, m, slack)
}
