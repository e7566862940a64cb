package flowadmin

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/flowtest"
)

// Sandbox limits.
const (
	// SandboxIdle is how long an unused sandbox lives.
	SandboxIdle = 30 * time.Minute
	// MaxSandboxes bounds the sandboxes open at once (each holds a store
	// and an engine).
	MaxSandboxes = 8
	// maxSandboxDeliveries bounds the outbox rows read back per turn.
	maxSandboxDeliveries = 1000
	// sandboxSource is the client address of sandbox conversations
	// (TEST-NET-2, never routable).
	sandboxSource = "198.51.100.1"
)

// SandboxMessage is one bot message of a sandbox conversation.
type SandboxMessage struct {
	From    string      `json:"from"`
	Text    string      `json:"text"`
	Replies []bot.Reply `json:"replies,omitempty"`
	Input   *bot.Input  `json:"input,omitempty"`
}

// SandboxDelivery is a code or notice the sandbox's outbox captured; it
// is never sent.
type SandboxDelivery struct {
	Channel string `json:"channel"`
	To      string `json:"to"`
	Subject string `json:"subject,omitempty"`
	Text    string `json:"text"`
}

// SandboxTurn is what a sandbox said and where it stands after a turn.
type SandboxTurn struct {
	ID         string            `json:"id"`
	Flow       string            `json:"flow"`
	Messages   []SandboxMessage  `json:"messages"`
	State      string            `json:"state"`  // flow.state
	Status     string            `json:"status"` // bot, queued, closed
	Deliveries []SandboxDelivery `json:"deliveries"`
	ExpiresAt  time.Time         `json:"expires_at"`
}

// sandbox is one conversation with a draft on its own database of test
// patients. Its mutex serialises its turns.
type sandbox struct {
	mu        sync.Mutex
	id, owner string
	flow      string
	env       *flowtest.Env
	conv      string
	rec       *flowtest.Recorder
	delivered int       // outbox rows already shown
	used      time.Time // last turn
}

// sandboxes holds the open sandboxes.
type sandboxes struct {
	s  *Service
	mu sync.Mutex
	m  map[string]*sandbox
}

func newSandboxes(s *Service) *sandboxes { return &sandboxes{s: s, m: map[string]*sandbox{}} }

// StartSandbox starts a conversation with flow name's draft (or, without
// a draft, its published version) on a fresh database of test patients
// with a capturing outbox. Only who may talk to it. ERATELIMITED when
// MaxSandboxes are open.
func (s *Service) StartSandbox(ctx context.Context, name string, who Actor) (SandboxTurn, error) {
	src, err := s.sandboxSource(ctx, name)
	if err != nil {
		return SandboxTurn{}, err
	}
	if ps := s.Validate(name, src); len(ps) > 0 {
		return SandboxTurn{}, bot.Errorf(bot.EINVALID, "the draft has %d problems; fix them to try it", len(ps))
	}
	sb := &sandbox{id: rand.Text(), owner: who.Who, flow: name, rec: &flowtest.Recorder{}, used: s.cfg.Now()}
	if err := s.sandboxes.add(sb); err != nil {
		return SandboxTurn{}, err
	}
	sb.mu.Lock()
	defer sb.mu.Unlock()
	if err := s.openSandbox(ctx, sb, src); err != nil {
		s.sandboxes.remove(sb.id)
		return SandboxTurn{}, err
	}
	return s.turn(ctx, sb)
}

func (s *Service) sandboxSource(ctx context.Context, name string) ([]byte, error) {
	d, err := s.store.FlowDraft(ctx, name)
	if err == nil {
		return d.Source, nil
	}
	if bot.ErrorCode(err) != bot.ENOTFOUND {
		return nil, err
	}
	f, ok := s.fl.Current(name)
	if !ok {
		return nil, bot.Errorf(bot.ENOTFOUND, "there is no flow %q", name)
	}
	return f.Source, nil
}

func (s *Service) openSandbox(ctx context.Context, sb *sandbox, src []byte) error {
	env, err := s.cfg.Envs(ctx, s.fl.Sources(map[string][]byte{sb.flow: src}))
	if err != nil {
		return fmt.Errorf("start sandbox: %w", err)
	}
	sb.env = env
	w, err := env.Engine.Hello(ctx, bot.Hello{Locale: "en", Start: sb.flow, Source: sandboxSource}, sb.rec)
	if err != nil {
		sb.close()
		return fmt.Errorf("start sandbox: %w", err)
	}
	sb.conv = w.ConversationID
	return nil
}

// SandboxSay takes the patient's turn in a sandbox: text, or a quick
// reply's value. ENOTFOUND for an unknown, expired or someone else's
// sandbox.
func (s *Service) SandboxSay(ctx context.Context, id string, who Actor, text, reply string) (SandboxTurn, error) {
	sb, err := s.sandboxes.get(id, who.Who)
	if err != nil {
		return SandboxTurn{}, err
	}
	sb.mu.Lock()
	defer sb.mu.Unlock()
	if sb.env == nil {
		return SandboxTurn{}, bot.Errorf(bot.ENOTFOUND, "this sandbox has ended; start a new one")
	}
	sb.used = s.cfg.Now()
	say := bot.Say{ID: rand.Text(), Text: text, Reply: reply, Source: sandboxSource}
	if err := sb.env.Engine.Say(ctx, sb.conv, sb.rec, say); err != nil {
		return SandboxTurn{}, err
	}
	return s.turn(ctx, sb)
}

