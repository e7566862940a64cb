package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/staff"
)

// Settings are the admin pages' stored settings and queue specs.
type Settings interface {
	Setting(ctx context.Context, key string) ([]byte, error)
	PutSetting(ctx context.Context, key string, value []byte, by string, audit ...bot.AuditEvent) error
	QueueSpecs(ctx context.Context) ([]bot.QueueSpec, error)
	SeedQueueSpecs(ctx context.Context, specs []bot.QueueSpec) ([]bot.QueueSpec, error)
	EditQueueSpecs(ctx context.Context, by string, fn func([]bot.QueueSpec) ([]bot.QueueSpec, error), audit ...bot.AuditEvent) ([]bot.QueueSpec, error)
}

// AuditSearch is the audit viewer's queries.
type AuditSearch interface {
	SearchAudit(ctx context.Context, f staff.AuditFilter) ([]bot.AuditEvent, error)
	CheckAudit(ctx context.Context) (staff.AuditCheck, error)
}

// settingsStore is what the settings' tests use.
type settingsStore interface {
	Store
	Staff
	Settings
	AuditSearch
	Auditor
}

func testQueueSpecsAreSeededOnceThenTheDatabaseWins(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	db := need[settingsStore](t, open(t), "settings, queue specs and the audit search")
	if _, err := db.QueueSpecs(ctx); bot.ErrorCode(err) != bot.ENOTFOUND {
		t.Fatalf("queues before any seed: %v, want ENOTFOUND", err)
	}
	config := []bot.QueueSpec{{Name: "portal-support", Priority: 1, Hours: []string{"mon-fri 08:00-18:00"}}}
	got, err := db.SeedQueueSpecs(ctx, config)
	if err != nil || len(got) != 1 || got[0].Hours[0] != "mon-fri 08:00-18:00" {
		t.Fatalf("first seed: %+v, %v; want the configuration's queue", got, err)
	}

	edited, err := db.EditQueueSpecs(ctx, "admin:a1", func(qs []bot.QueueSpec) ([]bot.QueueSpec, error) {
		qs[0].Hours = []string{"sat 09:00-13:00"}
		return append(qs, bot.QueueSpec{Name: "billing"}), nil
	}, bot.AuditEvent{Type: "queue.changed", Actor: "admin:a1", Subject: "queue:portal-support", Outcome: "ok"})
	if err != nil || len(edited) != 2 {
		t.Fatalf("edit: %+v, %v", edited, err)
	}

	// A restart seeds again from a configuration that still says mon-fri.
	got, err = db.SeedQueueSpecs(ctx, config)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Hours[0] != "sat 09:00-13:00" || got[1].Name != "billing" {
		t.Errorf("after a restart: %+v, want the admin's edit", got)
	}
	evs, err := db.AuditEvents(ctx, 0, 10)
	if err != nil || len(evs) != 1 || evs[0].Type != "queue.changed" || evs[0].Subject != "queue:portal-support" {
		t.Errorf("audit %+v, %v; want the queue.changed event written with the edit", evs, err)
	}
}

func testEditQueueSpecsFailureChangesNothing(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	db := need[settingsStore](t, open(t), "settings, queue specs and the audit search")
	if _, err := db.SeedQueueSpecs(ctx, []bot.QueueSpec{{Name: "a"}}); err != nil {
		t.Fatal(err)
	}
	boom := bot.Errorf(bot.ENOTFOUND, "no such queue")
	_, err := db.EditQueueSpecs(ctx, "admin:a1", func(qs []bot.QueueSpec) ([]bot.QueueSpec, error) { return nil, boom },
		bot.AuditEvent{Type: "queue.changed"})
	if bot.ErrorCode(err) != bot.ENOTFOUND {
		t.Errorf("failed edit: %v, want the callback's ENOTFOUND", err)
	}
	got, _ := db.QueueSpecs(ctx)
	if len(got) != 1 || got[0].Name != "a" {
		t.Errorf("after a failed edit: %+v, want it unchanged", got)
	}
	if evs, _ := db.AuditEvents(ctx, 0, 10); len(evs) != 0 {
		t.Errorf("a failed edit audited %+v, want nothing", evs)
	}
}

