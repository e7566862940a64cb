package bot_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/flows"
)

// The seams of several nodes (bot/cluster.go), tested with two engines on
// one SQLite file and in-memory stand-ins for what PostgreSQL provides
// across processes (storage/postgres has the real ones; cmd/portico's
// multi-node tests run them in separate processes).

// memLocker is a Locker shared by the engines of one test: a lock per
// conversation, as an advisory lock in the database would be.
type memLocker struct {
	mu    sync.Mutex
	locks map[string]chan struct{}
}

func (m *memLocker) Lock(ctx context.Context, id string) (func(), error) {
	m.mu.Lock()
	if m.locks == nil {
		m.locks = map[string]chan struct{}{}
	}
	ch := m.locks[id]
	if ch == nil {
		ch = make(chan struct{}, 1)
		m.locks[id] = ch
	}
	m.mu.Unlock()
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// memBus delivers every notice to every listener, each on its own
// goroutine in order, as LISTEN/NOTIFY would.
type memBus struct {
	mu        sync.Mutex
	listeners []chan bot.Notice
}

func (b *memBus) Publish(ctx context.Context, n bot.Notice) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, l := range b.listeners {
		l <- n
	}
	return nil
}

func (b *memBus) Listen(ctx context.Context, fn func(bot.Notice)) error {
	ch := make(chan bot.Notice, 1024)
	b.mu.Lock()
	b.listeners = append(b.listeners, ch)
	b.mu.Unlock()
	for {
		select {
		case <-ctx.Done():
			return nil
		case n := <-ch:
			fn(n)
		}
	}
}

// memPresence keeps the last time each key was reported.
type memPresence struct {
	mu   sync.Mutex
	seen map[string]time.Time
}

func (p *memPresence) Here(ctx context.Context, keys []string, at, since time.Time) (map[string]time.Time, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.seen == nil {
		p.seen = map[string]time.Time{}
	}
	for _, k := range keys {
		p.seen[k] = at
	}
	out := map[string]time.Time{}
	for k, t := range p.seen {
		if !t.Before(since) {
			out[k] = t
		}
	}
	return out, nil
}

// memQueues is where the nodes of a test keep their queues.
type memQueues struct {
	mu    sync.Mutex
	specs []bot.QueueSpec
}

func (q *memQueues) QueueSpecs(ctx context.Context) ([]bot.QueueSpec, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.specs, nil
}

// twoNodes returns two engines, "a" and "b", sharing the harness's
// database through the seams, each running until the test ends.
func twoNodes(t *testing.T, change func(*bot.Config)) (h *harness, a, b *bot.Engine) {
	k := startTwoNodes(t, change)
	return k.h, k.a, k.b
}

// nodesKit is two engines sharing one database, and what they run on.
type nodesKit struct {
	h        *harness
	a, b     *bot.Engine
	flA, flB *bot.Flows
	queues   *memQueues
}

func startTwoNodes(t *testing.T, change func(*bot.Config)) *nodesKit {
	t.Helper()
	k := &nodesKit{h: newHarness(t), queues: &memQueues{}}
	h := k.h
	locker, bus, presence := &memLocker{}, &memBus{}, &memPresence{}
	node := func(name string) (*bot.Engine, *bot.Flows) {
		cfg := h.deskConfig(change)
		cfg.Node = name
		fl := h.flows(flows.Builtin())
		d := h.deps(h.env.Dir, fl)
		d.Desk = h.env.DB
		d.Locker, d.Bus, d.Presence, d.Queues = locker, bus, presence, k.queues
		e := bot.NewEngine(cfg, d, zerolog.Nop())
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); _ = e.Run(ctx) }()
		t.Cleanup(func() { cancel(); <-done })
		return e, fl
	}
	k.a, k.flA = node("a")
	k.b, k.flB = node("b")
	// Both listen before anything is published.
	for !bus.listening(2) {
		time.Sleep(time.Millisecond)
	}
	h.eng = k.a
	return k
}

func (b *memBus) listening(n int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.listeners) >= n
}

