package bot_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/staff"
)

// typedAgent opens a conversation in reset_password and types "agent"
// where no menu offers a person: it goes to the default queue.
func (h *harness) typedAgent() *chat {
	h.t.Helper()
	c := h.open("reset_password")
	c.say("agent")
	return c
}

// heldBy returns who holds each chat, "" for nobody.
func heldBy(cs ...*chat) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.conv().Agent
	}
	return out
}

func TestAutoAssignGoesToTheFewestChatsThenTheLongestIdle(t *testing.T) {
	h := newDeskHarness(t, nil)
	a := bot.AgentInfo{ID: "agent-a", Name: "A"}
	b := bot.AgentInfo{ID: "agent-b", Name: "B"}
	h.connect(a)
	steps := []struct {
		why  string
		want string
	}{
		{"the only agent", a.ID},
		{"the only agent, under capacity", a.ID},
		{"B joined with no chats: fewest", b.ID},
		{"B has 1, A has 2: fewest, though A was idle longer", b.ID},
		{"2 each: A idle longest", a.ID},
		{"A 3, B 2: fewest", b.ID},
		{"both at the default capacity of 3: waits", ""},
	}
	var chats []*chat
	for i, s := range steps {
		if i == 2 {
			h.connect(b)
		}
		h.env.Clock.Advance(time.Minute)
		c := h.queued()
		chats = append(chats, c)
		if got := c.conv().Agent; got != s.want {
			t.Fatalf("chat %d (%s): assigned to %q, want %q", i+1, s.why, got, s.want)
		}
	}
	if got := chats[len(chats)-1].conv().Status; got != bot.StatusQueued {
		t.Errorf("the chat nobody can take: %s, want queued", got)
	}
}

// newAccount is a console account as the admin pages and `portico users
// add` create it when no capacity is given.
func newAccount(t *testing.T) staff.User {
	t.Helper()
	u, err := staff.NewUser(staff.UserInput{Email: "cy@example.org", Name: "C", Role: bot.RoleAgent}, "$argon2id$x")
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestCapacity: an agent takes their own capacity, or the desk's
// (handoff.capacity) when their account has none.
func TestCapacity(t *testing.T) {
	tests := []struct {
		name     string
		config   int // Config.AgentCapacity
		agent    int // AgentInfo.Capacity
		wantHeld int
	}{
		{"default", bot.DefaultCapacity, 0, 3},
		{"per agent", bot.DefaultCapacity, 1, 1},
		{"configured", 2, 0, 2},
		{"per agent above configured", 2, 4, 4},
		{"account without a capacity", 2, newAccount(t).Agent().Capacity, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newDeskHarness(t, func(c *bot.Config) { c.AgentCapacity = tt.config })
			h.connect(bot.AgentInfo{ID: "agent-c", Name: "C", Capacity: tt.agent})
			obs := h.connect(observer)
			var chats []*chat
			for range 5 {
				h.env.Clock.Advance(time.Minute)
				chats = append(chats, h.queued())
			}
			held := 0
			for _, c := range chats {
				if c.conv().Agent == "agent-c" {
					held++
				}
			}
			if held != tt.wantHeld {
				t.Errorf("agent holds %d chats, want %d", held, tt.wantHeld)
			}
			// The rest wait in the order they came, 1 = next.
			pos := positions(lastQueue(obs.All()))
			for i, c := range chats[tt.wantHeld:] {
				if pos[c.id] != i+1 {
					t.Errorf("waiting chat %d at position %d, want %d", tt.wantHeld+i+1, pos[c.id], i+1)
				}
			}
		})
	}
}

