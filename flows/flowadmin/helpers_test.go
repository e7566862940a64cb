package flowadmin_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico"
	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/connectors/portal"
	"github.com/portico-chat/portico/flows"
	"github.com/portico-chat/portico/flows/flowadmin"
	"github.com/portico-chat/portico/flows/flowtest"
	"github.com/portico-chat/portico/storage/sqlite"
)

// helloV1 is a small top-level flow; helloV2 changes its goodbye.
const helloV1 = `name: hello_test
title:
  en: Hello test
triggers:
  en: [hello test please]
slots:
  color: {type: text}
start: ask_color
states:
  ask_color:
    say:
      en: "What is your favourite colour?"
    ask: color
    on: {ok: bye, exhausted: bye}
  bye:
    say:
      en: "Goodbye from version one."
    end: resolved
`

var helloV2 = strings.Replace(helloV1, "version one", "version two", 1)

// helloTests passes on helloV1 and fails on helloV2.
const helloTests = `flow: hello_test
tests:
  - name: says goodbye
    steps:
      - expect: favourite colour
        input: color
      - say: blue
        expect: version one
    status: closed
    resolution: resolved
`

// env is the real thing on a temporary SQLite file: the built-in flows
// loaded as the server does, the engine, and the flow service.
type env struct {
	db    *sqlite.DB
	fl    *bot.Flows
	eng   *bot.Engine
	svc   *flowadmin.Service
	clock *clock
	admin flowadmin.Actor
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var (
	hashOnce sync.Once
	demoHash string
)

func passwordHash(t *testing.T) string {
	hashOnce.Do(func() {
		h, err := portal.HashPassword(portal.DemoPassword)
		if err != nil {
			t.Fatal(err)
		}
		demoHash = h
	})
	return demoHash
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "portico.db"), zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c := &clock{t: flowtest.Start}
	local := portal.NewLocal(db, portal.Policy{}, c, zerolog.Nop())
	if err := portal.SeedDemo(ctx, local, db, portico.DemoPatients, passwordHash(t)); err != nil {
		t.Fatal(err)
	}
	fl, err := bot.LoadPublishedFlows(ctx, db, flows.Builtin(), "system")
	if err != nil {
		t.Fatal(err)
	}
	cfg := bot.DefaultConfig()
	cfg.PasswordMinLength = local.Policy().MinLength
	eng := bot.NewEngine(cfg, bot.Deps{Store: db, Codes: db, Attempts: db, Directory: local, Flows: fl, Clock: c, Desk: db}, zerolog.Nop())
	svc := flowadmin.New(flowadmin.Config{
		Store: db, Flows: fl, Files: flows.Builtin(), Patients: portico.DemoPatients, PasswordHash: passwordHash(t),
		TempDir: t.TempDir(), Node: "test", Log: zerolog.Nop(), Now: c.Now,
	})
	t.Cleanup(func() { svc.Close() })
	return &env{db: db, fl: fl, eng: eng, svc: svc, clock: c, admin: flowadmin.Actor{Who: "admin:max", Source: "192.0.2.9"}}
}

// draft saves a draft and fails the test if that fails.
func (e *env) draft(t *testing.T, name, src, tests string) *flowadmin.DraftView {
	t.Helper()
	d, err := e.svc.SaveDraft(context.Background(), name, []byte(src), []byte(tests), e.admin)
	if err != nil {
		t.Fatalf("save draft of %s: %v", name, err)
	}
	return d
}

// publish saves a draft and publishes it, failing the test unless it works.
func (e *env) publish(t *testing.T, name, src, tests string) int {
	t.Helper()
	e.draft(t, name, src, tests)
	res, err := e.svc.Publish(context.Background(), name, e.admin)
	if err != nil {
		t.Fatalf("publish %s: %v (problems %v, tests %+v)", name, err, res.Problems, res.Tests)
	}
	return res.Version
}

// recorder is a patient client that keeps the bot's messages.
type recorder struct {
	mu   sync.Mutex
	msgs []string
}

func (r *recorder) Deliver(ev bot.Event) bool {
	if ev.Message != nil && ev.Message.From != bot.FromPatient {
		r.mu.Lock()
		r.msgs = append(r.msgs, ev.Message.Text)
		r.mu.Unlock()
	}
	return true
}

func (r *recorder) said() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.msgs, " | ")
}

// auditOf lists audit events of a type.
func (e *env) auditOf(t *testing.T, typ string) []bot.AuditEvent {
	t.Helper()
	evs, err := e.db.AuditEvents(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []bot.AuditEvent
	for _, ev := range evs {
		if ev.Type == typ {
			out = append(out, ev)
		}
	}
	return out
}
