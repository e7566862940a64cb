package postgres_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/flowadmin"
	"github.com/portico-chat/portico/bot/staff"
)

func TestFlowDraftsAndPublishing(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	if _, err := db.FlowDraft(ctx, "f"); bot.ErrorCode(err) != bot.ENOTFOUND {
		t.Fatalf("no draft: got %v, want ENOTFOUND", err)
	}
	if err := db.SaveFlowDraft(ctx, flowadmin.Draft{Name: "f", Source: []byte("a"), Tests: []byte("t"), Author: "admin:1"}); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveFlowDraft(ctx, flowadmin.Draft{Name: "f", Source: []byte("b"), Author: "admin:2"}); err != nil {
		t.Fatal(err)
	}
	d, err := db.FlowDraft(ctx, "f")
	if err != nil || string(d.Source) != "b" || len(d.Tests) != 0 || d.Author != "admin:2" || d.UpdatedAt.IsZero() {
		t.Fatalf("draft: got %+v, %v; want the second save", d, err)
	}
	ev := bot.AuditEvent{Type: "flow.publish", Actor: "admin:2", Outcome: "ok", Detail: "diff_sha256=x"}
	for want := 1; want <= 2; want++ {
		v, err := db.PublishFlow(ctx, flowadmin.Publication{Name: "f", Source: []byte("b"), Tests: []byte("t"),
			Author: "admin:2", PublishedBy: "admin:3", DropDraft: true, Audit: ev})
		if err != nil || v != want {
			t.Fatalf("publish %d: got v%d, %v", want, v, err)
		}
	}
	if _, err := db.FlowDraft(ctx, "f"); bot.ErrorCode(err) != bot.ENOTFOUND {
		t.Errorf("draft after publish: got %v, want it dropped", err)
	}
	rel, err := db.LatestFlowRelease(ctx, "f")
	if err != nil || rel.Version != 2 || rel.PublishedBy != "admin:3" || string(rel.Tests) != "t" {
		t.Errorf("latest: got %+v, %v", rel, err)
	}
	hist, err := db.FlowHistory(ctx, "f")
	if err != nil || len(hist) != 2 || hist[0].Version != 2 || hist[1].Version != 1 {
		t.Errorf("history: got %+v, %v; want v2, v1", hist, err)
	}
	evs, _ := db.AuditEvents(ctx, 0, 100)
	if len(evs) != 2 || evs[1].Subject != "flow:f/v2" {
		t.Errorf("audit %+v, want two rows, the second about flow:f/v2", evs)
	}
}

func TestAPITokensStore(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	token, hash := staff.NewAPIToken()
	tok := staff.APIToken{Name: "ci", Hash: hash, Scopes: []string{staff.ScopeFlowsRead}, CreatedBy: "cli"}
	if err := db.CreateAPIToken(ctx, &tok); err != nil {
		t.Fatal(err)
	}
	got, err := db.APITokenByHash(ctx, staff.APITokenHash(token))
	if err != nil || got.ID != tok.ID || !got.Allows(staff.ScopeFlowsRead) || got.Allows(staff.ScopeFlowsWrite) {
		t.Fatalf("by hash: got %+v, %v", got, err)
	}
	var n int
	db.Pool().QueryRow(ctx, `SELECT COUNT(*) FROM api_tokens WHERE position(convert_to($1, 'UTF8') in token_hash) > 0`, token).Scan(&n)
	if n != 0 || bytes.Contains(got.Hash, []byte(token)) {
		t.Error("the token is stored in clear")
	}
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	if err := db.RevokeAPIToken(ctx, tok.ID, at); err != nil {
		t.Fatal(err)
	}
	db.RevokeAPIToken(ctx, tok.ID, at.Add(time.Hour))
	got, _ = db.APITokenByHash(ctx, hash)
	if !got.RevokedAt.Equal(at) || got.Allows(staff.ScopeFlowsRead) {
		t.Errorf("revoked: got %+v, want revoked at %v and allowing nothing", got, at)
	}
	if err := db.RevokeAPIToken(ctx, "nope", at); bot.ErrorCode(err) != bot.ENOTFOUND {
		t.Errorf("revoke unknown: got %v, want ENOTFOUND", err)
	}
}