func TestOldestWaitingFirstAndClosingFreesCapacity(t *testing.T) {
	h := newDeskHarness(t, nil)
	var chats []*chat
	for range 3 {
		chats = append(chats, h.queued())
		h.env.Clock.Advance(time.Minute)
	}
	desk := h.connect(bot.AgentInfo{ID: "agent-c", Name: "C", Capacity: 1})
	if got := heldBy(chats...); got[0] != "agent-c" || got[1] != "" || got[2] != "" {
		t.Fatalf("held by %q, want the oldest taken first", got)
	}
	chats[2].rec.Take()
	if err := h.eng.CloseChat(h.ctx, "agent-c", chats[0].id, bot.Resolved); err != nil {
		t.Fatal(err)
	}
	if got := heldBy(chats...); got[0] != "" || got[1] != "agent-c" || got[2] != "" {
		t.Errorf("after closing the first: held by %q, want the next oldest assigned", got)
	}
	if got := releasedIn(desk.All()); len(got) != 1 || got[0] != chats[0].id {
		t.Errorf("released %v, want the closed chat", got)
	}
	if sc := lastPlace(chats[2].rec.All()); sc == nil || sc.Position != 1 {
		t.Errorf("the last patient was told %+v, want position 1", sc)
	}
}

func TestHigherPriorityQueueFirst(t *testing.T) {
	h := newDeskHarness(t, func(c *bot.Config) {
		c.DefaultQueue = "billing" // where a typed "agent" goes
		c.Queues = map[string]bot.Queue{
			"portal-support": {Name: "portal-support", Priority: 10},
			"billing":        {Name: "billing", Priority: 0},
		}
	})
	obs := h.connect(observer)
	older := h.typedAgent() // billing, waiting longer
	h.env.Clock.Advance(time.Minute)
	urgent := h.queued() // portal-support
	if got := older.conv().Queue; got != "billing" {
		t.Fatalf("typed agent went to %q, want billing", got)
	}
	q := lastQueue(obs.All())
	if len(q) != 2 || q[0].ConversationID != urgent.id || q[1].ConversationID != older.id {
		t.Errorf("queue %+v, want the higher priority chat listed first", q)
	}
	if pos := positions(q); pos[urgent.id] != 1 || pos[older.id] != 1 {
		t.Errorf("positions %v, want each first in its own queue", pos)
	}
	h.connect(bot.AgentInfo{ID: "agent-c", Name: "C", Capacity: 1})
	if got := heldBy(urgent, older); got[0] != "agent-c" || got[1] != "" {
		t.Errorf("held by %q, want the higher priority queue served first", got)
	}
}

func TestAwayAgentsAndOtherQueuesGetNothing(t *testing.T) {
	h := newDeskHarness(t, nil)
	h.connect(ana)
	if err := h.eng.SetPresence(h.ctx, ana.ID, false); err != nil {
		t.Fatal(err)
	}
	h.connect(bot.AgentInfo{ID: "agent-billing", Name: "Bill", Queues: []string{"billing"}})
	c := h.queued()
	if conv := c.conv(); conv.Status != bot.StatusQueued || conv.Agent != "" {
		t.Fatalf("chat %s with %q, want waiting: the only agent of its queue is away", conv.Status, conv.Agent)
	}
	if err := h.eng.SetPresence(h.ctx, ana.ID, true); err != nil {
		t.Fatal(err)
	}
	if got := c.conv().Agent; got != ana.ID {
		t.Errorf("after Ana came back: held by %q, want %s", got, ana.ID)
	}
	if err := h.eng.SetPresence(h.ctx, "agent-nobody", true); bot.ErrorCode(err) != bot.ENOTFOUND {
		t.Errorf("presence of an agent never connected: %v, want ENOTFOUND", err)
	}
}

func TestWaitEstimateFromRecentWaits(t *testing.T) {
	h := newDeskHarness(t, nil)
	first := h.queued()
	if sc := lastPlace(first.seen); sc == nil || sc.Position != 1 || sc.Wait != 0 {
		t.Errorf("first patient was told %+v, want position 1 and no estimate yet", sc)
	}
	h.env.Clock.Advance(2 * time.Minute)
	h.connect(bot.AgentInfo{ID: "agent-c", Name: "C", Capacity: 1}) // takes it after 2 minutes
	if got := first.conv().Agent; got != "agent-c" {
		t.Fatalf("first chat held by %q, want agent-c", got)
	}
	tests := []struct {
		position int
		wait     time.Duration
	}{
		{1, 2 * time.Minute},
		{2, 4 * time.Minute},
	}
	for _, tt := range tests {
		h.env.Clock.Advance(time.Second) // in line by time, not by ID
		c := h.queued()
		sc := lastPlace(c.seen)
		if sc == nil || sc.Position != tt.position || sc.Wait != tt.wait {
			t.Errorf("patient was told %+v, want position %d and a wait of %s", sc, tt.position, tt.wait)
		}
	}
}

