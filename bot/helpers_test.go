package bot_test

import (
	"context"
	"fmt"
	"io/fs"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/flowtest"
	"github.com/portico-chat/portico/bot/patients"
	"github.com/portico-chat/portico/flows"
	"github.com/portico-chat/portico/storage/sqlite/sqlitetest"
)

// testIP is the client address conversations come from unless a test says
// otherwise (TEST-NET-1).
const testIP = "192.0.2.1"

// demoPassword is every demo account's password before a reset.
const demoPassword = patients.DemoPassword

// person is one set of demographics typed into the verification flow.
type person struct {
	MRN                   string // "" for nobody on file
	First, Last, DOB, ZIP string
}

// Demo patients (testdata/patients.csv) and someone who is not on file.
var (
	olivia = person{MRN: "DEMO-1011", First: "Olivia", Last: "Activeuser", DOB: "05/17/1985", ZIP: "02139"}
	marcus = person{MRN: "DEMO-1012", First: "Marcus", Last: "Demoperson", DOB: "10/10/1972", ZIP: "10001"}
	nobody = person{First: "Nobody", Last: "Nowhere", DOB: "01/01/1990", ZIP: "99999"}
)

// harness is a real engine on a real SQLite file with the demo patients.
type harness struct {
	t   testing.TB
	ctx context.Context
	env *sqlitetest.Env
	eng *bot.Engine // the engine under test: env.Engine unless built with other limits
	ids int
}

// newHarness opens a fresh environment with the default configuration.
func newHarness(t testing.TB) *harness {
	t.Helper()
	env := sqlitetest.NewEnv(t, flows.Builtin())
	return &harness{t: t, ctx: context.Background(), env: env, eng: env.Engine}
}

// newHarnessWith opens a fresh environment whose engine uses cfg's limits
// (and everything else from cfg), and dir instead of the local directory
// when dir is not nil.
func newHarnessWith(t testing.TB, change func(*bot.Limits), dir func(bot.Directory) bot.Directory) *harness {
	t.Helper()
	h := newHarness(t)
	cfg := bot.DefaultConfig()
	cfg.PasswordMinLength = h.env.Dir.Policy().MinLength
	cfg.Limits.NewConversations = 0 // as flowtest's engine; a test may set it
	if change != nil {
		change(&cfg.Limits)
	}
	var d bot.Directory = h.env.Dir
	if dir != nil {
		d = dir(d)
	}
	h.eng = h.engine(cfg, d)
	return h
}

// engine builds another engine over the same database, clock and flows,
// with a cold cache.
func (h *harness) engine(cfg bot.Config, d bot.Directory) *bot.Engine {
	h.t.Helper()
	return h.engineWithFlows(cfg, d, flows.Builtin())
}

// engineWithFlows builds another engine over the same database and clock
// that runs the flows in fsys.
func (h *harness) engineWithFlows(cfg bot.Config, d bot.Directory, fsys fs.FS) *bot.Engine {
	h.t.Helper()
	return bot.NewEngine(cfg, h.deps(d, h.flows(fsys)), zerolog.Nop())
}

// flows loads the flows in fsys into the harness's database.
func (h *harness) flows(fsys fs.FS) *bot.Flows {
	h.t.Helper()
	fl, err := bot.LoadFlows(h.ctx, h.env.DB, fsys, "test")
	if err != nil {
		h.t.Fatal(err)
	}
	return fl
}

// deps are an engine's collaborators over the harness's database and
// clock, with d as the directory and Portico's default password policy.
func (h *harness) deps(d bot.Directory, fl *bot.Flows) bot.Deps {
	return bot.Deps{
		Store: h.env.DB, Codes: h.env.DB, Attempts: h.env.DB, Directory: d, Activation: h.env.DB,
		Password: h.env.Dir.Policy(), Flows: fl, Clock: h.env.Clock,
	}
}

// recorder is a client that keeps every event it is told.
type recorder = flowtest.Recorder

