package bot_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
)

func TestEscalationQueuesWithReasonAndStep(t *testing.T) {
	say := func(text string) func(c *chat) { return func(c *chat) { c.say(text) } }
	nonsense := func(n int) func(c *chat) {
		return func(c *chat) {
			for range n {
				c.say("xyzzy")
			}
		}
	}
	tests := []struct {
		name       string
		maxMisses  int
		start      string
		before     func(c *chat) // what the patient does first
		escalate   func(c *chat) // the say that hands off
		wantReason string
		wantStep   string // "" for the state the chat was in before escalate
	}{
		{"types agent at the menu", 5, "", nil, say("agent"), "requested", "greeting.to_person"},
		{"taps talk to a person", 5, "", nil, func(c *chat) { c.reply("agent") }, "requested", "greeting.to_person"},
		{"types talk to a human in a flow", 5, "reset_password", nil, say("talk to a human"), "patient_request", ""},
		{"asks for a representative mid-verification", 5, "reset_password",
			func(c *chat) { c.reply("name"); c.say("Olivia") }, say("Representative!"), "patient_request", ""},
		{"a flow's handoff once the tries run out", 5, "", nonsense(2), say("xyzzy"),
			"retries_exhausted", "greeting.to_person_after_tries"},
		{"unrecognised answers in a row", 2, "", nonsense(1), say("xyzzy"), "unrecognized", "greeting.welcome"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newDeskHarness(t, func(c *bot.Config) { c.MaxMisses = tt.maxMisses })
			obs := h.connect(observer)
			c := h.open(tt.start)
			if tt.before != nil {
				tt.before(c)
			}
			if got := c.conv().Status; got != bot.StatusBot {
				t.Fatalf("before escalating: %s, want bot", got)
			}
			wantStep := tt.wantStep
			if wantStep == "" {
				wantStep = c.state()
			}
			from := len(c.seen)
			tt.escalate(c)
			evs := c.seen[from:]

			conv := c.conv()
			if conv.Status != bot.StatusQueued || conv.Reason != tt.wantReason || conv.Queue != "portal-support" {
				t.Errorf("conversation %s in %q for %q, want queued in portal-support for %q",
					conv.Status, conv.Queue, conv.Reason, tt.wantReason)
			}
			items, err := h.env.DB.QueueItems(h.ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(items) != 1 || items[0].Step != wantStep || items[0].Reason != tt.wantReason {
				t.Errorf("stored handoffs %+v, want one at step %s for %s", items, wantStep, tt.wantReason)
			}
			if !statusSeen(evs, bot.StatusQueued) {
				t.Errorf("patient was not told the chat is queued: %+v", evs)
			}
			if sc := lastPlace(evs); sc == nil || sc.Position != 1 || sc.Wait != 0 {
				t.Errorf("patient was told %+v, want position 1 (next) and no estimate yet", sc)
			}
			if !strings.Contains(strings.ToLower(botText(evs)), "connecting you") {
				t.Errorf("patient was told %q, want to hear they are being connected", botText(evs))
			}
			q := lastQueue(obs.All())
			if len(q) != 1 || q[0].ConversationID != c.id || q[0].Reason != tt.wantReason || q[0].Position != 1 {
				t.Errorf("console queue %+v, want this chat first for %s", q, tt.wantReason)
			}
		})
	}
}

