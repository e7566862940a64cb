package bot_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/flows"
)

// Agents the desk tests sign in. observer works a queue no patient reaches,
// so it sees every queue and follow-up change without taking chats.
var (
	ana      = bot.AgentInfo{ID: "agent-ana", Name: "Ana", Role: bot.RoleAgent}
	ben      = bot.AgentInfo{ID: "agent-ben", Name: "Ben", Role: bot.RoleAgent}
	observer = bot.AgentInfo{ID: "agent-obs", Name: "Observer", Role: bot.RoleAdmin, Queues: []string{"nobody-calls-here"}}
)

// newDeskHarness opens a fresh environment whose engine has a desk (notes,
// follow-ups, rebuild after restart) and the configuration change makes.
func newDeskHarness(t *testing.T, change func(*bot.Config)) *harness {
	t.Helper()
	h := newHarness(t)
	h.eng = h.deskEngine(h.deskConfig(change))
	return h
}

// deskConfig is the default configuration with change applied.
func (h *harness) deskConfig(change func(*bot.Config)) bot.Config {
	cfg := bot.DefaultConfig()
	cfg.PasswordMinLength = h.env.Dir.Policy().MinLength
	if change != nil {
		change(&cfg)
	}
	return cfg
}

// deskEngine builds an engine over the same database, clock and flows with
// the desk wired to the database: a new engine is a restart.
func (h *harness) deskEngine(cfg bot.Config) *bot.Engine {
	h.t.Helper()
	d := h.deps(h.env.Dir, h.flows(flows.Builtin()))
	d.Desk = h.env.DB
	return bot.NewEngine(cfg, d, zerolog.Nop())
}

// console is a recording agent console. It also keeps every event that
// breaks the contract of exactly one field set.
type console struct {
	mu     sync.Mutex
	events []bot.AgentEvent
	bad    []bot.AgentEvent
}

func (c *console) Deliver(ev bot.AgentEvent) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	set := 0
	for _, ok := range []bool{ev.Queue != nil, ev.Conversation != nil, ev.Message != nil, ev.Typing != nil,
		ev.Assigned != nil, ev.Released != nil, ev.Followups != nil} {
		if ok {
			set++
		}
	}
	if set != 1 {
		c.bad = append(c.bad, ev)
	}
	c.events = append(c.events, ev)
	return true
}

// all returns every event so far.
func (c *console) All() []bot.AgentEvent {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]bot.AgentEvent(nil), c.events...)
}

// take returns the events since the last take and forgets them.
func (c *console) Take() []bot.AgentEvent {
	c.mu.Lock()
	defer c.mu.Unlock()
	evs := c.events
	c.events = nil
	return evs
}

// connect attaches a new console for an agent. At the end of the test it
// checks that every event the console got had exactly one field set.
func (h *harness) connect(info bot.AgentInfo) *console {
	h.t.Helper()
	c := &console{}
	if err := h.eng.AttachAgent(h.ctx, info, c); err != nil {
		h.t.Fatalf("attach %s: %v", info.ID, err)
	}
	h.t.Cleanup(func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		for _, ev := range c.bad {
			h.t.Errorf("console of %s got %+v, want exactly one field set", info.ID, ev)
		}
	})
	return c
}

// queued opens a conversation and asks for a person from the menu.
func (h *harness) queued() *chat {
	h.t.Helper()
	c := h.open("")
	c.reply("agent")
	return c
}

// assignedIn returns the conversations assigned among events.
func assignedIn(evs []bot.AgentEvent) []string {
	var out []string
	for _, ev := range evs {
		if ev.Assigned != nil {
			out = append(out, ev.Assigned.ConversationID)
		}
	}
	return out
}

// releasedIn returns the conversations released among events.
func releasedIn(evs []bot.AgentEvent) []string {
	var out []string
	for _, ev := range evs {
		if ev.Released != nil {
			out = append(out, ev.Released.ConversationID)
		}
	}
	return out
}

// viewsIn returns the conversation views among events.
func viewsIn(evs []bot.AgentEvent) []bot.ConversationView {
	var out []bot.ConversationView
	for _, ev := range evs {
		if ev.Conversation != nil {
			out = append(out, *ev.Conversation)
		}
	}
	return out
}