// eventually waits for cond, failing with what after a few seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestAgentOnAnotherNodeTakesAndAnswersTheChat(t *testing.T) {
	h, a, b := twoNodes(t, nil)
	c := h.open("") // on node a
	anaDesk := &console{}
	if err := b.AttachAgent(h.ctx, ana, anaDesk); err != nil { // on node b, before the handoff
		t.Fatal(err)
	}
	anaDesk.Take()
	c.reply("agent")

	// Auto-assignment on node b gives Ana the chat queued on node a.
	eventually(t, "the chat assigned to Ana on node b", func() bool { return len(assignedIn(anaDesk.All())) == 1 })
	eventually(t, "the patient on node a told Ana joined", func() bool {
		for _, ev := range c.rec.All() {
			if ev.Status != nil && ev.Status.Status == bot.StatusAgent && ev.Status.Agent == ana.Name {
				return true
			}
		}
		return false
	})
	anaDesk.Take()
	c.rec.Take()

	if err := b.AgentSay(h.ctx, ana.ID, c.id, "m-1", "Hello from node b"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the agent's message on node a", func() bool {
		for _, m := range messagesOf(c.rec.All()) {
			if m.Text == "Hello from node b" {
				return true
			}
		}
		return false
	})
	c.say("Thanks, node a here") // the patient answers on node a
	eventually(t, "the patient's answer at Ana's console on node b", func() bool {
		for _, m := range agentMessagesIn(anaDesk.All()) {
			if m.Text == "Thanks, node a here" {
				return true
			}
		}
		return false
	})

	// Typing crosses nodes both ways.
	if err := a.Typing(h.ctx, c.id, true); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the patient typing at Ana's console", func() bool {
		for _, ev := range anaDesk.All() {
			if ev.Typing != nil && ev.Typing.On {
				return true
			}
		}
		return false
	})

	// Every message reached the patient once, in order, with no gap.
	var seqs []int64
	for _, m := range messagesOf(c.seen) {
		seqs = append(seqs, m.Seq)
	}
	for _, m := range messagesOf(c.rec.All()) {
		seqs = append(seqs, m.Seq)
	}
	for i := 1; i < len(seqs); i++ {
		if seqs[i] <= seqs[i-1] {
			t.Fatalf("patient got seqs %v, want increasing without repeats", seqs)
		}
	}
	// The console got each message once.
	counts := map[int64]int{}
	for _, m := range agentMessagesIn(anaDesk.All()) {
		counts[m.Seq]++
	}
	for seq, n := range counts {
		if n > 1 {
			t.Errorf("console got message %d %d times, want once", seq, n)
		}
	}
}

func TestPatientResumesOnAnotherNode(t *testing.T) {
	h, _, b := twoNodes(t, nil)
	c := h.open("")
	c.reply("agent")
	first := c.conv().LastSeq

	// The tab's socket lands on node b: it resumes with the token.
	rec := &recorder{}
	w, err := b.Hello(h.ctx, bot.Hello{Resume: c.resume, LastSeq: first - 1, Locale: "en"}, rec)
	if err != nil {
		t.Fatal(err)
	}
	if w.ConversationID != c.id || w.Seq != first {
		t.Fatalf("welcome %+v, want conversation %s at seq %d", w, c.id, first)
	}
	if got := messagesOf(rec.Take()); len(got) != 1 || got[0].Seq != first {
		t.Fatalf("replay %+v, want message %d only", got, first)
	}
	// A say on node b is acked there, and seen by the tab still on node a.
	if err := b.Say(h.ctx, c.id, rec, bot.Say{ID: "b-1", Text: "still there?"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "node a's tab told the say made on node b", func() bool {
		for _, m := range messagesOf(c.rec.All()) {
			if m.Text == "still there?" && m.Seq == first+1 {
				return true
			}
		}
		return false
	})
	// The same say sent again to node a is acked with its seq, not stored twice.
	again := &recorder{}
	if err := h.eng.Say(h.ctx, c.id, again, bot.Say{ID: "b-1", Text: "still there?"}); err != nil {
		t.Fatal(err)
	}
	if evs := again.Take(); len(evs) != 1 || evs[0].Ack == nil || evs[0].Ack.Seq != first+1 {
		t.Fatalf("say again on node a: %+v, want the ack of seq %d", evs, first+1)
	}
}

func TestOneOfManyClaimsAcrossNodesWins(t *testing.T) {
	h, a, b := twoNodes(t, func(c *bot.Config) { c.AutoAssign = false })
	c := h.queued()
	const claimants = 20
	nodes := []*bot.Engine{a, b}
	for i := range claimants {
		info := bot.AgentInfo{ID: fmt.Sprintf("agent-%d", i), Name: fmt.Sprintf("Agent %d", i), Role: bot.RoleAgent}
		if err := nodes[i%2].AttachAgent(h.ctx, info, &console{}); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make([]error, claimants)
	for i := range claimants {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = nodes[i%2].Claim(h.ctx, fmt.Sprintf("agent-%d", i), c.id, false)
		}()
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case bot.ErrorCode(err) != bot.ECONFLICT:
			t.Errorf("claim %d: %v, want nil or conflict", i, err)
		}
	}
	if won != 1 {
		t.Fatalf("%d claims won, want exactly 1", won)
	}
	if n := len(h.auditOf("claim")); n != 1 {
		t.Errorf("%d claims audited, want 1", n)
	}
}

