package sms_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/connectors/sms"
	"github.com/portico-chat/portico/connectors/sms/smstest"
)

const (
	patient = "+13125550101"
	ours    = "+13125550000"
)

func newClock() *bot.ManualClock {
	return bot.NewManualClock(time.Date(2026, 3, 14, 15, 0, 0, 0, time.UTC))
}

func newGate(store *smstest.Memory, clock bot.Clock) *sms.Gate {
	return &sms.Gate{
		List:   store,
		Limits: sms.Limiter{Store: store, Policy: sms.DefaultRateLimit, Clock: clock},
		Texts:  sms.Texts{Clinic: "Lakeside Health"},
		Locale: "en",
	}
}

// optedOut is a store on whose list the patient is, or is not.
func optedOut(out bool) *smstest.Memory {
	store := smstest.NewMemory()
	if out {
		store.SuppressSMS(context.Background(), patient, "SM-earlier", time.Time{})
	}
	return store
}

func inbound(sid, body string) sms.Message {
	return sms.Message{SID: sid, From: patient, To: ours, Body: body, Received: time.Date(2026, 3, 14, 15, 0, 0, 0, time.UTC)}
}

func TestGateRoute(t *testing.T) {
	texts := sms.Texts{Clinic: "Lakeside Health"}
	tests := []struct {
		name           string
		suppressed     bool
		locale         string
		providerReply  bool
		body           string
		wantKeyword    sms.Keyword
		wantReply      string
		wantRunFlow    bool
		wantSuppressed bool
	}{
		{"an answer runs the flow", false, "en", false, "02139", sms.NoKeyword, "", true, false},
		{"STOP opts out and confirms", false, "en", false, "STOP", sms.OptOut, texts.KeywordReply(sms.OptOut, "en"), false, true},
		{"STOP confirmed in the gate's language", false, "es", false, "stop", sms.OptOut, texts.KeywordReply(sms.OptOut, "es"), false, true},
		{"PARAR confirmed in Spanish", false, "en", false, "Parar", sms.OptOut, texts.KeywordReply(sms.OptOut, "es"), false, true},
		{"STOP when already out: silence", true, "en", false, "STOP", sms.OptOut, "", false, true},
		{"text from an opted-out number: recorded, never answered", true, "en", false, "I need my password", sms.NoKeyword, "", false, true},
		{"YES answers a question", false, "en", false, "yes", sms.NoKeyword, "", true, false},
		{"YES from an opted-out number opts in", true, "en", false, "YES", sms.OptIn, texts.KeywordReply(sms.OptIn, "en"), false, false},
		{"START opts in", true, "en", false, "START", sms.OptIn, texts.KeywordReply(sms.OptIn, "en"), false, false},
		{"START when not out is confirmed all the same", false, "en", false, "start", sms.OptIn, texts.KeywordReply(sms.OptIn, "en"), false, false},
		{"COMENZAR opts in, in Spanish", true, "en", false, "comenzar", sms.OptIn, texts.KeywordReply(sms.OptIn, "es"), false, false},
		{"HELP is answered", false, "en", false, "HELP", sms.Help, texts.KeywordReply(sms.Help, "en"), false, false},
		{"HELP is answered even when out", true, "en", false, "info", sms.Help, texts.KeywordReply(sms.Help, "en"), false, true},
		{"AYUDA answered in Spanish", false, "en", false, "ayuda", sms.Help, texts.KeywordReply(sms.Help, "es"), false, false},
		{"provider answers keywords: list kept, no reply", false, "en", true, "STOP", sms.OptOut, "", false, true},
		{"provider answers keywords: START", true, "en", true, "START", sms.OptIn, "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			store := optedOut(tt.suppressed)
			g := newGate(store, newClock())
			g.Locale, g.ProviderReplies = tt.locale, tt.providerReply
			m := inbound("SM1", tt.body)
			ok, err := g.Route(ctx, &m)
			if err != nil || !ok {
				t.Fatalf("Route = %v, %v; want true, nil", ok, err)
			}
			if m.Keyword != tt.wantKeyword || m.Reply != tt.wantReply || m.RunFlow != tt.wantRunFlow {
				t.Errorf("got keyword %q, reply %q, run flow %v; want %q, %q, %v",
					m.Keyword, m.Reply, m.RunFlow, tt.wantKeyword, tt.wantReply, tt.wantRunFlow)
			}
			if wantKey := sms.ReplyKey("SM1"); tt.wantReply != "" && m.ReplyKey != wantKey {
				t.Errorf("reply key = %q, want %q", m.ReplyKey, wantKey)
			}
			if tt.wantReply == "" && m.ReplyKey != "" {
				t.Errorf("reply key = %q with no reply", m.ReplyKey)
			}
			if got, _ := store.SMSSuppressed(ctx, patient); got != tt.wantSuppressed {
				t.Errorf("suppressed after = %v, want %v", got, tt.wantSuppressed)
			}
		})
	}
}

