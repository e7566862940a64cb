package main

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/flowadmin"
	"github.com/portico-chat/portico/bot/staff"
	"github.com/portico-chat/portico/storage/postgres"
	"github.com/portico-chat/portico/storage/postgres/pgtest"
	"github.com/portico-chat/portico/storage/sqlite"
)

// fillSQLite gives a single node's database what a running one has: a
// conversation handed off with its transcript, a code, a queued delivery,
// audit rows, a published flow, a console account, a token and an
// attempt.
func fillSQLite(t *testing.T, path string) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, path, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	at := time.Date(2026, 3, 2, 10, 0, 0, 123456789, time.UTC)
	c := &bot.Conversation{ID: "c1", Status: bot.StatusBot, Locale: "en", Slots: map[string]string{"first": "Olivia"},
		ResumeHash: []byte("resume-c1"), CreatedAt: at, UpdatedAt: at}
	if err := db.CreateConversation(ctx, c); err != nil {
		t.Fatal(err)
	}
	c.Status, c.Queue, c.QueuedAt, c.UpdatedAt = bot.StatusQueued, "help", at, at.Add(time.Second)
	turn := &bot.Turn{Conversation: c,
		Messages: []bot.Message{{From: bot.FromPatient, ClientID: "p1", Text: "I need a human", At: at},
			{From: bot.FromBot, Text: "Someone will be with you.", At: at}},
		Audit: []bot.AuditEvent{{Type: "handoff", Actor: "conversation:c1", Subject: "r1", At: at},
			{Type: "code.issued", Actor: "conversation:c1", Detail: "email", At: at}},
		Deliveries: []bot.Delivery{{ID: "d1", Channel: "email", To: "olivia@example.org", Subject: "Your code",
			Text: "Your Portico code is 123456.", Key: "c1/1"}},
		Codes:   []bot.Code{{ID: "k1", Purpose: "verify", Subject: "r1", Salt: []byte("s"), Hash: []byte("h"), ExpiresAt: at.Add(10 * time.Minute)}},
		Handoff: &bot.Handoff{Queue: "help", Reason: "asked", At: at},
		Visits:  []bot.Visit{{Flow: "help", State: "start", At: at}},
	}
	if err := db.Commit(ctx, turn); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PublishFlow(ctx, flowadmin.Publication{Name: "help", Source: []byte("name: help\n"), Author: "admin:a1",
		PublishedBy: "admin:a1", Audit: bot.AuditEvent{Type: "flow.published", Actor: "admin:a1"}}); err != nil {
		t.Fatal(err)
	}
	u := &staff.User{Email: "Agent@Example.org", Name: "Ana", Role: "agent", PasswordHash: "$argon2id$x", Queues: []string{"help"}}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := db.SetUserDisabled(ctx, u.ID, true); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateAPIToken(ctx, &staff.APIToken{Name: "ci", Hash: []byte("token-hash"), Scopes: []string{"flows:read"}, CreatedBy: "admin:a1"}); err != nil {
		t.Fatal(err)
	}
	if err := db.AddAttempt(ctx, "verify.record", "r1", at); err != nil {
		t.Fatal(err)
	}
}

func runCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	root := newRoot(strings.NewReader(""), &out, &out)
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), err
}

