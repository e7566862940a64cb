package bot

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"
)

// recentWaits is how many recent waits per queue the estimate uses.
const recentWaits = 20

// deskState is the live human side: who is connected, who holds which chat,
// who waits. Conversations remain the record (status, agent, queued_at in
// storage); this is rebuilt from them after a restart.
type deskState struct {
	mu       sync.Mutex
	loaded   bool
	agents   map[string]*agentState
	waiting  map[string]*waiter // by conversation ID
	waits    map[string][]time.Duration
	told     map[string]StatusChange // last status each waiting patient was told
	shown    map[string]int64        // shared engines: last seq this process's consoles saw, by conversation
	settleMu sync.Mutex              // one settle at a time
}

type agentState struct {
	info         AgentInfo
	available    bool
	clients      map[AgentClient]struct{}
	chats        map[string]struct{}
	goneSince    time.Time // zero while connected
	lastAssigned time.Time
}

type waiter struct {
	conv     string
	queue    string
	reason   string
	since    time.Time
	locale   string
	verified bool
	offered  bool      // already offered to leave a message
	noPage   time.Time // since when no page of the patient is open; zero while one is
	channel  string
	from     string // masked
}

// left is how long ago a waiting patient left (closed every page of the
// chat), or 0 while they are there. A patient away for less than
// Config.PatientGoneAfter is still there: a page change or a reconnect.
func (e *Engine) left(w *waiter, now time.Time) time.Duration {
	if w.noPage.IsZero() || w.channel != ChannelWeb {
		return 0 // a patient on SMS is reached by text, page or none
	}
	if d := now.Sub(w.noPage); d >= e.cfg.PatientGoneAfter {
		return max(d, time.Nanosecond)
	}
	return 0
}

func newDeskState() *deskState {
	return &deskState{
		agents: map[string]*agentState{}, waiting: map[string]*waiter{},
		waits: map[string][]time.Duration{}, told: map[string]StatusChange{}, shown: map[string]int64{},
	}
}

// loadDesk rebuilds the desk from storage once.
func (e *Engine) loadDesk(ctx context.Context) error {
	d := e.desk
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.loaded || e.deskStore == nil {
		d.loaded = true
		return nil
	}
	convs, err := e.deskStore.OpenHandoffs(ctx)
	if err != nil {
		return fmt.Errorf("load the desk: %w", err)
	}
	now := e.clock.Now()
	for _, c := range convs {
		switch c.Status {
		case StatusQueued:
			w := waiterOf(c)
			w.noPage = now // no page is open on a fresh desk; one attaching says so (notePresence)
			d.waiting[c.ID] = w
		case StatusAgent:
			a := d.agent(AgentInfo{ID: c.Agent, Name: c.AgentName})
			a.chats[c.ID] = struct{}{}
			if len(a.clients) == 0 && a.goneSince.IsZero() {
				a.goneSince = now // held before the restart: the grace period starts now
			}
		}
	}
	d.loaded = true
	return nil
}

func waiterOf(c *Conversation) *waiter {
	since := c.QueuedAt
	if since.IsZero() {
		since = c.UpdatedAt
	}
	return &waiter{conv: c.ID, queue: c.Queue, reason: c.Reason, since: since, locale: c.Locale,
		verified: c.Subject != "", offered: c.Slots[slotOffered] != "",
		channel: cmp.Or(c.Channel, ChannelWeb), from: maskedPeer(c)}
}

// agent returns the state of an agent, creating it from info. An existing
// agent keeps the info it connected with (capacity, queues): a chat moving
// to them knows only their ID and name. d.mu must be held.
func (d *deskState) agent(info AgentInfo) *agentState {
	a := d.agents[info.ID]
	if a == nil {
		a = &agentState{info: info, available: true, clients: map[AgentClient]struct{}{}, chats: map[string]struct{}{}}
		d.agents[info.ID] = a
	}
	if a.info.Name == "" {
		a.info.Name = info.Name
	}
	return a
}

// deskSync records a conversation's move on the desk after its turn
// committed; present says whether a page of the patient is open. d.mu
// must not be held.
func (e *Engine) deskSync(before, after *Conversation, present bool) {
	d := e.desk
	d.mu.Lock()
	defer d.mu.Unlock()
	id := after.ID
	if before != nil && before.Status == StatusAgent && (after.Status != StatusAgent || after.Agent != before.Agent) {
		if a := d.agents[before.Agent]; a != nil {
			delete(a.chats, id)
		}
	}
	switch after.Status {
	case StatusQueued:
		if _, ok := d.waiting[id]; !ok || before == nil || before.Status != StatusQueued {
			w := waiterOf(after)
			if !present {
				w.noPage = e.clock.Now()
			}
			d.waiting[id] = w
		}
	case StatusAgent:
		if w := d.waiting[id]; w != nil {
			d.recordWait(w.queue, e.clock.Now().Sub(w.since))
		}
		delete(d.waiting, id)
		delete(d.told, id)
		a := d.agent(AgentInfo{ID: after.Agent, Name: after.AgentName})
		a.chats[id] = struct{}{}
		a.lastAssigned = e.clock.Now()
	default:
		delete(d.waiting, id)
		delete(d.told, id)
	}
}

