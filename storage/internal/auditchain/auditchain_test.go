package auditchain_test

import (
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/storage/internal/auditchain"
)

func event(seq int64) bot.AuditEvent {
	return bot.AuditEvent{Seq: seq, Type: "user.created", At: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC),
		Node: "n1", Source: "127.0.0.1", Actor: "admin:a1", Subject: "user:u1", Outcome: "ok", Detail: "role=agent"}
}

// TestHashIsStable pins the encoding: chains written by either store, and
// copied between them, verify only while it does not change (a new one
// takes a new hashDomain).
func TestHashIsStable(t *testing.T) {
	e := event(1)
	got := hex.EncodeToString(auditchain.Hash(auditchain.Genesis(), &e))
	if want := "4fe47a5c39b734bb3a5a3f585ba686e5935c517900e072bd3caae7aa61945d2b"; got != want {
		t.Errorf("Hash of the first row: got %s, want %s", got, want)
	}
}

func TestVerifierNamesTheFirstBadRow(t *testing.T) {
	chain := func() []bot.AuditEvent {
		prev := auditchain.Genesis()
		var out []bot.AuditEvent
		for seq := int64(1); seq <= 3; seq++ {
			e := event(seq)
			e.Hash = auditchain.Hash(prev, &e)
			out, prev = append(out, e), e.Hash
		}
		return out
	}
	prevOf := func(rows []bot.AuditEvent, i int) []byte {
		if i == 0 {
			return auditchain.Genesis()
		}
		return rows[i-1].Hash
	}
	tests := []struct {
		name    string
		change  func([]bot.AuditEvent) []bot.AuditEvent
		wantSeq int64 // 0: verifies
	}{
		{"intact", func(r []bot.AuditEvent) []bot.AuditEvent { return r }, 0},
		{"a changed detail", func(r []bot.AuditEvent) []bot.AuditEvent { r[1].Detail = "role=admin"; return r }, 2},
		{"a removed row", func(r []bot.AuditEvent) []bot.AuditEvent { return append(r[:1], r[2:]...) }, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orig := chain()
			rows := tt.change(chain())
			var v auditchain.Verifier
			var err error
			for i := range rows {
				stored := prevOf(orig, int(rows[i].Seq)-1)
				if err = v.Next(&rows[i], stored); err != nil {
					break
				}
			}
			var bad *auditchain.Error
			switch {
			case tt.wantSeq == 0 && (err != nil || v.N != len(rows)):
				t.Errorf("got %v after %d rows, want all %d to verify", err, v.N, len(rows))
			case tt.wantSeq != 0 && (!errors.As(err, &bad) || bad.Seq != tt.wantSeq):
				t.Errorf("got %v, want an *Error naming row %d", err, tt.wantSeq)
			}
		})
	}
}