func TestConcurrentClaimsHaveOneWinner(t *testing.T) {
	h := newDeskHarness(t, func(c *bot.Config) { c.AutoAssign = false })
	const n = 20
	agents := make([]bot.AgentInfo, n)
	desks := make([]*console, n)
	for i := range agents {
		agents[i] = bot.AgentInfo{ID: fmt.Sprintf("agent-%02d", i), Name: fmt.Sprintf("Agent %d", i), Capacity: n}
		desks[i] = h.connect(agents[i])
	}
	for round := range 3 {
		c := h.queued()
		if conv := c.conv(); conv.Status != bot.StatusQueued {
			t.Fatalf("round %d: %s without auto-assign, want queued", round, conv.Status)
		}
		for _, d := range desks {
			d.Take()
		}
		start := make(chan struct{})
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range agents {
			wg.Go(func() {
				<-start
				errs[i] = h.eng.Claim(h.ctx, agents[i].ID, c.id, false)
			})
		}
		close(start)
		wg.Wait()
		winner := -1
		for i, err := range errs {
			switch {
			case err == nil && winner >= 0:
				t.Errorf("round %d: %s and %s both won", round, agents[winner].ID, agents[i].ID)
			case err == nil:
				winner = i
			case bot.ErrorCode(err) != bot.ECONFLICT:
				t.Errorf("round %d: %s got %v, want ECONFLICT", round, agents[i].ID, err)
			}
		}
		if winner < 0 {
			t.Fatalf("round %d: nobody won", round)
		}
		if conv := c.conv(); conv.Status != bot.StatusAgent || conv.Agent != agents[winner].ID {
			t.Errorf("round %d: %s with %q, want with the winner %s", round, conv.Status, conv.Agent, agents[winner].ID)
		}
		for i, d := range desks {
			got := assignedIn(d.All())
			if want := i == winner; (len(got) == 1) != want || len(got) > 1 {
				t.Errorf("round %d: %s was told assigned %v, want it only if it won", round, agents[i].ID, got)
			}
		}
		if claims := c.audited("claim"); len(claims) != 0 {
			// Claims are the agent's: audited with the agent as actor.
			t.Errorf("round %d: claim audited as the conversation: %v", round, claims)
		}
	}
	if got := len(h.auditOf("claim")); got != 3 {
		t.Errorf("%d claim audit rows, want 3 (one per chat)", got)
	}
	if err := h.eng.Claim(h.ctx, "agent-unknown", "whatever", false); bot.ErrorCode(err) != bot.EUNAUTHORIZED {
		t.Errorf("claim by an agent not connected: %v, want EUNAUTHORIZED", err)
	}
}