func TestTransferToAQueueThenToAnAgent(t *testing.T) {
	h := newDeskHarness(t, nil)
	support := ana
	support.Queues = []string{"portal-support"}
	anaDesk := h.connect(support)
	c := h.queued()
	anaDesk.Take()
	c.rec.Take()

	const note = "Copay question, already verified by phone"
	if err := h.eng.Transfer(h.ctx, ana.ID, c.id, "billing", "", note, false); err != nil {
		t.Fatal(err)
	}
	if conv := c.conv(); conv.Status != bot.StatusQueued || conv.Queue != "billing" || conv.Agent != "" {
		t.Errorf("after the transfer: %s in %q with %q, want queued in billing", conv.Status, conv.Queue, conv.Agent)
	}
	if got := releasedIn(anaDesk.Take()); !slices.Equal(got, []string{c.id}) {
		t.Errorf("old agent released %v, want [%s]", got, c.id)
	}
	evs := c.rec.Take()
	if !strings.Contains(botText(evs), "passing your chat to another team") {
		t.Errorf("patient was told %q, want the transfer explained", botText(evs))
	}
	if sc := lastPlace(evs); sc == nil || sc.Position != 1 {
		t.Errorf("patient was told %+v, want position 1 in the new queue", sc)
	}
	notes, err := h.env.DB.Notes(h.ctx, c.id)
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 1 || notes[0].Text != note || notes[0].Agent != ana.ID {
		t.Errorf("notes %+v, want the transfer note by Ana", notes)
	}
	if strings.Contains(botText(evs), "Copay") {
		t.Errorf("patient saw the transfer note: %q", botText(evs))
	}
	tr := h.auditOf("transfer")
	if len(tr) != 1 || tr[0].Actor != "agent:"+ana.ID || tr[0].Detail != "queue:billing" {
		t.Errorf("transfer audit %+v, want one by Ana to queue:billing", tr)
	}

	// The billing agent gets it, with the note in the transcript.
	bill := bot.AgentInfo{ID: "agent-bill", Name: "Bill", Queues: []string{"billing"}}
	billDesk := h.connect(bill)
	if got := c.conv().Agent; got != bill.ID {
		t.Fatalf("held by %q, want %s", got, bill.ID)
	}
	views := viewsIn(billDesk.Take())
	if len(views) != 1 || !slices.ContainsFunc(views[0].Transcript, func(m bot.Message) bool {
		return m.From == bot.FromNote && m.Text == note
	}) {
		t.Errorf("billing agent's view lacks the note: %+v", views)
	}

	// Straight to a connected agent: assigned to them at once.
	c.rec.Take()
	if err := h.eng.Transfer(h.ctx, bill.ID, c.id, "", ana.ID, "", false); err != nil {
		t.Fatal(err)
	}
	if conv := c.conv(); conv.Status != bot.StatusAgent || conv.Agent != ana.ID || conv.AgentName != ana.Name {
		t.Errorf("after the transfer to Ana: %s with %q (%q), want agent with %s", conv.Status, conv.Agent, conv.AgentName, ana.ID)
	}
	got := anaDesk.Take()
	if a := assignedIn(got); !slices.Equal(a, []string{c.id}) || len(viewsIn(got)) != 1 {
		t.Errorf("Ana got assigned %v and %d views, want this chat and its view", a, len(viewsIn(got)))
	}
	if r := releasedIn(billDesk.Take()); !slices.Equal(r, []string{c.id}) {
		t.Errorf("Bill released %v, want [%s]", r, c.id)
	}
	evs = c.rec.Take()
	if !strings.Contains(botText(evs), "Ana from our support team has joined") {
		t.Errorf("patient was told %q, want Ana's name", botText(evs))
	}
	if err := h.eng.Transfer(h.ctx, ana.ID, c.id, "", "agent-gone", "", false); bot.ErrorCode(err) != bot.ENOTFOUND {
		t.Errorf("transfer to an agent not connected: %v, want ENOTFOUND", err)
	}
	if err := h.eng.Transfer(h.ctx, ana.ID, c.id, "billing", bill.ID, "", false); bot.ErrorCode(err) != bot.EINVALID {
		t.Errorf("transfer to a queue and an agent at once: %v, want EINVALID", err)
	}
}

func TestBackToTheBotIntoAFlow(t *testing.T) {
	h, c, anaDesk, _ := held(t)
	for _, flow := range []string{"no_such_flow", "verify_attempt"} {
		if err := h.eng.ToBot(h.ctx, ana.ID, c.id, flow); bot.ErrorCode(err) != bot.EINVALID {
			t.Errorf("back to the bot into %s: %v, want EINVALID", flow, err)
		}
	}
	if err := h.eng.ToBot(h.ctx, ana.ID, c.id, "reset_password"); err != nil {
		t.Fatal(err)
	}
	conv := c.conv()
	if conv.Status != bot.StatusBot || conv.Flow != "verify_attempt" || conv.Agent != "" {
		t.Errorf("after to_bot: %s in %s with %q, want bot verifying for reset_password", conv.Status, conv.Flow, conv.Agent)
	}
	evs := c.rec.Take()
	if !statusSeen(evs, bot.StatusBot) || !strings.Contains(botText(evs), "back with our automated assistant") {
		t.Errorf("patient was told %+v, want back with the bot", evs)
	}
	if r := releasedIn(anaDesk.Take()); !slices.Equal(r, []string{c.id}) {
		t.Errorf("agent released %v, want [%s]", r, c.id)
	}
	if a := h.auditOf("to_bot"); len(a) != 1 || a[0].Actor != "agent:"+ana.ID || a[0].Detail != "reset_password" {
		t.Errorf("to_bot audit %+v, want one by Ana into reset_password", a)
	}

	c.verify(olivia)
	c.say(newPassword)
	if conv := c.conv(); conv.Status != bot.StatusClosed || conv.Resolution != bot.Resolved {
		t.Errorf("after the reset: %s/%s, want closed/resolved", conv.Status, conv.Resolution)
	}
	if _, err := h.env.Dir.SignIn(h.ctx, "olivia.active", newPassword); err != nil {
		t.Errorf("sign in with the new password: %v", err)
	}
}

