package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
)

// auditEvent is a PHI-free event of the given type.
func auditEvent(typ string, at time.Time) bot.AuditEvent {
	return bot.AuditEvent{Type: typ, At: at, Node: "node-1", Source: "203.0.113.7",
		Actor: "conversation:c1", Subject: "rec-1", Outcome: "ok", Detail: "via email"}
}

func testAudit(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	s := open(t)
	a := need[Auditor](t, s, "audit reader")

	if n, err := a.VerifyAudit(ctx); err != nil || n != 0 {
		t.Fatalf("VerifyAudit of an empty log: got %d, %v; want 0, nil", n, err)
	}

	outside := []bot.AuditEvent{auditEvent("agent.signin", t0), auditEvent("flow.publish", t0)}
	if err := s.AppendAudit(ctx, outside...); err != nil {
		t.Fatalf("AppendAudit: %v", err)
	}
	if outside[0].Seq != 1 || outside[1].Seq != 2 || len(outside[1].Hash) == 0 {
		t.Errorf("AppendAudit: got seqs %d, %d and hash %x, want 1, 2 and a hash", outside[0].Seq, outside[1].Seq, outside[1].Hash)
	}

	c := newConversation(t, s, "c1")
	turn := &bot.Turn{Conversation: c, Audit: []bot.AuditEvent{
		auditEvent("verify.attempt", t0.Add(time.Second)), auditEvent("code.issued", t0.Add(time.Second)),
	}}
	mustCommit(t, s, turn)
	if turn.Audit[0].Seq != 3 || turn.Audit[1].Seq != 4 {
		t.Errorf("Commit audit seqs: got %d, %d; want 3, 4", turn.Audit[0].Seq, turn.Audit[1].Seq)
	}

	// A failed turn appends nothing.
	bad := &bot.Turn{Conversation: &bot.Conversation{ID: "nope"}, Audit: []bot.AuditEvent{auditEvent("x", t0)}}
	if err := s.Commit(ctx, bad); err == nil {
		t.Fatalf("Commit to unknown conversation succeeded")
	}
	for i := range 3 {
		if err := s.AppendAudit(ctx, auditEvent(fmt.Sprintf("extra.%d", i), t0)); err != nil {
			t.Fatalf("AppendAudit: %v", err)
		}
	}

	n, err := a.VerifyAudit(ctx)
	if err != nil || n != 7 {
		t.Fatalf("VerifyAudit: got %d, %v; want 7, nil", n, err)
	}

	page, err := a.AuditEvents(ctx, 2, 3)
	if err != nil {
		t.Fatalf("AuditEvents: %v", err)
	}
	var types []string
	for _, e := range page {
		types = append(types, fmt.Sprintf("%d:%s", e.Seq, e.Type))
	}
	if got, want := strings.Join(types, " "), "3:verify.attempt 4:code.issued 5:extra.0"; got != want {
		t.Errorf("AuditEvents(after 2, limit 3): got %s, want %s", got, want)
	}
	got := page[0]
	want := turn.Audit[0]
	if !got.At.Equal(want.At) || got.Node != want.Node || got.Source != want.Source || got.Actor != want.Actor ||
		got.Subject != want.Subject || got.Outcome != want.Outcome || got.Detail != want.Detail ||
		string(got.Hash) != string(want.Hash) {
		t.Errorf("AuditEvents round trip: got %+v, want %+v", got, want)
	}
	if rest, _ := a.AuditEvents(ctx, 7, 10); len(rest) != 0 {
		t.Errorf("AuditEvents after the last: got %d events, want none", len(rest))
	}
}

func testAuditTamper(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	s := open(t)
	a := need[Auditor](t, s, "audit reader")
	in := need[Inspector](t, s, "inspector")

	for i := range 5 {
		if err := s.AppendAudit(ctx, auditEvent(fmt.Sprintf("e%d", i), t0)); err != nil {
			t.Fatalf("AppendAudit: %v", err)
		}
	}
	if n, err := a.VerifyAudit(ctx); err != nil || n != 5 {
		t.Fatalf("VerifyAudit before tampering: got %d, %v; want 5, nil", n, err)
	}
	in.TamperAudit(t, 3, "nothing to see here")
	n, err := a.VerifyAudit(ctx)
	if err == nil {
		t.Fatalf("VerifyAudit after tampering with row 3: got %d rows and no error, want an error", n)
	}
	if !strings.Contains(err.Error(), "row 3") || n != 2 {
		t.Errorf("VerifyAudit after tampering: got %d, %q; want 2 good rows and an error naming row 3", n, err)
	}
}
