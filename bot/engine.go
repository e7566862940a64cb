package bot

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
)

// Engine runs conversations: it opens and resumes them, takes the patient's
// turns through the flows, commits every turn durably and only then tells
// the attached clients.
//
// Each conversation has one lock, held for a whole turn, so only one
// goroutine drives a conversation's state machine at a time.
type Engine struct {
	cfg        Config
	store      Store
	codes      CodeStore
	attempts   AttemptStore
	dir        Directory
	channels   map[string]Channel
	activation ActivationCodes
	password   PasswordPolicy
	flows      *Flows
	clock      Clock
	log        zerolog.Logger
	kick       func() // wakes the delivery sender after a turn queued deliveries
	metrics    Metrics
	held       func(HeldCode)

	// Several processes on one store (cluster.go); nil on a single node.
	lock     Locker
	bus      Bus
	origin   string // this process on the Bus: the node's name and an instance id
	presence Presence
	leases   Leases
	// queueSource reads the queues another node changed; nil on one node.
	queueSource QueueSource
	agentSource AgentSource // agents connected to other nodes; nil on one node
	// seen is what Presence last said: when each agent and waiting
	// patient was last connected to any process. Guarded by desk.mu.
	seen map[string]time.Time

	deskStore DeskStore // nil: no notes, follow-ups or desk rebuild after restart
	desk      *deskState
	dirty     atomic.Bool // a turn moved a chat on the desk; settle it

	mu   sync.Mutex
	live map[string]*live

	queuesMu sync.RWMutex // guards cfg.Queues, which admins edit live (queues_admin.go)
}

// Deps are what the engine needs from the outside.
type Deps struct {
	Store     Store
	Codes     CodeStore
	Attempts  AttemptStore
	Directory Directory
	// Channels are the conversation channels that reach the patient
	// through the outbox, by Conversation.Channel (ChannelSMS); the web
	// needs none.
	Channels map[string]Channel
	// Activation keeps the activation codes, whatever the directory.
	Activation ActivationCodes
	// Password is Portico's password policy, applied before the directory
	// sees a new password; nil leaves it to the directory.
	Password PasswordPolicy
	Flows    *Flows
	Clock    Clock  // nil means the system clock
	Kick     func() // nil means nobody to wake
	Desk     DeskStore
	Metrics  Metrics // nil counts nothing
	// Held is told of each one-time code held back for a known record
	// (the send limit, a paused record) after its turn is stored; the
	// patient was told the same as for a sent code. The demo's dev outbox
	// shows it. It runs under the conversation's lock: keep it short.
	Held func(HeldCode)
	// Locker, Bus, Presence and Leases let several processes share the
	// store (cluster.go). All nil: one process, as on SQLite.
	Locker   Locker
	Bus      Bus
	Presence Presence
	Leases   Leases
	// Queues are read again when another node's admin changed them.
	Queues QueueSource
	// Agents are the accounts of agents connected to other nodes, whom a
	// transfer may name.
	Agents AgentSource
}

// HeldCode is a one-time code that was not sent, though the record exists.
type HeldCode struct {
	Record  string // the record the code was for
	Channel string // "email" or "sms"
	Why     string // the audit row's reason, e.g. "record_throttled", "record_paused"
	At      time.Time
}

// live is a conversation with clients attached or a turn in progress.
type live struct {
	mu      sync.Mutex // held for a whole turn
	refs    int        // guarded by Engine.mu
	conv    *Conversation
	clients clientSet
	// ids are the conversation's stored say ids and their seqs, once
	// idsLoaded (see storedSeq); nil until a say id is known.
	ids       map[string]int64
	idsLoaded bool
	// sent is the last seq the attached clients were given.
	sent int64
}

// clientSet is the clients attached to a live conversation: one, as a
// rule (a second tab, now and then), so a slice, not a map, which cost
// each idle patient's conversation about 180 bytes more
// (docs/performance.md).
type clientSet []Client

func (s clientSet) has(c Client) bool { return slices.Contains(s, c) }

// add adds c unless it is there.
func (s *clientSet) add(c Client) {
	if !s.has(c) {
		*s = append(*s, c)
	}
}

// remove removes c and reports whether it was there.
func (s *clientSet) remove(c Client) bool {
	i := slices.Index(*s, c)
	if i < 0 {
		return false
	}
	*s = slices.Delete(*s, i, i+1)
	return true
}

// NewEngine returns an engine; Run must be called for idle sweeping.
func NewEngine(cfg Config, d Deps, log zerolog.Logger) *Engine {
	if d.Clock == nil {
		d.Clock = SystemClock{}
	}
	if d.Kick == nil {
		d.Kick = func() {}
	}
	if d.Metrics == nil {
		d.Metrics = NoMetrics{}
	}
	e := &Engine{
		cfg: cfg, store: d.Store, codes: d.Codes, attempts: d.Attempts, dir: d.Directory,
		activation: d.Activation, password: d.Password, channels: d.Channels,
		flows: d.Flows, clock: d.Clock, kick: d.Kick, log: log, live: map[string]*live{},
		deskStore: d.Desk, desk: newDeskState(), metrics: d.Metrics, held: d.Held,
		lock: d.Locker, bus: d.Bus, presence: d.Presence, leases: d.Leases, queueSource: d.Queues,
		agentSource: d.Agents,
		origin:      cfg.Node + "#" + newID()[:8],
	}
	if e.bus != nil && e.flows != nil {
		e.flows.onPublished(func(ctx context.Context, name string, version int) {
			e.publish(ctx, Notice{Kind: NoticeFlow, Flow: name, Seq: int64(version)})
		})
	}
	return e
}

