package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/password"
	"github.com/portico-chat/portico/bot/staff"
	"github.com/portico-chat/portico/storage/sqlite"
)

// runIn runs the CLI with stdin and returns its output.
func runIn(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	root := newRoot(strings.NewReader(stdin), &out, &out)
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), err
}

// newSessionHash makes a unique stand-in for a session token's hash.
func newSessionHash() string { return rand.Text() + rand.Text() }

func openUsersDB(t *testing.T, path string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestUsersAdd(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "portico.db")
	t.Setenv("PORTICO_STORAGE_SQLITE_PATH", dbPath)
	generated := regexp.MustCompile(`password: (\S+)`)
	tests := []struct {
		name     string
		stdin    string
		args     []string
		wantErr  string
		password string // "" when generated
	}{
		{"password from stdin", "a long passphrase for ana\n",
			[]string{"--email", "Ana@Example.org", "--name", "Ana", "--role", "agent", "--password-stdin"}, "", "a long passphrase for ana"},
		{"generated password", "", []string{"--email", "max@example.org", "--name", "Max", "--role", "admin"}, "", ""},
		{"duplicate email", "", []string{"--email", "ANA@example.org", "--name", "Ana 2", "--role", "agent"}, "already exists", ""},
		{"bad role", "", []string{"--email", "x@example.org", "--name", "X", "--role", "root"}, "--role", ""},
		{"missing name", "", []string{"--email", "y@example.org", "--role", "agent"}, "name", ""},
		{"short stdin password", "short\n", []string{"--email", "z@example.org", "--name", "Z", "--role", "agent", "--password-stdin"}, "15 to 1024", ""},
		{"not an email", "", []string{"--email", "nobody", "--name", "N", "--role", "agent"}, "--email", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := runIn(t, tt.stdin, append([]string{"users", "add"}, tt.args...)...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want an error about %s\n%s", err, tt.wantErr, out)
				}
				return
			}
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			m := generated.FindStringSubmatch(out)
			switch {
			case tt.password != "" && m != nil:
				t.Errorf("printed a password although it came from stdin:\n%s", out)
			case tt.password == "" && m == nil:
				t.Fatalf("no generated password printed:\n%s", out)
			case tt.password == "":
				if strings.Count(out, m[1]) != 1 {
					t.Errorf("the generated password is printed %d times, want once", strings.Count(out, m[1]))
				}
				tt.password = m[1]
			}
			db := openUsersDB(t, dbPath)
			email := strings.ToLower(tt.args[1])
			u, err := db.UserByEmail(context.Background(), email)
			if err != nil {
				t.Fatal(err)
			}
			if !password.Matches(u.PasswordHash, tt.password) {
				t.Error("the stored hash does not match the password")
			}
			if strings.Contains(u.PasswordHash, tt.password) || !strings.HasPrefix(u.PasswordHash, "$argon2id$") {
				t.Errorf("stored %q, want an argon2id hash", u.PasswordHash)
			}
			db.Close()
		})
	}
	out, err := runIn(t, "", "users", "list")
	if err != nil || !strings.Contains(out, "ana@example.org") || !strings.Contains(out, "admin") || strings.Contains(out, "argon2") {
		t.Fatalf("users list: %v\n%s", err, out)
	}
}

var farFuture = time.Now().Add(24 * time.Hour)

func TestUsersDisableAndPasswordEndSessions(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "portico.db")
	t.Setenv("PORTICO_STORAGE_SQLITE_PATH", dbPath)
	if out, err := runIn(t, "", "users", "add", "--email", "ana@example.org", "--name", "Ana", "--role", "agent"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	addSession := func() []byte {
		db := openUsersDB(t, dbPath)
		defer db.Close()
		u, _ := db.UserByEmail(context.Background(), "ana@example.org")
		h := []byte(newSessionHash())
		db.CreateSession(context.Background(), staff.Session{TokenHash: h, UserID: u.ID, ExpiresAt: farFuture})
		return h
	}
	sessionGone := func(h []byte) bool {
		db := openUsersDB(t, dbPath)
		defer db.Close()
		_, err := db.StaffSession(context.Background(), h)
		return bot.ErrorCode(err) == bot.ENOTFOUND
	}

	h := addSession()
	out, err := runIn(t, "a brand new passphrase here\n", "users", "password", "ana@example.org", "--password-stdin")
	if err != nil || strings.Contains(out, "password:") {
		t.Fatalf("users password: %v\n%s", err, out)
	}
	if !sessionGone(h) {
		t.Error("a password change left the session alive")
	}
	h = addSession()
	if out, err := runIn(t, "", "users", "disable", "ana@example.org"); err != nil || !strings.Contains(out, "disabled") {
		t.Fatalf("users disable: %v\n%s", err, out)
	}
	if !sessionGone(h) {
		t.Error("disabling left the session alive")
	}
	if out, _ := runIn(t, "", "users", "list"); !strings.Contains(out, "disabled") {
		t.Errorf("users list does not show the account disabled:\n%s", out)
	}
	if _, err := runIn(t, "", "users", "disable", "nobody@example.org"); err == nil {
		t.Error("disabling an unknown account succeeded")
	}
	db := openUsersDB(t, dbPath)
	evs, _ := db.AuditEvents(context.Background(), 0, 100)
	var types []string
	for _, e := range evs {
		types = append(types, e.Type)
	}
	for _, want := range []string{"user.created", "user.password_reset", "user.disabled"} {
		if !strings.Contains(strings.Join(types, " "), want) {
			t.Errorf("audit %v lacks %s", types, want)
		}
	}
}

// TestUsersWithoutCapacityFollowHandoffCapacity: an account added without
// --capacity has none of its own and shows the desk's, handoff.capacity,
// as it is configured when listed.
func TestUsersWithoutCapacityFollowHandoffCapacity(t *testing.T) {
	t.Setenv("PORTICO_STORAGE_SQLITE_PATH", filepath.Join(t.TempDir(), "portico.db"))
	for _, args := range [][]string{
		{"--email", "ana@example.org", "--name", "Ana", "--role", "agent"},
		{"--email", "bo@example.org", "--name", "Bo", "--role", "agent", "--capacity", "2"},
	} {
		if out, err := runIn(t, "", append([]string{"users", "add"}, args...)...); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
	}
	t.Setenv("PORTICO_HANDOFF_CAPACITY", "5")
	out, err := runIn(t, "", "users", "list")
	if err != nil {
		t.Fatalf("users list: %v\n%s", err, out)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`ana@example\.org\s+Ana\s+agent\s+default \(5\)\s`),
		regexp.MustCompile(`bo@example\.org\s+Bo\s+agent\s+2\s`),
	} {
		if !want.MatchString(out) {
			t.Errorf("users list:\n%s\nwant a line matching %s", out, want)
		}
	}
}