func TestCloseAsksForARatingAndTheAgentsResolutionStands(t *testing.T) {
	tests := []struct {
		resolution bot.Resolution
		rating     string
		comment    string
		wantDetail string
	}{
		{bot.Resolved, "r4", "Ana was very helpful", "with comment"},
		{bot.Unresolved, "r5", "no", ""},
	}
	for _, tt := range tests {
		t.Run(string(tt.resolution), func(t *testing.T) {
			h, c, anaDesk, _ := held(t)
			if err := h.eng.CloseChat(h.ctx, ana.ID, c.id, "abandoned"); bot.ErrorCode(err) != bot.EINVALID {
				t.Errorf("close as abandoned: %v, want EINVALID", err)
			}
			if err := h.eng.CloseChat(h.ctx, ana.ID, c.id, tt.resolution); err != nil {
				t.Fatal(err)
			}
			if r := releasedIn(anaDesk.Take()); !slices.Equal(r, []string{c.id}) {
				t.Errorf("agent released %v, want [%s]", r, c.id)
			}
			msgs := messagesOf(c.rec.Take())
			if len(msgs) == 0 {
				t.Fatal("patient was told nothing")
			}
			var values []string
			for _, r := range msgs[len(msgs)-1].Replies {
				values = append(values, r.Value)
			}
			if !slices.Equal(values, []string{"r1", "r2", "r3", "r4", "r5"}) {
				t.Errorf("rating replies %v, want r1 … r5", values)
			}
			c.reply(tt.rating)
			c.say(tt.comment)
			conv := c.conv()
			if conv.Status != bot.StatusClosed || conv.Resolution != tt.resolution {
				t.Errorf("after rating: %s/%s, want closed/%s (the agent's)", conv.Status, conv.Resolution, tt.resolution)
			}
			want := strings.TrimPrefix(tt.rating, "r") + "/" + tt.wantDetail
			if got := c.audited("rating"); len(got) != 1 || got[0] != want {
				t.Errorf("rating audit %v, want [%s]", got, want)
			}
			if a := h.auditOf("close"); len(a) != 1 || a[0].Actor != "agent:"+ana.ID || a[0].Outcome != string(tt.resolution) {
				t.Errorf("close audit %+v, want one by Ana with %s", a, tt.resolution)
			}
		})
	}
}

func TestNoResponseCloseOutlivesTheIdleSweep(t *testing.T) {
	h, c, _, _ := held(t)
	if err := h.eng.CloseChat(h.ctx, ana.ID, c.id, "no_response"); err != nil {
		t.Fatal(err)
	}
	h.env.Clock.Advance(bot.DefaultLimits().ConversationIdle + time.Second)
	n, err := h.eng.Sweep(h.ctx, h.env.DB)
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("swept %d, want the unrated chat", n)
	}
	if conv := c.conv(); conv.Status != bot.StatusClosed || conv.Resolution != "no_response" {
		t.Errorf("after the sweep: %s/%s, want closed/no_response (the agent's)", conv.Status, conv.Resolution)
	}
}