// acquire returns the live entry of a conversation with a reference taken;
// release gives it back.
func (e *Engine) acquire(id string) *live {
	e.mu.Lock()
	defer e.mu.Unlock()
	l := e.live[id]
	if l == nil {
		l = &live{}
		e.live[id] = l
	}
	l.refs++
	return l
}

func (e *Engine) release(id string, l *live) {
	e.mu.Lock()
	defer e.mu.Unlock()
	l.refs--
	if l.refs == 0 {
		delete(e.live, id)
	}
}

// load fills l.conv from the store if it is not cached. l.mu must be held.
func (e *Engine) load(ctx context.Context, id string, l *live) error {
	if l.conv != nil {
		return nil
	}
	c, err := e.store.Conversation(ctx, id)
	if err != nil {
		return fmt.Errorf("load conversation: %w", err)
	}
	l.conv = c
	return nil
}

// broadcast tells every attached client; one that cannot keep up is
// detached. l.mu must be held.
func (e *Engine) broadcast(l *live, ev Event) {
	for i := len(l.clients) - 1; i >= 0; i-- { // from the end: dropClient removes one
		if c := l.clients[i]; !c.Deliver(ev) {
			e.dropClient(l, c)
		}
	}
}

// dropClient detaches a client that cannot keep up. l.mu must be held.
func (e *Engine) dropClient(l *live, c Client) {
	l.clients.remove(c)
	e.releaseClient(l)
	if len(l.clients) == 0 && l.conv != nil {
		e.notePresence(l.conv.ID, false)
	}
}

// releaseClient drops the reference an attached client held.
func (e *Engine) releaseClient(l *live) {
	e.mu.Lock()
	defer e.mu.Unlock()
	l.refs--
	if l.refs == 0 && l.conv != nil {
		delete(e.live, l.conv.ID)
	}
}

// Detach stops telling c about a conversation.
func (e *Engine) Detach(conversationID string, c Client) {
	e.mu.Lock()
	l := e.live[conversationID]
	e.mu.Unlock()
	if l == nil {
		return
	}
	l.mu.Lock()
	ok := l.clients.remove(c)
	if ok && len(l.clients) == 0 {
		e.notePresence(conversationID, false)
	}
	l.mu.Unlock()
	if ok {
		e.release(conversationID, l)
	}
}

// commit stores a turn and then tells the clients, in order: the sender's
// ack (if any), the messages, then a status change. l.mu must be held.
func (e *Engine) commit(ctx context.Context, l *live, t *turn, sender Client, sayID string) error {
	before := l.conv
	if onDesk(before) && !onDesk(t.out.Conversation) && t.out.HandoffOutcome == "" {
		t.out.HandoffOutcome = handoffOutcome(t.out.Conversation)
	}
	if err := e.stage(t); err != nil {
		return err
	}
	if err := e.store.Commit(ctx, &t.out); err != nil {
		return err
	}
	if !t.started.IsZero() {
		e.metrics.TurnDone(time.Since(t.started)) // durable, not yet told: what the patient waits for
	}
	after := t.out.Conversation
	l.conv = after
	l.rememberSays(t.out.Messages)
	e.observe(&t.out)
	if sender != nil && sayID != "" && len(t.out.Messages) > 0 {
		if !sender.Deliver(Event{Ack: &Ack{ID: sayID, Seq: t.out.Messages[0].Seq}}) {
			if l.clients.has(sender) {
				e.dropClient(l, sender)
			}
		}
	}
	for i := range t.out.Messages {
		e.broadcast(l, Event{Message: &t.out.Messages[i]})
	}
	l.sent = after.LastSeq
	if before == nil || before.Status != after.Status || before.Agent != after.Agent {
		e.broadcast(l, Event{Status: &StatusChange{Status: after.Status, Agent: after.AgentName, Resolution: after.Resolution}})
	}
	for _, agent := range agentsOf(before, after) {
		for i := range t.out.Messages {
			e.toAgent(agent, AgentEvent{Message: &t.out.Messages[i]})
		}
	}
	if onDesk(before) || onDesk(after) {
		e.deskSync(before, after, len(l.clients) > 0)
		e.dirty.Store(true)
		e.setShown(after)
	}
	if len(t.out.Deliveries) > 0 {
		e.kick()
	}
	if t.followupAdded && e.deskStore != nil {
		if fs, err := e.deskStore.Followups(ctx); err == nil {
			e.toAllAgents(AgentEvent{Followups: fs})
		}
		e.publish(ctx, Notice{Kind: NoticeFollowups})
	}
	e.publish(ctx, Notice{Kind: NoticeTurn, Conversation: after.ID, Seq: after.LastSeq, Desk: onDesk(before) || onDesk(after)})
	return nil
}

// handoffOutcome is how a handoff ended when the turn that ended it did
// not say: closed with the conversation's resolution, or back to the bot.
func handoffOutcome(after *Conversation) string {
	if after.Status == StatusClosed && after.Resolution != "" {
		return string(after.Resolution)
	}
	return HandoffToBot
}

// onDesk reports whether a conversation is waiting for or with a person.
func onDesk(c *Conversation) bool {
	return c != nil && (c.Status == StatusQueued || c.Status == StatusAgent)
}

// agentsOf returns the agents who must see a turn's messages: the one who
// holds the chat, and the one who just let it go.
func agentsOf(before, after *Conversation) []string {
	var out []string
	if after.Status == StatusAgent {
		out = append(out, after.Agent)
	}
	if before != nil && before.Status == StatusAgent && before.Agent != after.Agent {
		out = append(out, before.Agent)
	}
	return out
}

// settleIfDirty settles the desk if a turn moved a chat on it. Call it
// after releasing the conversation's lock.
func (e *Engine) settleIfDirty(ctx context.Context) {
	if e.dirty.Swap(false) {
		e.settle(ctx)
	}
}