// messagesOf returns the messages among events.
var messagesOf = flowtest.Messages

// botText joins what the bot and the system said among events.
func botText(evs []bot.Event) string {
	var said []string
	for _, m := range messagesOf(evs) {
		if m.From != bot.FromPatient {
			said = append(said, m.Text)
		}
	}
	return strings.Join(said, "\n")
}

// chat is one conversation driven by a test.
type chat struct {
	h      *harness
	id     string
	resume string
	rec    *recorder
	source string
	seen   []bot.Event // every event the chat's own client was told during says
}

// open starts a conversation in flow start ("" for the greeting).
func (h *harness) open(start string) *chat {
	h.t.Helper()
	return h.openFrom(start, testIP)
}

// openFrom starts a conversation from a client address.
func (h *harness) openFrom(start, source string) *chat {
	h.t.Helper()
	rec := &recorder{}
	w, err := h.eng.Hello(h.ctx, bot.Hello{Locale: "en", Start: start, Source: source}, rec)
	if err != nil {
		h.t.Fatalf("hello: %v", err)
	}
	return &chat{h: h, id: w.ConversationID, resume: w.Resume, rec: rec, source: source}
}

// say sends text with a fresh id and returns what came back.
func (c *chat) say(text string) []bot.Event {
	c.h.t.Helper()
	return c.send(bot.Say{Text: text})
}

// reply taps a quick reply.
func (c *chat) reply(value string) []bot.Event {
	c.h.t.Helper()
	return c.send(bot.Say{Reply: value})
}

func (c *chat) send(s bot.Say) []bot.Event {
	c.h.t.Helper()
	c.h.ids++
	s.ID = fmt.Sprintf("say-%d", c.h.ids)
	s.Source = c.source
	c.rec.Take()
	if err := c.h.eng.Say(c.h.ctx, c.id, c.rec, s); err != nil {
		c.h.t.Fatalf("say %q: %v", s.Text+s.Reply, err)
	}
	evs := c.rec.Take()
	c.seen = append(c.seen, evs...)
	return evs
}

// toChannel answers the verification questions with p's demographics, up
// to the choice of where the code goes. The chat must be at the "how"
// question of verify_attempt.
func (c *chat) toChannel(p person) {
	c.h.t.Helper()
	c.reply("name")
	c.say(p.First)
	c.say(p.Last)
	c.say(p.DOB)
	evs := c.say(p.ZIP)
	if got := c.state(); got != "verify_attempt.choose_channel" {
		c.h.t.Fatalf("after the ZIP: state %s, want verify_attempt.choose_channel (bot said %q)", got, botText(evs))
	}
}

// requestCode answers the verification questions and asks for a code by
// email; it returns what the bot said after the channel was chosen.
func (c *chat) requestCode(p person) string {
	c.h.t.Helper()
	c.toChannel(p)
	return botText(c.reply("email"))
}

// verify runs a reset_password chat through verification with the code
// delivered by email.
func (c *chat) verify(p person) {
	c.h.t.Helper()
	c.requestCode(p)
	evs := c.say(c.code())
	if got := c.state(); got != "reset_password.ask_password" {
		c.h.t.Fatalf("after the code: state %s, want reset_password.ask_password (bot said %q)", got, botText(evs))
	}
}

// conv returns the stored conversation.
func (c *chat) conv() *bot.Conversation {
	c.h.t.Helper()
	conv, err := c.h.env.DB.Conversation(c.h.ctx, c.id)
	if err != nil {
		c.h.t.Fatal(err)
	}
	return conv
}

// state returns flow.state of the stored conversation.
func (c *chat) state() string {
	c.h.t.Helper()
	conv := c.conv()
	return conv.Flow + "." + conv.State
}

// messages returns the stored transcript.
func (c *chat) messages() []bot.Message {
	c.h.t.Helper()
	msgs, err := c.h.env.DB.Messages(c.h.ctx, c.id, 0)
	if err != nil {
		c.h.t.Fatal(err)
	}
	return msgs
}