// agentMessagesIn returns the messages among an agent's events.
func agentMessagesIn(evs []bot.AgentEvent) []bot.Message {
	var out []bot.Message
	for _, ev := range evs {
		if ev.Message != nil {
			out = append(out, *ev.Message)
		}
	}
	return out
}

// lastQueue returns the last queue an agent was told.
func lastQueue(evs []bot.AgentEvent) []bot.QueueItem {
	var q []bot.QueueItem
	for _, ev := range evs {
		if ev.Queue != nil {
			q = ev.Queue
		}
	}
	return q
}

// positions maps each waiting conversation to its place in its queue.
func positions(q []bot.QueueItem) map[string]int {
	out := map[string]int{}
	for _, it := range q {
		out[it.ConversationID] = it.Position
	}
	return out
}

// lastPlace returns the last place in line a patient was told, nil if none.
func lastPlace(evs []bot.Event) *bot.StatusChange {
	var sc *bot.StatusChange
	for _, ev := range evs {
		if ev.Status != nil && ev.Status.Status == bot.StatusQueued && ev.Status.Position > 0 {
			sc = ev.Status
		}
	}
	return sc
}

// auditOf returns every audit event of a type, whoever the actor.
func (h *harness) auditOf(typ string) []bot.AuditEvent {
	h.t.Helper()
	all, err := h.env.DB.AuditEvents(h.ctx, 0, 1000000)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []bot.AuditEvent
	for _, e := range all {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

// wantConflict fails unless err is an ECONFLICT error.
func wantConflict(t *testing.T, what string, err error) {
	t.Helper()
	if bot.ErrorCode(err) != bot.ECONFLICT {
		t.Errorf("%s: got %v, want ECONFLICT", what, err)
	}
}

func TestAgentIsAssignedTheWholeConversationWithoutSecrets(t *testing.T) {
	h := newDeskHarness(t, nil)
	desk := h.connect(ana)
	desk.Take()

	c := h.open("reset_password")
	c.verify(olivia)
	code := c.code()
	const weak = "hunter2hunter" // too short: rejected, but typed into the chat
	if evs := c.say(weak); c.state() != "reset_password.rejected" {
		t.Fatalf("after a short password: state %s, want reset_password.rejected (bot said %q)", c.state(), botText(evs))
	}
	evs := c.say("agent")

	conv := c.conv()
	if conv.Status != bot.StatusAgent || conv.Agent != ana.ID || conv.AgentName != ana.Name {
		t.Fatalf("conversation %s with %q (%q), want agent with %s (%s)", conv.Status, conv.Agent, conv.AgentName, ana.ID, ana.Name)
	}
	// The patient is told who joined, by name.
	var joined *bot.StatusChange
	for _, ev := range evs {
		if ev.Status != nil && ev.Status.Status == bot.StatusAgent {
			joined = ev.Status
		}
	}
	if joined == nil || joined.Agent != ana.Name {
		t.Errorf("patient's status on assignment %+v, want agent with name %s", joined, ana.Name)
	}
	if said := botText(evs); !strings.Contains(said, "Ana from our support team has joined") {
		t.Errorf("patient was told %q, want the agent's name on join", said)
	}

	got := desk.Take()
	if a := assignedIn(got); !slices.Equal(a, []string{c.id}) {
		t.Fatalf("assigned events %v, want [%s]", a, c.id)
	}
	views := viewsIn(got)
	if len(views) != 1 {
		t.Fatalf("got %d conversation views, want 1", len(views))
	}
	v := views[0]
	if v.ConversationID != c.id || v.Status != bot.StatusAgent || v.Agent != ana.ID || v.Queue != "portal-support" ||
		v.Reason != "patient_request" || v.Flow != "reset_password" || v.State != "rejected" || v.Locale != "en" {
		t.Errorf("view header %+v, want %s agent %s portal-support patient_request reset_password.rejected en",
			v, c.id, ana.ID)
	}
	// The whole transcript, bot part included, exactly as stored.
	stored := c.messages()
	if len(v.Transcript) != len(stored) {
		t.Errorf("view has %d messages, want the %d stored", len(v.Transcript), len(stored))
	}
	froms := map[bot.From]int{}
	for _, m := range v.Transcript {
		froms[m.From]++
	}
	if froms[bot.FromBot] == 0 || froms[bot.FromPatient] == 0 || froms[bot.FromSystem] == 0 {
		t.Errorf("view transcript by author %v, want the bot's, the patient's and the system's messages", froms)
	}
	// The identity card: verified, how, masked contacts.
	contacts, err := h.env.Dir.Contacts(h.ctx, h.recordID(olivia.MRN))
	if err != nil {
		t.Fatal(err)
	}
	id := v.Identity
	if !id.Verified || id.How != "otp_email" || id.At.IsZero() {
		t.Errorf("identity %+v, want verified by otp_email with a time", id)
	}
	if id.Email != bot.MaskEmail(contacts.Email) || id.Email == contacts.Email || id.Email == "" {
		t.Errorf("identity email %q, want masked %q", id.Email, bot.MaskEmail(contacts.Email))
	}
	if id.Phone != bot.MaskPhone(contacts.Phone) || id.Phone == contacts.Phone {
		t.Errorf("identity phone %q, want masked %q", id.Phone, bot.MaskPhone(contacts.Phone))
	}
	if id.Label != "account ol•••" {
		t.Errorf("identity label %q, want the masked username", id.Label)
	}
	// Visible slots only: what the patient typed, nothing internal, no secret.
	if v.Slots["first_name"] != olivia.First || v.Slots["zip"] != olivia.ZIP {
		t.Errorf("slots %v, want the demographics the bot collected", v.Slots)
	}
	for k := range v.Slots {
		if strings.HasPrefix(k, "_") {
			t.Errorf("slot %q is internal and must not be shown", k)
		}
	}
	for _, k := range []string{"otp", "new_password"} {
		if _, ok := v.Slots[k]; ok {
			t.Errorf("secret slot %q is in the view", k)
		}
	}
	all := fmt.Sprintf("%+v", v)
	for name, secret := range map[string]string{"password": weak, "code": code} {
		if strings.Contains(all, secret) {
			t.Errorf("the %s %q appears in the agent's view", name, secret)
		}
	}
}

// held returns a harness with a chat Ana holds, Ben connected, and every
// event so far forgotten.
func held(t *testing.T) (h *harness, c *chat, anaDesk, benDesk *console) {
	t.Helper()
	h = newDeskHarness(t, nil)
	anaDesk = h.connect(ana)
	c = h.queued()
	if got := c.conv().Agent; got != ana.ID {
		t.Fatalf("chat held by %q, want %s", got, ana.ID)
	}
	benDesk = h.connect(ben) // after the assignment: Ben takes nothing
	anaDesk.Take()
	benDesk.Take()
	c.rec.Take()
	return h, c, anaDesk, benDesk
}

func TestAgentAndPatientTalk(t *testing.T) {
	h, c, anaDesk, benDesk := held(t)

	// The agent's message reaches the patient, once, however often it is sent.
	for range 2 {
		if err := h.eng.AgentSay(h.ctx, ana.ID, c.id, "m-1", "Hi, I am Ana. How can I help?"); err != nil {
			t.Fatal(err)
		}
	}
	msgs := messagesOf(c.rec.Take())
	if len(msgs) != 1 || msgs[0].From != bot.FromAgent || msgs[0].Agent != ana.Name || msgs[0].Text != "Hi, I am Ana. How can I help?" {
		t.Fatalf("patient got %+v, want one message from agent Ana", msgs)
	}
	n := 0
	for _, m := range c.messages() {
		if m.From == bot.FromAgent {
			n++
		}
	}
	if n != 1 {
		t.Errorf("stored %d agent messages, want 1 (the repeated id must not be sent twice)", n)
	}
	if got := agentMessagesIn(anaDesk.Take()); len(got) != 1 || got[0].From != bot.FromAgent {
		t.Errorf("agent's console got %+v, want its own message echoed once", got)
	}

	// The patient's message reaches the holder, not other agents.
	c.say("I cannot open my lab results")
	if got := agentMessagesIn(anaDesk.Take()); len(got) != 1 || got[0].From != bot.FromPatient ||
		got[0].Text != "I cannot open my lab results" {
		t.Errorf("holder got %+v, want the patient's message", got)
	}
	if got := agentMessagesIn(benDesk.Take()); len(got) != 0 {
		t.Errorf("another agent got %+v, want nothing", got)
	}

	// Typing goes both ways, to the holder only.
	if err := h.eng.AgentTyping(h.ctx, ana.ID, c.id, true); err != nil {
		t.Fatal(err)
	}
	evs := c.rec.Take()
	if len(evs) != 1 || evs[0].Typing == nil || evs[0].Typing.From != bot.FromAgent || !evs[0].Typing.On {
		t.Errorf("patient got %+v, want the agent typing", evs)
	}
	if err := h.eng.Typing(h.ctx, c.id, true); err != nil {
		t.Fatal(err)
	}
	got := anaDesk.Take()
	if len(got) != 1 || got[0].Typing == nil || got[0].Typing.ConversationID != c.id || !got[0].Typing.On {
		t.Errorf("holder got %+v, want the patient typing", got)
	}
	if got := benDesk.Take(); len(got) != 0 {
		t.Errorf("another agent got %+v, want nothing", got)
	}
}

func TestAgentNotesStayWithTheAgents(t *testing.T) {
	h, c, anaDesk, _ := held(t)
	const note = "Caller says the portal shows an old address"

	h.env.Clock.Advance(time.Minute)
	if err := h.eng.AgentNote(h.ctx, ana.ID, c.id, note); err != nil {
		t.Fatal(err)
	}
	got := agentMessagesIn(anaDesk.Take())
	if len(got) != 1 || got[0].From != bot.FromNote || got[0].Text != note || got[0].Agent != ana.Name {
		t.Errorf("agent got %+v, want the note from Ana", got)
	}
	if evs := c.rec.Take(); len(evs) != 0 {
		t.Errorf("patient got %+v, want nothing", evs)
	}
	for _, m := range c.messages() {
		if strings.Contains(m.Text, note) {
			t.Errorf("stored transcript holds the note as message %d", m.Seq)
		}
	}
	// A patient replaying the whole chat does not see it.
	rec := &recorder{}
	if _, err := h.eng.Hello(h.ctx, bot.Hello{Resume: c.resume, LastSeq: 0, Source: testIP}, rec); err != nil {
		t.Fatal(err)
	}
	defer h.eng.Detach(c.id, rec)
	for _, m := range messagesOf(rec.All()) {
		if m.From == bot.FromNote || strings.Contains(m.Text, note) {
			t.Errorf("patient's replay holds the note: %+v", m)
		}
	}
	// The agents' view does, and every view is audited.
	h.env.Clock.Advance(time.Minute)
	c.say("Is anyone there?")
	before := len(h.auditOf("transcript.viewed"))
	v, err := h.eng.ViewConversation(h.ctx, ben.ID, c.id)
	if err != nil {
		t.Fatal(err)
	}
	// In time order: after what the patient said before it, before what
	// they said after it.
	var order []string
	for _, m := range v.Transcript {
		switch {
		case m.From == bot.FromNote && m.Text == note:
			order = append(order, "note")
		case m.From == bot.FromPatient:
			order = append(order, m.Text)
		}
	}
	if want := []string{"Talk to a person", "note", "Is anyone there?"}; !slices.Equal(order, want) {
		t.Errorf("view transcript has the patient's messages and the note as %q, want %q", order, want)
	}
	views := h.auditOf("transcript.viewed")
	if len(views) != before+1 {
		t.Fatalf("got %d transcript.viewed rows, want %d", len(views), before+1)
	}
	if a := views[len(views)-1]; a.Actor != "agent:"+ben.ID || a.Detail != c.id || a.Outcome != "ok" {
		t.Errorf("transcript.viewed row %+v, want actor agent:%s detail %s", a, ben.ID, c.id)
	}
	if notes := h.auditOf("note"); len(notes) != 1 || notes[0].Actor != "agent:"+ana.ID || strings.Contains(notes[0].Detail, "address") {
		t.Errorf("note audit %+v, want one by Ana without the note's text", notes)
	}
}