func TestQueueTimeoutOffersToWaitOrLeaveAMessage(t *testing.T) {
	const mailbox = "support@clinic.example"
	h := newDeskHarness(t, func(c *bot.Config) {
		c.HandoffTimeout = 5 * time.Minute
		c.SupportMailbox = mailbox
	})
	obs := h.connect(observer)
	first := h.queued()
	queuedAt := first.conv().QueuedAt
	h.env.Clock.Advance(time.Minute)
	second := h.queued()
	h.env.Clock.Advance(4*time.Minute - time.Second)

	h.eng.SweepDesk(h.ctx)
	if got := first.conv().Status; got != bot.StatusQueued {
		t.Fatalf("before the timeout: %s, want still queued", got)
	}
	h.env.Clock.Advance(time.Second)
	first.rec.Take()
	h.eng.SweepDesk(h.ctx)

	conv := first.conv()
	if conv.Status != bot.StatusBot || conv.Flow != "leave_message" || conv.State != "offer_wait" {
		t.Fatalf("after the timeout: %s in %s.%s, want bot in leave_message.offer_wait", conv.Status, conv.Flow, conv.State)
	}
	told := first.rec.Take()
	msgs := messagesOf(told)
	if len(msgs) == 0 || !strings.Contains(botText(told), "everyone on our support team is still busy") {
		t.Fatalf("patient was told %q, want an honest busy message", botText(told))
	}
	var values []string
	for _, r := range msgs[len(msgs)-1].Replies {
		values = append(values, r.Value)
	}
	if !slices.Equal(values, []string{"wait", "leave"}) {
		t.Errorf("offer replies %v, want wait and leave", values)
	}
	if got := first.audited("handoff"); !slices.Contains(got, "timeout/portal-support") {
		t.Errorf("handoff audits %v, want a timeout", got)
	}
	if got := second.conv().Status; got != bot.StatusQueued {
		t.Errorf("the chat that waited 4 minutes: %s, want still queued", got)
	}

	// Keep waiting: the same queue, the same place.
	evs := first.reply("wait")
	conv = first.conv()
	if conv.Status != bot.StatusQueued || conv.Queue != "portal-support" || !conv.QueuedAt.Equal(queuedAt) {
		t.Errorf("after wait: %s in %q since %s, want queued in portal-support since %s",
			conv.Status, conv.Queue, conv.QueuedAt, queuedAt)
	}
	if sc := lastPlace(evs); sc == nil || sc.Position != 1 {
		t.Errorf("patient who kept waiting was told %+v, want position 1", sc)
	}
	if pos := positions(lastQueue(obs.All())); pos[first.id] != 1 || pos[second.id] != 2 {
		t.Errorf("positions %v, want the first chat back ahead of the second", pos)
	}

	// Not offered twice; the second chat's turn comes.
	h.env.Clock.Advance(10 * time.Minute)
	first.rec.Take()
	h.eng.SweepDesk(h.ctx)
	if got := first.conv().Status; got != bot.StatusQueued {
		t.Errorf("the chat that chose to wait: %s after another sweep, want queued", got)
	}
	if said := botText(first.rec.Take()); said != "" {
		t.Errorf("the chat that chose to wait was told %q, want nothing", said)
	}
	if got := second.conv().State; got != "offer_wait" {
		t.Fatalf("the second chat: state %s, want offer_wait", got)
	}

	// Leave a message: a follow-up, the consoles told, the mailbox emailed without PHI.
	const contact, question = "call me at 312-555-0199", "My portal shows the wrong date of birth"
	second.reply("leave")
	second.say(contact)
	second.say(question)
	if conv := second.conv(); conv.Status != bot.StatusClosed || conv.Resolution != bot.HandedOff {
		t.Errorf("after leaving a message: %s/%s, want closed/handed_off", conv.Status, conv.Resolution)
	}
	fs, err := h.env.DB.Followups(h.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].ConversationID != second.id || fs[0].Queue != "portal-support" ||
		fs[0].Contact != contact || fs[0].Question != question {
		t.Fatalf("follow-ups %+v, want the message left in portal-support", fs)
	}
	var listed []bot.Followup
	for _, ev := range obs.All() {
		if ev.Followups != nil {
			listed = ev.Followups
		}
	}
	if len(listed) != 1 || listed[0].ID != fs[0].ID {
		t.Errorf("consoles were last told follow-ups %+v, want the new one", listed)
	}
	ds := second.deliveries()
	if len(ds) != 1 || ds[0].Channel != "email" || ds[0].To != mailbox {
		t.Fatalf("deliveries %+v, want one email to the support mailbox", ds)
	}
	for _, phi := range []string{"312-555-0199", "wrong date", "birth", "portal shows"} {
		if strings.Contains(ds[0].Subject+ds[0].Text, phi) {
			t.Errorf("mailbox email %q / %q holds %q", ds[0].Subject, ds[0].Text, phi)
		}
	}
	if got := second.audited("followup.created"); len(got) != 1 {
		t.Errorf("followup.created audits %v, want one", got)
	}

	// An agent answers it: gone from every console's list, audited, once.
	if err := h.eng.FollowupDone(h.ctx, observer.ID, fs[0].ID); err != nil {
		t.Fatal(err)
	}
	agentEvs := obs.Take()
	if last := agentEvs[len(agentEvs)-1]; last.Followups == nil || len(last.Followups) != 0 {
		t.Errorf("after marking it answered the consoles were told %+v, want an empty list", last)
	}
	if open, _ := h.env.DB.Followups(h.ctx); len(open) != 0 {
		t.Errorf("open follow-ups %+v after it was answered, want none", open)
	}
	if got := h.auditOf("followup.done"); len(got) != 1 || got[0].Actor != "agent:"+observer.ID {
		t.Errorf("followup.done audits %+v, want one by the agent", got)
	}
	if err := h.eng.FollowupDone(h.ctx, observer.ID, fs[0].ID); bot.ErrorCode(err) != bot.ENOTFOUND {
		t.Errorf("answering it twice: got %v, want not_found", err)
	}
}