// A redelivered STOP (same MessageSid) gets its confirmation again, under
// the same key, so that a first attempt that failed is not left
// unconfirmed; the outbox keeps one delivery per key.
func TestGateRedeliveredStopConfirmsUnderTheSameKey(t *testing.T) {
	ctx := context.Background()
	g := newGate(smstest.NewMemory(), newClock())
	var replies, keys []string
	for _, sid := range []string{"SM1", "SM1", "SM2"} {
		m := inbound(sid, "STOP")
		if _, err := g.Route(ctx, &m); err != nil {
			t.Fatal(err)
		}
		replies, keys = append(replies, m.Reply), append(keys, m.ReplyKey)
	}
	if replies[0] == "" || replies[1] != replies[0] || keys[1] != keys[0] {
		t.Errorf("redelivery: replies %q keys %q; want the same reply and key twice", replies[:2], keys[:2])
	}
	if replies[2] != "" {
		t.Errorf("second STOP got reply %q, want silence", replies[2])
	}
}

func TestGateRateLimit(t *testing.T) {
	ctx := context.Background()
	clock := newClock()
	store := smstest.NewMemory()
	g := newGate(store, clock)
	g.Limits.Policy = sms.RateLimit{PerSender: sms.Limit{Count: 3, Window: time.Minute}}
	steps := []struct {
		body         string
		from         string
		advance      time.Duration
		wantAdmitted bool
	}{
		{"1", patient, 0, true},
		{"2", patient, 0, true},
		{"3", patient, 0, true},
		{"4", patient, 0, false},              // over the limit: dropped
		{"HELP", patient, 0, false},           // keywords other than STOP count too
		{"hello", "+13125550199", 0, true},    // another sender is untouched
		{"STOP", patient, 0, true},            // an opt-out always gets through
		{"START", patient, time.Minute, true}, // the window has passed
	}
	for i, st := range steps {
		clock.Advance(st.advance)
		m := inbound("SM"+string(rune('a'+i)), st.body)
		m.From = st.from
		ok, err := g.Route(ctx, &m)
		if err != nil {
			t.Fatalf("step %d (%q): %v", i, st.body, err)
		}
		if ok != st.wantAdmitted {
			t.Errorf("step %d (%q from %s): admitted %v, want %v", i, st.body, st.from, ok, st.wantAdmitted)
		}
	}
	if out, _ := store.SMSSuppressed(ctx, patient); out {
		t.Error("patient still suppressed after START")
	}
}

func TestGateStoreErrors(t *testing.T) {
	down := errors.New("database is locked")
	for _, body := range []string{"STOP", "START", "hello"} {
		store := smstest.NewMemory()
		store.Fail(down)
		m := inbound("SM1", body)
		ok, err := newGate(store, newClock()).Route(context.Background(), &m)
		if ok || !errors.Is(err, down) {
			t.Errorf("%q with the store down: got %v, %v; want false and the store's error", body, ok, err)
		}
	}
}

func TestLimiterOff(t *testing.T) {
	store := smstest.NewMemory()
	store.Fail(errors.New("must not be called"))
	l := sms.Limiter{Store: store, Clock: newClock()}
	if ok, err := l.Allow(context.Background(), patient, ours); !ok || err != nil {
		t.Errorf("Allow with no limits = %v, %v; want true, nil", ok, err)
	}
}

// recorder is a Sender that records what it is asked to send.
type recorder struct{ sent []bot.Delivery }

func (r *recorder) Send(_ context.Context, d bot.Delivery) error {
	r.sent = append(r.sent, d)
	return nil
}

func TestGuard(t *testing.T) {
	permanent := errors.New("permanent delivery failure")
	tests := []struct {
		name     string
		key      string
		optedOut bool
		wantSent bool
	}{
		{"code to a number that did not opt out", "conv1:code:sms", false, true},
		{"code to a number that opted out is blocked", "conv1:code:sms", true, false},
		{"notice to a number that opted out is blocked", "conv1:notice:sms", true, false},
		{"the STOP confirmation passes", sms.ReplyKey("SM1"), true, true},
		{"a keyword reply passes", sms.ReplyKey("SM2"), false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			store := optedOut(tt.optedOut)
			rec := &recorder{}
			g := sms.Guard{Next: rec, List: store, Permanent: permanent}
			err := g.Send(ctx, bot.Delivery{ID: "d1", Channel: "sms", To: patient, Text: "Your code is 123456.", Key: tt.key})
			if sent := len(rec.sent) == 1; sent != tt.wantSent {
				t.Fatalf("sent = %v, want %v", sent, tt.wantSent)
			}
			if tt.wantSent {
				if err != nil {
					t.Errorf("Send: %v", err)
				}
				return
			}
			if !errors.Is(err, sms.ErrSuppressed) || !errors.Is(err, permanent) {
				t.Errorf("error %v: want ErrSuppressed and the permanent marker", err)
			}
			if msg := err.Error(); containsAny(msg, patient, "123456") {
				t.Errorf("error %q names the recipient or the text", msg)
			}
		})
	}
}

func TestGuardStoreDown(t *testing.T) {
	store := smstest.NewMemory()
	store.Fail(errors.New("disk I/O error"))
	rec := &recorder{}
	err := sms.Guard{Next: rec, List: store}.Send(context.Background(), bot.Delivery{To: patient, Key: "c:code:sms"})
	if err == nil || len(rec.sent) != 0 {
		t.Errorf("with the list unreadable: err %v, sent %d; want an error and nothing sent", err, len(rec.sent))
	}
	if errors.Is(err, sms.ErrSuppressed) {
		t.Error("an unreadable list is not a suppression; the outbox should retry")
	}
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
