package main

import (
	"bytes"
	"maps"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portico-chat/portico/storage/postgres"
	"github.com/portico-chat/portico/storage/postgres/pgtest"
)

// storeKeys, when set, adds to every test server's configuration the
// storage it runs on instead of its SQLite file (runServer).
var storeKeys func(t *testing.T) map[string]string

func withStore(t *testing.T, keys map[string]string) map[string]string {
	if storeKeys == nil {
		return keys
	}
	out := maps.Clone(keys)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, storeKeys(t))
	return out
}

// postgresKeys puts a server on a fresh PostgreSQL schema of its own.
func postgresKeys(t *testing.T) map[string]string {
	return map[string]string{
		"storage.driver":            "postgres",
		"storage.postgres.url":      pgtest.URL(t),
		"storage.postgres.key_file": filepath.Join(t.TempDir(), "outbox.key"),
	}
}

// TestEndToEndOnPostgres runs end-to-end tests written for the default
// store again with the server on PostgreSQL (storage.driver: postgres): a
// reset and an activation with real email, the enumeration check, a
// handoff to an agent, a restart during an agent chat, a say retried
// after a dropped socket, the per-address limit on new conversations, a
// held fourth code, a queue an admin closed, the purge of silent
// conversations and the metrics.
func TestEndToEndOnPostgres(t *testing.T) {
	pgtest.URL(t) // skips (or fails in CI) at once without a server
	storeKeys = postgresKeys
	t.Cleanup(func() { storeKeys = nil })
	for _, tc := range []struct {
		name string
		test func(*testing.T)
	}{
		{"PasswordReset", TestPasswordResetEndToEnd},
		{"Activation", TestActivationEndToEnd},
		{"Enumeration", TestEnumerationGivesNothingAway},
		{"Handoff", TestHandoffEndToEnd},
		{"RestartDuringAnAgentChat", TestRestartDuringAnAgentChat},
		{"SayRetriedAfterDrop", TestSayRetriedAfterDropIsProcessedOnce},
		{"NewConversationsPerAddress", TestNewConversationsPerAddressOverRealSockets},
		{"FourthCodeIsHeld", TestFourthCodeIsHeldAndTheDevOutboxSaysSo},
		{"QueueClosedByAnAdmin", TestAQueueClosedByAnAdminOffersToLeaveAMessageAtOnceAndAfterARestart},
		{"PurgeSilentConversations", TestPurgeDeletesConversationsNobodyWroteIn},
		{"Metrics", TestMetricsListener},
	} {
		t.Run(tc.name, tc.test)
	}
}

func TestServerRunsOnPostgres(t *testing.T) {
	storeKeys = postgresKeys
	t.Cleanup(func() { storeKeys = nil })
	app := startApp(t, nil)
	if _, ok := app.DB.(*postgres.DB); !ok {
		t.Fatalf("storage.driver postgres: the app's store is a %T, want *postgres.DB", app.DB)
	}
}

func TestConfigPrintMasksThePostgresPassword(t *testing.T) {
	t.Setenv("PORTICO_STORAGE_DRIVER", "postgres")
	t.Setenv("PORTICO_STORAGE_POSTGRES_URL", "postgres://portico:pa55-w0rd@db.internal:5432/portico?sslmode=verify-full")
	var out bytes.Buffer
	root := newRoot(strings.NewReader(""), &out, &out)
	root.SetArgs([]string{"config", "print"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if strings.Contains(got, "pa55-w0rd") {
		t.Errorf("config print shows the database password:\n%s", got)
	}
	for _, line := range []string{"storage.driver: postgres", "storage.postgres.url: postgres://portico:xxxxx@db.internal:5432/portico?sslmode=verify-full"} {
		if !strings.Contains(got, line) {
			t.Errorf("config print lacks %q:\n%s", line, got)
		}
	}
}

func TestPostgresNeedsAURL(t *testing.T) {
	v := newViper(nil)
	v.Set("storage.driver", "postgres")
	_, err := loadConfig(v, "")
	if err == nil || !strings.Contains(err.Error(), "storage.postgres.url") {
		t.Errorf("postgres without a URL: got %v, want an error naming storage.postgres.url", err)
	}
}
