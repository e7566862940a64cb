package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot/staff"
	"github.com/portico-chat/portico/storage/sqlite"
)

// TestUpgradeKeepsCapacitiesAndSessions opens a database as the version
// before "capacity 0 is the desk's default" left it: users is rebuilt, an
// account keeps the capacity it had, its session survives, and a capacity
// of 0 can now be stored.
func TestUpgradeKeepsCapacitiesAndSessions(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "portico.db")
	old := sqlite.OldSchema(t, path, "0015_users_desk_capacity.sql")
	now := time.Now().UnixNano()
	if _, err := old.Exec(`INSERT INTO users (id, email, name, role, password_hash, capacity, created_at, updated_at)
		VALUES ('u1', 'ana@example.org', 'Ana', 'agent', 'h', 3, ?, ?)`, now, now); err != nil {
		t.Fatal(err)
	}
	if _, err := old.Exec(`INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at)
		VALUES (x'0102', 'u1', ?, ?, ?)`, now, now, time.Now().Add(time.Hour).UnixNano()); err != nil {
		t.Fatal(err)
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	db := openPath(t, path)
	u, err := db.UserByEmail(ctx, "ana@example.org")
	if err != nil || u.Capacity != 3 {
		t.Fatalf("after the upgrade: %+v, %v; want Ana with capacity 3 still", u, err)
	}
	if s, err := db.StaffSession(ctx, []byte{1, 2}); err != nil || s.UserID != "u1" {
		t.Errorf("her session after the upgrade: %+v, %v; want it kept", s, err)
	}
	if err := db.SetUserWork(ctx, "u1", "", 0, nil); err != nil {
		t.Errorf("capacity 0 after the upgrade: %v", err)
	}
	if err := db.CreateSession(ctx, staff.Session{TokenHash: []byte{3}, UserID: "nobody", ExpiresAt: time.Now().Add(time.Hour)}); err == nil {
		t.Error("a session of nobody was stored: the rebuilt sessions lost its foreign key")
	}
}