func TestAgentGracePeriod(t *testing.T) {
	const grace = 2 * time.Minute
	h := newDeskHarness(t, func(c *bot.Config) { c.AgentGrace = grace; c.HandoffTimeout = 0 })
	obs := h.connect(observer)
	anaDesk := h.connect(ana)
	first := h.queued()
	queuedAt := first.conv().QueuedAt
	if got := first.conv().Agent; got != ana.ID {
		t.Fatalf("held by %q, want %s", got, ana.ID)
	}
	h.eng.DetachAgent(ana.ID, anaDesk)
	h.env.Clock.Advance(30 * time.Second)
	later := h.queued() // nobody connected to take it
	first.rec.Take()

	h.env.Clock.Advance(grace - 30*time.Second - time.Second)
	h.eng.SweepDesk(h.ctx)
	if conv := first.conv(); conv.Status != bot.StatusAgent || conv.Agent != ana.ID {
		t.Fatalf("a second before the grace ends: %s with %q, want still with %s", conv.Status, conv.Agent, ana.ID)
	}
	h.env.Clock.Advance(time.Second)
	h.eng.SweepDesk(h.ctx)

	conv := first.conv()
	if conv.Status != bot.StatusQueued || conv.Agent != "" || !conv.QueuedAt.Equal(queuedAt) {
		t.Errorf("after the grace: %s with %q since %s, want queued since %s", conv.Status, conv.Agent, conv.QueuedAt, queuedAt)
	}
	if pos := positions(lastQueue(obs.All())); pos[first.id] != 1 || pos[later.id] != 2 {
		t.Errorf("positions %v, want the released chat at the front, ahead of the one queued later", pos)
	}
	evs := first.rec.Take()
	if said := botText(evs); !strings.Contains(said, "disconnected") || !strings.Contains(said, "front of the line") {
		t.Errorf("patient was told %q, want the disconnection and their place at the front", said)
	}
	if sc := lastPlace(evs); sc == nil || sc.Position != 1 {
		t.Errorf("patient was told %+v, want position 1", sc)
	}
	if got := first.audited("released"); len(got) != 1 || got[0] != "grace_over/agent:"+ana.ID {
		t.Errorf("released audit %v, want [grace_over/agent:%s]", got, ana.ID)
	}
}

func TestAgentWhoReconnectsWithinGraceKeepsTheChat(t *testing.T) {
	const grace = 2 * time.Minute
	h := newDeskHarness(t, func(c *bot.Config) { c.AgentGrace = grace; c.HandoffTimeout = 0 })
	first := h.connect(ana)
	second := &console{}
	if err := h.eng.AttachAgent(h.ctx, ana, second); err != nil { // a second tab
		t.Fatal(err)
	}
	c := h.queued()

	h.eng.DetachAgent(ana.ID, first) // one tab closed: not gone
	h.env.Clock.Advance(grace + time.Minute)
	h.eng.SweepDesk(h.ctx)
	if got := c.conv().Agent; got != ana.ID {
		t.Fatalf("with a tab still open: held by %q, want %s", got, ana.ID)
	}

	h.eng.DetachAgent(ana.ID, second) // gone
	h.env.Clock.Advance(grace - time.Second)
	back := h.connect(ana)
	if v := viewsIn(back.All()); len(v) != 1 || v[0].ConversationID != c.id {
		t.Errorf("on reconnecting the agent got views %+v, want the chat they hold", v)
	}
	h.env.Clock.Advance(grace)
	h.eng.SweepDesk(h.ctx)
	if conv := c.conv(); conv.Status != bot.StatusAgent || conv.Agent != ana.ID {
		t.Errorf("after reconnecting within the grace: %s with %q, want still with %s", conv.Status, conv.Agent, ana.ID)
	}
}

// capped is Ana taking one chat at a time.
var capped = bot.AgentInfo{ID: ana.ID, Name: ana.Name, Role: ana.Role, Capacity: 1}

// restarted queues three chats a minute apart, the first taken by Ana (one
// chat at a time), then starts a new engine on the same database: the old
// one is gone, agents and patients not yet reconnected.
func restarted(t *testing.T, grace time.Duration) (h *harness, heldChat *chat, waiting []*chat) {
	t.Helper()
	h = newHarness(t)
	cfg := h.deskConfig(func(c *bot.Config) { c.AgentGrace = grace; c.HandoffTimeout = 0 })
	h.eng = h.deskEngine(cfg)
	h.connect(capped)
	heldChat = h.queued()
	for range 2 {
		h.env.Clock.Advance(time.Minute)
		waiting = append(waiting, h.queued())
	}
	if got := heldBy(heldChat, waiting[0], waiting[1]); got[0] != ana.ID || got[1] != "" || got[2] != "" {
		t.Fatalf("before the restart: held by %q, want only the first by Ana", got)
	}
	h.env.Clock.Advance(time.Minute)
	h.eng = h.deskEngine(cfg)
	return h, heldChat, waiting
}