func testSettings(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	db := need[settingsStore](t, open(t), "settings, queue specs and the audit search")
	if _, err := db.Setting(ctx, "widget"); bot.ErrorCode(err) != bot.ENOTFOUND {
		t.Errorf("unset setting: %v, want ENOTFOUND", err)
	}
	if err := db.PutSetting(ctx, "widget", []byte(`{"color":`), "admin:a1"); bot.ErrorCode(err) != bot.EINVALID {
		t.Errorf("broken JSON: %v, want EINVALID", err)
	}
	for _, v := range []string{`{"color":"#0b5cad"}`, `{"color":"#123"}`} {
		if err := db.PutSetting(ctx, "widget", []byte(v), "admin:a1", bot.AuditEvent{Type: "widget.changed"}); err != nil {
			t.Fatal(err)
		}
		got, err := db.Setting(ctx, "widget")
		if err != nil || string(got) != v {
			t.Errorf("setting: %s, %v; want %s", got, err, v)
		}
	}
	if evs, _ := db.AuditEvents(ctx, 0, 10); len(evs) != 2 {
		t.Errorf("audit rows %d, want one per save", len(evs))
	}
}

func testSetUserWork(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	db := need[settingsStore](t, open(t), "settings, queue specs and the audit search")
	u := staff.User{Email: "ana@example.org", Name: "Ana", Role: bot.RoleAgent, PasswordHash: "x"}
	if err := db.CreateUser(ctx, &u); err != nil {
		t.Fatal(err)
	}
	if err := db.SetUserWork(ctx, u.ID, "", 5, []string{"billing"}); err != nil {
		t.Fatal(err)
	}
	got, _ := db.User(ctx, u.ID)
	if got.Name != "Ana" || got.Capacity != 5 || !slices.Equal(got.Queues, []string{"billing"}) {
		t.Errorf("after the edit: %q %d %v, want Ana 5 [billing]", got.Name, got.Capacity, got.Queues)
	}
	if err := db.SetUserWork(ctx, u.ID, "Ana M.", 2, nil); err != nil {
		t.Fatal(err)
	}
	got, _ = db.User(ctx, u.ID)
	if got.Name != "Ana M." || got.Capacity != 2 || got.Queues != nil {
		t.Errorf("after the second edit: %q %d %v, want Ana M. 2 and every queue", got.Name, got.Capacity, got.Queues)
	}
	if err := db.SetUserWork(ctx, "nobody", "", 2, nil); bot.ErrorCode(err) != bot.ENOTFOUND {
		t.Errorf("unknown user: %v, want ENOTFOUND", err)
	}
	if err := db.SetUserWork(ctx, u.ID, "", 0, nil); err != nil {
		t.Errorf("capacity 0 (the desk's default): %v", err)
	}
	if got, _ = db.User(ctx, u.ID); got.Capacity != 0 {
		t.Errorf("after an edit to the desk's default: capacity %d, want 0", got.Capacity)
	}
	for _, bad := range []int{-1, staff.MaxCapacity + 1} {
		if err := db.SetUserWork(ctx, u.ID, "", bad, nil); bot.ErrorCode(err) != bot.EINVALID {
			t.Errorf("capacity %d: %v, want EINVALID (staff.CheckCapacity)", bad, err)
		}
	}
}

func testSearchAudit(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	db := need[settingsStore](t, open(t), "settings, queue specs and the audit search")
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	var evs []bot.AuditEvent
	for i := range 10 {
		actor := "admin:a1"
		if i%2 == 1 {
			actor = "agent:b2"
		}
		typ := "user.created"
		if i%3 == 0 {
			typ = "queue.changed"
		}
		evs = append(evs, bot.AuditEvent{Type: typ, At: t0.Add(time.Duration(i) * time.Hour), Actor: actor,
			Subject: fmt.Sprintf("user:%d", i%4), Outcome: "ok"})
	}
	if err := db.AppendAudit(ctx, evs...); err != nil {
		t.Fatal(err)
	}
	seqs := func(f staff.AuditFilter) []int64 {
		t.Helper()
		got, err := db.SearchAudit(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, e := range got {
			out = append(out, e.Seq)
		}
		return out
	}
	for _, tt := range []struct {
		name string
		f    staff.AuditFilter
		want []int64
	}{
		{"all, newest first", staff.AuditFilter{}, []int64{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}},
		{"actor", staff.AuditFilter{Actor: "agent:b2"}, []int64{10, 8, 6, 4, 2}},
		{"type", staff.AuditFilter{Type: "queue.changed"}, []int64{10, 7, 4, 1}},
		{"subject", staff.AuditFilter{Subject: "user:1"}, []int64{10, 6, 2}},
		{"time range", staff.AuditFilter{From: t0.Add(2 * time.Hour), To: t0.Add(5 * time.Hour)}, []int64{5, 4, 3}},
		{"page", staff.AuditFilter{BeforeSeq: 8, Limit: 3}, []int64{7, 6, 5}},
		{"together", staff.AuditFilter{Actor: "admin:a1", Type: "queue.changed", From: t0.Add(time.Hour)}, []int64{7}},
	} {
		if got := seqs(tt.f); !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}
