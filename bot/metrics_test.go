package bot_test

import (
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/flows"
)

// countingMetrics counts every call by its method and labels.
type countingMetrics struct {
	mu    sync.Mutex
	calls map[string]int
	turns int
}

func (m *countingMetrics) add(s string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.calls == nil {
		m.calls = map[string]int{}
	}
	m.calls[s]++
}

func (m *countingMetrics) TurnDone(d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if d > 0 {
		m.turns++
	}
}
func (m *countingMetrics) ConversationOpened()                 { m.add("opened") }
func (m *countingMetrics) ConversationClosed(r bot.Resolution) { m.add("closed " + string(r)) }
func (m *countingMetrics) CodeIssued(channel, outcome string) {
	m.add(fmt.Sprintf("code %s %s", channel, outcome))
}
func (m *countingMetrics) Verified(method, outcome string) {
	m.add(fmt.Sprintf("verify %s %s", method, outcome))
}
func (m *countingMetrics) Locked(scope string) { m.add("locked " + scope) }
func (m *countingMetrics) HandedOff(queue, reason, outcome string) {
	m.add(fmt.Sprintf("handoff %s %s %s", queue, reason, outcome))
}

// withMetrics replaces the harness's engine with one that reports to m.
func (h *harness) withMetrics(m bot.Metrics) {
	h.t.Helper()
	cfg := bot.DefaultConfig()
	cfg.PasswordMinLength = h.env.Dir.Policy().MinLength
	d := h.deps(h.env.Dir, h.flows(flows.Builtin()))
	d.Desk, d.Metrics = h.env.DB, m
	h.eng = bot.NewEngine(cfg, d, zerolog.Nop())
}

func TestMetricsCountWhatTheAuditRecords(t *testing.T) {
	h := newHarness(t)
	m := &countingMetrics{}
	h.withMetrics(m)

	ok := h.open("reset_password")
	ok.requestCode(olivia)
	ok.say(ok.wrongCode())
	ok.say(ok.code())
	says := 6 + 2 // the five answers and the channel, the wrong code and the right one

	ghost := h.open("reset_password")
	ghost.requestCode(nobody)
	says += 6

	person := h.open("")
	person.reply("agent")
	says++

	want := map[string]int{
		"opened":                3,
		"code email sent":       1,
		"code email suppressed": 1,
		"verify otp failed":     1,
		"verify otp ok":         1,
		"handoff portal-support requested queued": 1,
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !reflect.DeepEqual(m.calls, want) {
		t.Errorf("metrics:\n got %v\nwant %v\naudit of the verified chat: %v", m.calls, want, ok.audited("verify.attempt"))
	}
	if m.turns != says {
		t.Errorf("turns timed: got %d, want %d", m.turns, says)
	}
}

func TestEngineRecordsStateVisits(t *testing.T) {
	h := newHarness(t)
	c := h.open("")
	c.reply("reset_password")
	rows, err := h.env.DB.Reader().Query(`SELECT flow, state FROM state_visits WHERE conversation_id = ? ORDER BY rowid`, c.id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var f, s string
		if err := rows.Scan(&f, &s); err != nil {
			t.Fatal(err)
		}
		got = append(got, f+"."+s)
	}
	// The menu, the goto state that switches flows, then the new flow up
	// to its first question (reached through a call to verification).
	if len(got) < 3 || got[0] != "greeting.welcome" || got[1] != "greeting.to_reset" {
		t.Fatalf("visits: got %v, want greeting.welcome, greeting.to_reset, reset_password…", got)
	}
	if last := got[len(got)-1]; last != c.state() {
		t.Errorf("last visit: got %s, want the conversation's state %s (all visits %v)", last, c.state(), got)
	}
}