func TestMigrateCopiesSQLiteIntoPostgres(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "portico.db")
	fillSQLite(t, path)
	url := pgtest.URL(t)
	keyFile := filepath.Join(dir, "pg", "outbox.key")

	out, err := runCLI(t, "migrate", "--from", "sqlite:"+path, "--to", "postgres:"+url, "--key-file", keyFile)
	if err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	for _, want := range []string{"conversations  1", "messages  2", "handoffs  1", "audit  3", "outbox  1",
		"flows  1", "users  1", "api_tokens  1", "attempts  1", "the audit chain verifies: 3 rows"} {
		if !regexpSpaces(out, want) {
			t.Errorf("migrate output lacks %q:\n%s", want, out)
		}
	}

	ctx := context.Background()
	db, err := postgres.Open(ctx, postgres.Options{URL: url, KeyFile: keyFile}, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, err := db.ConversationByResume(ctx, []byte("resume-c1"))
	if err != nil || c.Status != bot.StatusQueued || c.Slots["first"] != "Olivia" || c.LastSeq != 2 {
		t.Errorf("copied conversation: got %+v, %v", c, err)
	}
	msgs, err := db.Messages(ctx, "c1", 0)
	if err != nil || len(msgs) != 2 || msgs[0].ClientID != "p1" || msgs[1].Text != "Someone will be with you." ||
		msgs[0].At.Nanosecond() != 123456789 {
		t.Errorf("copied transcript: got %+v, %v", msgs, err)
	}
	if n, err := db.VerifyAudit(ctx); n != 3 || err != nil {
		t.Errorf("copied audit chain: %d rows, %v; want 3 verifying", n, err)
	}
	due, err := db.DueDeliveries(ctx, time.Now(), 10)
	if err != nil || len(due) != 1 || due[0].To != "olivia@example.org" || due[0].Text != "Your Portico code is 123456." {
		t.Errorf("copied outbox: got %+v, %v; want the delivery, opened with the copied key", due, err)
	}
	if q, err := db.QueueItems(ctx); err != nil || len(q) != 1 || q[0].ConversationID != "c1" {
		t.Errorf("copied queue: got %+v, %v", q, err)
	}
	if v, err := db.LatestFlowRelease(ctx, "help"); err != nil || v.Version != 1 || v.PublishedBy != "admin:a1" {
		t.Errorf("copied flow: got %+v, %v", v, err)
	}
	if u, err := db.UserByEmail(ctx, "agent@example.org"); err != nil || !u.Disabled || !slices.Equal(u.Queues, []string{"help"}) {
		t.Errorf("copied user: got %+v, %v", u, err)
	}
	if tok, err := db.APITokenByHash(ctx, []byte("token-hash")); err != nil || tok.Name != "ci" {
		t.Errorf("copied token: got %+v, %v", tok, err)
	}
	// New rows continue after the copied ones.
	c.UpdatedAt = c.UpdatedAt.Add(time.Second)
	if err := db.Commit(ctx, &bot.Turn{Conversation: c, Messages: []bot.Message{{From: bot.FromBot, Text: "still here"}},
		Audit: []bot.AuditEvent{{Type: "after.copy"}}, Handoff: &bot.Handoff{Queue: "help"}}); err != nil {
		t.Fatalf("a turn after the copy: %v", err)
	}
	if n, err := db.VerifyAudit(ctx); n != 4 || err != nil {
		t.Errorf("audit chain after a new turn: %d rows, %v; want 4 verifying", n, err)
	}

	out, err = runCLI(t, "migrate", "--from", "sqlite:"+path, "--to", "postgres:"+url, "--key-file", keyFile)
	if err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("a second copy into the same database: got %v\n%s; want a refusal", err, out)
	}
}

func TestMigrateRefusesAnotherOutboxKey(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "portico.db")
	fillSQLite(t, path)
	other := filepath.Join(dir, "other.key")
	if err := postgres.WriteKey(other, bytes.Repeat([]byte{7}, 32)); err != nil {
		t.Fatal(err)
	}
	_, err := runCLI(t, "migrate", "--from", "sqlite:"+path, "--to", "postgres:"+pgtest.URL(t), "--key-file", other)
	if err == nil || !strings.Contains(err.Error(), "another key") {
		t.Errorf("copy with another outbox key: got %v, want a refusal naming the key", err)
	}
}

// regexpSpaces reports whether out has want with any run of spaces where
// want has two (the table's columns are aligned).
func regexpSpaces(out, want string) bool {
	fields := strings.Split(want, "  ")
	for _, line := range strings.Split(out, "\n") {
		if len(fields) == 2 {
			f := strings.Fields(line)
			if len(f) == 2 && f[0] == fields[0] && f[1] == fields[1] {
				return true
			}
			continue
		}
		if strings.Contains(line, want) {
			return true
		}
	}
	return false
}

func TestMigrateOnPostgres(t *testing.T) {
	t.Setenv("PORTICO_STORAGE_DRIVER", "postgres")
	t.Setenv("PORTICO_STORAGE_POSTGRES_URL", pgtest.URL(t))
	t.Setenv("PORTICO_STORAGE_POSTGRES_KEY_FILE", filepath.Join(t.TempDir(), "outbox.key"))
	for range 2 { // the second finds nothing to apply
		out, err := runCLI(t, "migrate")
		if err != nil || !strings.Contains(out, "is at the latest schema") || !strings.Contains(out, postgres.Migrations()[0]) {
			t.Fatalf("migrate on postgres: %v\n%s", err, out)
		}
	}
}