func TestRestartKeepsTheQueueAndTheAssignment(t *testing.T) {
	const grace = 2 * time.Minute
	h, heldChat, waiting := restarted(t, grace)

	// A patient reconnecting first is told their place.
	rec := &recorder{}
	w, err := h.eng.Hello(h.ctx, bot.Hello{Resume: waiting[1].resume, LastSeq: waiting[1].conv().LastSeq, Source: testIP}, rec)
	if err != nil {
		t.Fatal(err)
	}
	defer h.eng.Detach(w.ConversationID, rec)
	if w.ConversationID != waiting[1].id || w.Status != bot.StatusQueued {
		t.Errorf("welcome %+v, want %s queued", w, waiting[1].id)
	}
	if sc := lastPlace(rec.All()); sc == nil || sc.Position != 2 {
		t.Errorf("reconnecting patient was told %+v, want position 2", sc)
	}

	obs := h.connect(observer)
	q := lastQueue(obs.All())
	if len(q) != 2 || q[0].ConversationID != waiting[0].id || q[0].Position != 1 ||
		q[1].ConversationID != waiting[1].id || q[1].Position != 2 {
		t.Errorf("queue after the restart %+v, want the two waiting chats in their order", q)
	}
	if q[0].Waiting != 2*time.Minute || q[0].Reason != "requested" {
		t.Errorf("first waiting %s for %q, want 2m0s for requested", q[0].Waiting, q[0].Reason)
	}

	// Ana comes back within the grace: she gets her chat back and keeps it.
	h.env.Clock.Advance(grace - time.Second)
	h.eng.SweepDesk(h.ctx)
	back := h.connect(capped)
	if v := viewsIn(back.All()); len(v) != 1 || v[0].ConversationID != heldChat.id || v[0].Agent != ana.ID {
		t.Errorf("Ana got views %+v on reconnecting, want the chat she held", v)
	}
	h.env.Clock.Advance(grace)
	h.eng.SweepDesk(h.ctx)
	if got := heldBy(heldChat, waiting[0], waiting[1]); got[0] != ana.ID {
		t.Errorf("after the grace: held by %q, want the first still with Ana", got)
	}
	if err := h.eng.AgentSay(h.ctx, ana.ID, heldChat.id, "after-restart", "Still here"); err != nil {
		t.Errorf("Ana says after the restart: %v", err)
	}
}

func TestRestartGraceStartsAtTheRestart(t *testing.T) {
	const grace = 2 * time.Minute
	h, heldChat, waiting := restarted(t, grace)
	obs := h.connect(observer) // loads the desk: the grace starts now

	h.env.Clock.Advance(grace - time.Second)
	h.eng.SweepDesk(h.ctx)
	if got := heldChat.conv().Agent; got != ana.ID {
		t.Fatalf("before the grace ends: held by %q, want %s", got, ana.ID)
	}
	h.env.Clock.Advance(time.Second)
	h.eng.SweepDesk(h.ctx)
	if conv := heldChat.conv(); conv.Status != bot.StatusQueued {
		t.Fatalf("after the grace: %s, want queued", conv.Status)
	}
	pos := positions(lastQueue(obs.All()))
	if pos[heldChat.id] != 1 || pos[waiting[0].id] != 2 || pos[waiting[1].id] != 3 {
		t.Errorf("positions %v, want the released chat first, then the others in order", pos)
	}
}

// TestAConsoleThatStartsAwayGetsNothing: a console that connects away (the
// agent's remembered choice) is given no chat before the agent says so.
func TestAConsoleThatStartsAwayGetsNothing(t *testing.T) {
	h := newDeskHarness(t, nil)
	c := h.queued()
	away := ana
	away.Away = true
	h.connect(away)
	if conv := c.conv(); conv.Status != bot.StatusQueued || conv.Agent != "" {
		t.Fatalf("chat %s with %q, want waiting: the agent connected away", conv.Status, conv.Agent)
	}
	if err := h.eng.SetPresence(h.ctx, ana.ID, true); err != nil {
		t.Fatal(err)
	}
	if got := c.conv().Agent; got != ana.ID {
		t.Errorf("after the agent became available: held by %q, want %s", got, ana.ID)
	}
}