// deliveries returns the chat's queued deliveries, oldest first, but those
// withheld (never sent).
func (c *chat) deliveries() []bot.Delivery {
	c.h.t.Helper()
	pending, err := c.h.env.DB.DueDeliveries(c.h.ctx, c.h.env.Clock.Now().Add(48*time.Hour), 100000)
	if err != nil {
		c.h.t.Fatal(err)
	}
	var out []bot.Delivery
	for _, p := range pending {
		if strings.HasPrefix(p.Key, c.id+":") && p.Withheld == "" {
			out = append(out, p.Delivery)
		}
	}
	return out
}

var otpPattern = regexp.MustCompile(`\b\d{6}\b`)

// codes returns every one-time code delivered to the chat, oldest first.
func (c *chat) codes() []string {
	c.h.t.Helper()
	var out []string
	for _, d := range c.deliveries() {
		if strings.Contains(d.Key, ":otp:") {
			out = append(out, otpPattern.FindString(d.Text))
		}
	}
	return out
}

// code returns the newest code delivered to the chat.
func (c *chat) code() string {
	c.h.t.Helper()
	cs := c.codes()
	if len(cs) == 0 {
		c.h.t.Fatalf("no code was delivered to conversation %s", c.id)
	}
	return cs[len(cs)-1]
}

// audit returns the chat's audit events.
func (c *chat) audit() []bot.AuditEvent {
	c.h.t.Helper()
	all, err := c.h.env.DB.AuditEvents(c.h.ctx, 0, 1000000)
	if err != nil {
		c.h.t.Fatal(err)
	}
	var out []bot.AuditEvent
	for _, e := range all {
		if e.Actor == "conversation:"+c.id {
			out = append(out, e)
		}
	}
	return out
}

// audited returns the chat's audit events of one type as
// "outcome/detail".
func (c *chat) audited(typ string) []string {
	c.h.t.Helper()
	var out []string
	for _, e := range c.audit() {
		if e.Type == typ {
			out = append(out, e.Outcome+"/"+e.Detail)
		}
	}
	return out
}

// wrongCode returns a six-digit code that is none of the chat's codes.
func (c *chat) wrongCode() string {
	c.h.t.Helper()
	codes := c.codes()
	for i := 0; ; i++ {
		w := fmt.Sprintf("%06d", (i*104729+13)%1000000)
		found := false
		for _, k := range codes {
			found = found || k == w
		}
		if !found {
			return w
		}
	}
}

// recordID returns the record ID of a demo patient by MRN.
func (h *harness) recordID(mrn string) string {
	h.t.Helper()
	p, err := h.env.DB.PatientByMRN(h.ctx, mrn)
	if err != nil {
		h.t.Fatalf("demo patient %s: %v", mrn, err)
	}
	return p.RecordID
}

// codeRow is a stored one-time code as the codes table holds it.
type codeRow struct {
	ID, Subject  string
	Salt, Hash   []byte
	Tries        int
	Used, Voided bool
}

// codeRows returns a chat's stored codes, oldest first.
func (c *chat) codeRows() []codeRow {
	c.h.t.Helper()
	rows, err := c.h.env.DB.Reader().QueryContext(c.h.ctx, `SELECT id, subject, salt, hash, tries,
		used_at IS NOT NULL, voided_at IS NOT NULL FROM codes WHERE conversation_id = ?
		ORDER BY created_at, rowid`, c.id)
	if err != nil {
		c.h.t.Fatal(err)
	}
	defer rows.Close()
	var out []codeRow
	for rows.Next() {
		var r codeRow
		if err := rows.Scan(&r.ID, &r.Subject, &r.Salt, &r.Hash, &r.Tries, &r.Used, &r.Voided); err != nil {
			c.h.t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		c.h.t.Fatal(err)
	}
	return out
}