// notePresence records whether a waiting patient has a page of the chat
// open, as their sockets attach and detach. The consoles hear of it at
// the next settle (a patient who left is marked only after
// Config.PatientGoneAfter). d.mu must not be held.
func (e *Engine) notePresence(conversationID string, present bool) {
	d := e.desk
	d.mu.Lock()
	defer d.mu.Unlock()
	w := d.waiting[conversationID]
	switch {
	case w == nil:
	case present && !w.noPage.IsZero():
		w.noPage = time.Time{}
		e.dirty.Store(true)
	case !present && w.noPage.IsZero():
		w.noPage = e.clock.Now()
	}
}

func (d *deskState) recordWait(queue string, w time.Duration) {
	ws := append(d.waits[queue], w)
	if len(ws) > recentWaits {
		ws = ws[len(ws)-recentWaits:]
	}
	d.waits[queue] = ws
}

// ordered returns the waiting conversations in service order: patients
// still there before those who left, then higher priority queues first,
// then the longest waiting. d.mu must be held.
func (e *Engine) ordered() []*waiter {
	d := e.desk
	ws := make([]*waiter, 0, len(d.waiting))
	for _, w := range d.waiting {
		ws = append(ws, w)
	}
	qs := e.queues()
	now := e.clock.Now()
	sort.Slice(ws, func(i, j int) bool {
		if li, lj := e.left(ws[i], now) > 0, e.left(ws[j], now) > 0; li != lj {
			return lj
		}
		pi, pj := qs[ws[i].queue].Priority, qs[ws[j].queue].Priority
		if pi != pj {
			return pi > pj
		}
		if !ws[i].since.Equal(ws[j].since) {
			return ws[i].since.Before(ws[j].since)
		}
		return ws[i].conv < ws[j].conv
	})
	return ws
}

// serves reports whether an agent works a queue.
func serves(a *agentState, queue string) bool {
	return len(a.info.Queues) == 0 || slices.Contains(a.info.Queues, queue)
}

// nextAssignment picks the next waiting chat and the agent to take it: the
// available, connected agent of that queue with the fewest chats under
// their capacity (the one idle longest on a tie). A chat whose patient
// left is not assigned: an agent may still claim it. d.mu must be held.
func (e *Engine) nextAssignment(skip map[string]bool) (*waiter, *agentState) {
	now := e.clock.Now()
	for _, w := range e.ordered() {
		if skip[w.conv] || e.left(w, now) > 0 {
			continue
		}
		var best *agentState
		for _, a := range e.desk.agents {
			if !a.available || len(a.clients) == 0 || !serves(a, w.queue) || len(a.chats) >= e.capacityOf(a.info) {
				continue
			}
			if best == nil || len(a.chats) < len(best.chats) ||
				len(a.chats) == len(best.chats) && a.lastAssigned.Before(best.lastAssigned) {
				best = a
			}
		}
		if best != nil {
			return w, best
		}
	}
	return nil, nil
}

// queueItems is the console's view of the queue. d.mu must be held.
func (e *Engine) queueItems() []QueueItem {
	now := e.clock.Now()
	pos := map[string]int{}
	items := []QueueItem{} // never nil: an empty queue is still the Queue field set
	for _, w := range e.ordered() {
		pos[w.queue]++
		items = append(items, QueueItem{
			ConversationID: w.conv, Queue: w.queue, Reason: w.reason, Waiting: now.Sub(w.since),
			Position: pos[w.queue], Locale: w.locale, Verified: w.verified, Left: e.left(w, now),
			Channel: w.channel, From: w.from,
		})
	}
	return items
}

// estimate is the expected wait at a position in a queue: the median of
// recent waits, spread over the agents working it. Zero when unknown.
func (e *Engine) estimate(queue string, position int) time.Duration {
	d := e.desk
	ws := slices.Clone(d.waits[queue])
	if len(ws) == 0 {
		return 0
	}
	slices.Sort(ws)
	median := ws[len(ws)/2]
	agents := 0
	for _, a := range d.agents {
		if a.available && len(a.clients) > 0 && serves(a, queue) {
			agents++
		}
	}
	est := median * time.Duration(position) / time.Duration(max(1, agents))
	return max(est, time.Second)
}
