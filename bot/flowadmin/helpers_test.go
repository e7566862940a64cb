package flowadmin_test

import (
	"context"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/flowadmin"
	"github.com/portico-chat/portico/bot/flowtest"
	"github.com/portico-chat/portico/flows"
	"github.com/portico-chat/portico/storage/sqlite"
	"github.com/portico-chat/portico/storage/sqlite/sqlitetest"
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
	clock *bot.ManualClock
	admin flowadmin.Actor
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	base := sqlitetest.NewPatients(t)
	fl, err := flowadmin.Load(ctx, base.DB, flows.Builtin(), "system")
	if err != nil {
		t.Fatal(err)
	}
	cfg := bot.DefaultConfig()
	cfg.PasswordMinLength = base.Dir.Policy().MinLength
	eng := bot.NewEngine(cfg, bot.Deps{Store: base.DB, Codes: base.DB, Attempts: base.DB, Directory: base.Dir,
		Activation: base.DB, Password: base.Dir.Policy(), Flows: fl, Clock: base.Clock, Desk: base.DB}, zerolog.Nop())
	svc := flowadmin.New(flowadmin.Config{
		Store: base.DB, Flows: fl, Files: flows.Builtin(), Envs: sqlitetest.Envs(t), Node: "test", Log: zerolog.Nop(),
		Now: base.Clock.Now,
	})
	t.Cleanup(func() { svc.Close() })
	return &env{db: base.DB, fl: fl, eng: eng, svc: svc, clock: base.Clock, admin: flowadmin.Actor{Who: "admin:max", Source: "192.0.2.9"}}
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

// said joins what the bot told r, every message so far.
func said(r *flowtest.Recorder) string {
	var msgs []string
	for _, m := range flowtest.Messages(r.All()) {
		if m.From != bot.FromPatient {
			msgs = append(msgs, m.Text)
		}
	}
	return strings.Join(msgs, " | ")
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