// EndSandbox closes a sandbox and deletes its database.
func (s *Service) EndSandbox(id string, who Actor) error {
	sb, err := s.sandboxes.get(id, who.Who)
	if err != nil {
		return err
	}
	s.sandboxes.remove(sb.id)
	sb.mu.Lock()
	defer sb.mu.Unlock()
	sb.close()
	return nil
}

// turn gathers what the sandbox said since the last turn.
func (s *Service) turn(ctx context.Context, sb *sandbox) (SandboxTurn, error) {
	t := SandboxTurn{ID: sb.id, Flow: sb.flow, Messages: []SandboxMessage{}, Deliveries: []SandboxDelivery{},
		ExpiresAt: sb.used.Add(SandboxIdle).UTC()}
	for _, m := range flowtest.Messages(sb.rec.Take()) {
		if m.From == bot.FromPatient {
			continue
		}
		t.Messages = append(t.Messages, SandboxMessage{From: string(m.From), Text: m.Text, Replies: m.Replies, Input: m.Input})
	}
	c, err := sb.env.Store.Conversation(ctx, sb.conv)
	if err != nil {
		return t, fmt.Errorf("sandbox state: %w", err)
	}
	t.State, t.Status = c.Flow+"."+c.State, string(c.Status)
	due, err := sb.env.Store.DueDeliveries(ctx, sb.env.Clock.Now().Add(24*time.Hour), maxSandboxDeliveries)
	if err != nil {
		return t, fmt.Errorf("sandbox outbox: %w", err)
	}
	var mine []bot.Delivery
	for _, d := range due {
		if strings.HasPrefix(d.Key, sb.conv+":") && d.Withheld == "" { // withheld: never sent
			mine = append(mine, d.Delivery)
		}
	}
	for _, d := range mine[min(sb.delivered, len(mine)):] {
		t.Deliveries = append(t.Deliveries, SandboxDelivery{Channel: d.Channel, To: d.To, Subject: d.Subject, Text: d.Text})
	}
	sb.delivered = len(mine)
	return t, nil
}

func (sb *sandbox) close() {
	if sb.env != nil {
		sb.env.Close() // a throw-away store: nothing to save if closing fails
		sb.env = nil
	}
}

// add registers a sandbox after sweeping expired ones.
func (x *sandboxes) add(sb *sandbox) error {
	x.sweep()
	x.mu.Lock()
	defer x.mu.Unlock()
	if len(x.m) >= MaxSandboxes {
		return bot.Errorf(bot.ERATELIMITED, "%d sandboxes are open; wait for one to expire or end one", MaxSandboxes)
	}
	x.m[sb.id] = sb
	return nil
}

// get returns an open sandbox of owner's.
func (x *sandboxes) get(id, owner string) (*sandbox, error) {
	x.sweep()
	x.mu.Lock()
	defer x.mu.Unlock()
	sb := x.m[id]
	if sb == nil || sb.owner != owner {
		return nil, bot.Errorf(bot.ENOTFOUND, "no such sandbox; it may have expired")
	}
	return sb, nil
}

func (x *sandboxes) remove(id string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	delete(x.m, id)
}

// sweep closes sandboxes idle for SandboxIdle.
func (x *sandboxes) sweep() {
	now := x.s.cfg.Now()
	x.mu.Lock()
	var idle []*sandbox
	for id, sb := range x.m {
		if sb.mu.TryLock() { // one in a turn is in use
			if now.Sub(sb.used) >= SandboxIdle {
				idle = append(idle, sb)
				delete(x.m, id)
			}
			sb.mu.Unlock()
		}
	}
	x.mu.Unlock()
	for _, sb := range idle {
		sb.mu.Lock()
		sb.close()
		sb.mu.Unlock()
	}
}

// SweepSandboxes closes idle sandboxes; Run calls it, and so does every
// sandbox call.
func (s *Service) SweepSandboxes() { s.sandboxes.sweep() }

// OpenSandboxes returns how many sandboxes are open.
func (s *Service) OpenSandboxes() int {
	s.sandboxes.mu.Lock()
	defer s.sandboxes.mu.Unlock()
	return len(s.sandboxes.m)
}

// sandboxSweepEvery is how often Run closes idle sandboxes.
const sandboxSweepEvery = time.Minute

// Run closes idle sandboxes every minute until ctx ends, then closes them
// all.
func (s *Service) Run(ctx context.Context) error {
	t := time.NewTicker(sandboxSweepEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			s.sandboxes.closeAll()
			return nil
		case <-t.C:
			s.sandboxes.sweep()
		}
	}
}

func (x *sandboxes) closeAll() {
	x.mu.Lock()
	all := x.m
	x.m = map[string]*sandbox{}
	x.mu.Unlock()
	for _, sb := range all {
		sb.mu.Lock()
		sb.close()
		sb.mu.Unlock()
	}
}