func TestKeepWaitingReturnsToTheSameQueue(t *testing.T) {
	h := newDeskHarness(t, func(c *bot.Config) {
		c.DefaultQueue = "billing" // a typed "agent" goes here; the flow's "keep waiting" names portal-support
		c.HandoffTimeout = 5 * time.Minute
	})
	c := h.typedAgent()
	queuedAt := c.conv().QueuedAt
	h.env.Clock.Advance(5 * time.Minute)
	h.eng.SweepDesk(h.ctx)
	if got := c.state(); got != "leave_message.offer_wait" {
		t.Fatalf("after the timeout: state %s, want leave_message.offer_wait", got)
	}
	c.reply("wait")
	if conv := c.conv(); conv.Status != bot.StatusQueued || conv.Queue != "billing" || !conv.QueuedAt.Equal(queuedAt) {
		t.Errorf("after wait: %s in %q since %s, want queued in billing since %s", conv.Status, conv.Queue, conv.QueuedAt, queuedAt)
	}
}

func TestANewHandoffForgetsAnEarlierAgentsResolution(t *testing.T) {
	h, c, _, _ := held(t)
	if err := h.eng.CloseChat(h.ctx, ana.ID, c.id, bot.Resolved); err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{ana.ID, ben.ID} {
		if err := h.eng.SetPresence(h.ctx, a, false); err != nil {
			t.Fatal(err)
		}
	}
	c.say("agent") // instead of a rating: it was not resolved after all
	if got := c.conv().Status; got != bot.StatusQueued {
		t.Fatalf("after asking again: %s, want queued", got)
	}
	h.env.Clock.Advance(bot.DefaultConfig().HandoffTimeout)
	h.eng.SweepDesk(h.ctx)
	c.reply("leave")
	c.say("olivia@example.org")
	c.say("Still cannot sign in")
	if conv := c.conv(); conv.Status != bot.StatusClosed || conv.Resolution != bot.HandedOff {
		t.Errorf("after leaving a message: %s/%s, want closed/handed_off, not the earlier agent's resolution",
			conv.Status, conv.Resolution)
	}
}

func TestOnlyTheHolderActsOnAChat(t *testing.T) {
	h, c, _, _ := held(t)
	tests := []struct {
		name string
		do   func() error
	}{
		{"say", func() error { return h.eng.AgentSay(h.ctx, ben.ID, c.id, "b-1", "hello") }},
		{"typing", func() error { return h.eng.AgentTyping(h.ctx, ben.ID, c.id, true) }},
		{"transfer to a queue", func() error { return h.eng.Transfer(h.ctx, ben.ID, c.id, "billing", "", "", false) }},
		{"transfer to an agent", func() error { return h.eng.Transfer(h.ctx, ben.ID, c.id, "", ana.ID, "", false) }},
		{"back to the bot", func() error { return h.eng.ToBot(h.ctx, ben.ID, c.id, "reset_password") }},
		{"close", func() error { return h.eng.CloseChat(h.ctx, ben.ID, c.id, bot.Resolved) }},
		{"claim a chat someone holds", func() error { return h.eng.Claim(h.ctx, ben.ID, c.id, false) }},
	}
	for _, tt := range tests {
		wantConflict(t, tt.name, tt.do())
	}
	if conv := c.conv(); conv.Status != bot.StatusAgent || conv.Agent != ana.ID {
		t.Errorf("after the attempts: %s with %q, want still with %s", conv.Status, conv.Agent, ana.ID)
	}
	for _, m := range c.messages() {
		if m.From == bot.FromAgent {
			t.Errorf("a non-holder's message was stored: %+v", m)
		}
	}
}
