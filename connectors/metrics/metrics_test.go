package metrics_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/connectors/metrics"
	"github.com/portico-chat/portico/flows"
	"github.com/portico-chat/portico/storage/sqlite/sqlitetest"
)

// patient drives one conversation with quick replies and text.
type patient struct {
	t   *testing.T
	eng *bot.Engine
	env *sqlitetest.Patients
	id  string
	n   int
}

type sink struct{}

func (sink) Deliver(bot.Event) bool { return true }

func (p *patient) send(s bot.Say) {
	p.t.Helper()
	p.n++
	s.ID, s.Source = fmt.Sprintf("s%d", p.n), "192.0.2.1"
	if err := p.eng.Say(context.Background(), p.id, sink{}, s); err != nil {
		p.t.Fatalf("say %q: %v", s.Text+s.Reply, err)
	}
}

var otp = regexp.MustCompile(`\b\d{6}\b`)

// code returns the newest one-time code queued for the conversation.
func (p *patient) code() string {
	p.t.Helper()
	due, err := p.env.DB.DueDeliveries(context.Background(), p.env.Clock.Now().Add(time.Hour), 1000)
	if err != nil {
		p.t.Fatal(err)
	}
	code := ""
	for _, d := range due {
		if strings.HasPrefix(d.Key, p.id+":") && d.Withheld == "" {
			code = otp.FindString(d.Text)
		}
	}
	if code == "" {
		p.t.Fatalf("no code queued for %s", p.id)
	}
	return code
}

func open(t *testing.T, eng *bot.Engine, env *sqlitetest.Patients, start string) *patient {
	t.Helper()
	w, err := eng.Hello(context.Background(), bot.Hello{Locale: "en", Start: start, Source: "192.0.2.1"}, sink{})
	if err != nil {
		t.Fatalf("hello: %v", err)
	}
	return &patient{t: t, eng: eng, env: env, id: w.ConversationID}
}

// TestMetricsAfterScriptedConversations runs three conversations through a
// real engine and checks what /metrics exposes.
func TestMetricsAfterScriptedConversations(t *testing.T) {
	ctx := context.Background()
	env := sqlitetest.NewPatients(t)
	m := metrics.New(metrics.Options{
		Store: env.DB, Queues: []string{"portal-support", "billing"}, PatientSockets: func() int { return 2 },
	}, zerolog.Nop())
	fl, err := bot.LoadFlows(ctx, env.DB, flows.Builtin(), "test")
	if err != nil {
		t.Fatal(err)
	}
	cfg := bot.DefaultConfig()
	cfg.PasswordMinLength = env.Dir.Policy().MinLength
	eng := bot.NewEngine(cfg, bot.Deps{Store: env.DB, Codes: env.DB, Attempts: env.DB, Directory: env.Dir,
		Activation: env.DB, Password: env.Dir.Policy(), Flows: fl, Clock: env.Clock, Desk: env.DB, Metrics: m}, zerolog.Nop())

	// Olivia verifies by email after one wrong code: 8 turns.
	olivia := open(t, eng, env, "reset_password")
	olivia.send(bot.Say{Reply: "name"})
	for _, s := range []string{"Olivia", "Activeuser", "05/17/1985", "02139"} {
		olivia.send(bot.Say{Text: s})
	}
	olivia.send(bot.Say{Reply: "email"})
	olivia.send(bot.Say{Text: "000000"})
	olivia.send(bot.Say{Text: olivia.code()})
	// Someone not on file asks for a code by SMS: suppressed, 6 turns.
	ghost := open(t, eng, env, "reset_password")
	ghost.send(bot.Say{Reply: "name"})
	for _, s := range []string{"Nobody", "Nowhere", "01/01/1990", "99999"} {
		ghost.send(bot.Say{Text: s})
	}
	ghost.send(bot.Say{Reply: "sms"})
	// A patient asks for a person from the menu: 1 turn, then leaves.
	person := open(t, eng, env, "")
	person.send(bot.Say{Reply: "agent"})
	if err := eng.Bye(ctx, ghost.id); err != nil {
		t.Fatal(err)
	}

	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	res, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: got %d, want 200: %s", res.StatusCode, body)
	}
	exposition := string(body)
	for _, want := range []string{
		`portico_conversations_opened_total 3`,
		`portico_conversations_closed_total{resolution="abandoned"} 1`,
		`portico_conversations_closed_total{resolution="resolved"} 0`,
		`portico_codes_total{channel="email",outcome="sent"} 1`,
		`portico_codes_total{channel="sms",outcome="suppressed"} 1`,
		`portico_codes_total{channel="sms",outcome="sent"} 0`,
		`portico_verifications_total{method="otp",outcome="failed"} 1`,
		`portico_verifications_total{method="otp",outcome="ok"} 1`,
		`portico_verifications_total{method="activation_code",outcome="ok"} 0`,
		`portico_handoffs_total{outcome="queued",queue="portal-support",reason="requested"} 1`,
		`portico_conversations_active{status="bot"} 1`,
		`portico_conversations_active{status="queued"} 1`,
		`portico_conversations_active{status="agent"} 0`,
		`portico_queue_length{queue="portal-support"} 1`,
		`portico_queue_length{queue="billing"} 0`,
		`portico_websockets{kind="patient"} 2`,
		`portico_turn_duration_seconds_count 15`,
		`portico_turn_duration_seconds_bucket{le="5"} 15`,
		`portico_http_connections 0`,
	} {
		if !strings.Contains(exposition, want+"\n") {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("exposition:\n%s", exposition)
	}
	if n := testutil.CollectAndCount(m.Registry(), "portico_verification_lockouts_total"); n != 0 {
		t.Errorf("lockout series: got %d, want 0 (none happened)", n)
	}
}

// TestCountConnections follows connections opened and closed on a
// counted listener.
func TestCountConnections(t *testing.T) {
	m := metrics.New(metrics.Options{}, zerolog.Nop())
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := m.CountConnections(raw)
	defer l.Close()
	accepted := make(chan net.Conn)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				close(accepted)
				return
			}
			accepted <- c
		}
	}()
	gauge := func() float64 { return value(t, m, "portico_http_connections") }
	var server []net.Conn
	for i := range 3 {
		c, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		server = append(server, <-accepted)
		if got := gauge(); got != float64(i+1) {
			t.Errorf("after %d connections: got %v, want %d", i+1, got, i+1)
		}
	}
	server[0].Close()
	server[0].Close() // a second close does not count twice
	if got := gauge(); got != 2 {
		t.Errorf("after one close: got %v, want 2", got)
	}
}

// value gathers an unlabelled gauge's value.
func value(t *testing.T, m *metrics.Prometheus, name string) float64 {
	t.Helper()
	families, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == name && len(f.GetMetric()) == 1 {
			return f.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("no gauge %s", name)
	return 0
}