func TestAgentOnAnotherNodeKeepsTheirChats(t *testing.T) {
	h, a, b := twoNodes(t, func(c *bot.Config) { c.AgentGrace = time.Minute })
	anaDesk := &console{}
	if err := b.AttachAgent(h.ctx, ana, anaDesk); err != nil {
		t.Fatal(err)
	}
	c := h.queued()
	eventually(t, "the chat assigned to Ana on node b", func() bool { return c.conv().Agent == ana.ID })

	// Node a never saw Ana's console, but she is connected to node b:
	// past her grace period, node a leaves her chat with her.
	b.SweepDesk(h.ctx) // b reports her presence
	h.env.Clock.Advance(2 * time.Minute)
	b.SweepDesk(h.ctx)
	a.SweepDesk(h.ctx)
	if got := c.conv(); got.Status != bot.StatusAgent || got.Agent != ana.ID {
		t.Fatalf("chat %s with %q after node a's sweep, want still with Ana", got.Status, got.Agent)
	}

	// Once she is gone from every node for longer than the grace, either
	// node puts the chat back in the queue, once.
	b.DetachAgent(ana.ID, anaDesk)
	h.env.Clock.Advance(2 * time.Minute)
	a.SweepDesk(h.ctx)
	b.SweepDesk(h.ctx)
	if got := c.conv(); got.Status != bot.StatusQueued {
		t.Fatalf("chat %s after Ana left every node, want queued", got.Status)
	}
	if n := len(c.audited("released")); n != 1 {
		t.Errorf("%d releases audited, want 1", n)
	}
}

func TestQueuesEditedOnOneNodeReachTheOther(t *testing.T) {
	k := startTwoNodes(t, func(c *bot.Config) { c.Limits.NewConversations = 0 }) // the check opens one a try
	h, a, b, queues := k.h, k.a, k.b, k.queues
	// An admin on node a closes the default queue for today.
	specs := []bot.QueueSpec{{Name: "portal-support", Holidays: []string{h.env.Clock.Now().Format("2006-01-02")},
		Describe: "Closed today"}}
	qs, err := bot.QueuesOf(specs)
	if err != nil {
		t.Fatal(err)
	}
	queues.mu.Lock()
	queues.specs = specs // stored first, as the admin page does
	queues.mu.Unlock()
	a.SetQueues(h.ctx, qs)

	// A patient on node b asking for a person soon hears it is closed.
	eventually(t, "node b to close the queue", func() bool {
		rec := &recorder{}
		w, err := b.Hello(h.ctx, bot.Hello{Locale: "en", Source: testIP}, rec)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Say(h.ctx, w.ConversationID, rec, bot.Say{ID: "q-1", Reply: "agent"}); err != nil {
			t.Fatal(err)
		}
		conv, err := h.env.DB.Conversation(h.ctx, w.ConversationID)
		if err != nil {
			t.Fatal(err)
		}
		return conv.Status != bot.StatusQueued
	})
}

func TestFlowPublishedOnOneNodeRunsOnTheOther(t *testing.T) {
	k := startTwoNodes(t, nil)
	cur, ok := k.flA.Current("greeting")
	if !ok {
		t.Fatal("no greeting flow")
	}
	src := append([]byte(string(cur.Source)), "\n# published on node a\n"...)
	v, err := k.flA.PublishWith(k.h.ctx, "greeting", src, func(ctx context.Context) (int, error) {
		return k.h.env.DB.SaveFlowVersion(ctx, "greeting", src, "test")
	})
	if err != nil {
		t.Fatal(err)
	}
	if v == cur.Version {
		t.Fatalf("published version %d, want a new one", v)
	}
	eventually(t, "node b to run the new version", func() bool {
		f, ok := k.flB.Current("greeting")
		return ok && f.Version == v
	})
}
