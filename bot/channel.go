package bot

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/portico-chat/portico/flows"
)

// A conversation runs on one channel (Conversation.Channel, fixed when it
// opens): the web widget today, SMS next. Not to be confused with the
// delivery channels of one-time codes and notices (channels.go).
//
// Every committed event goes to the clients attached to the conversation
// (Client): on the web those are the patient's sockets, and that is all
// the web channel needs. A channel whose patient is not attached renders
// what a turn says into outbox deliveries inside the same turn, before it
// is committed: the reply is then stored with the turn, survives a crash
// like the turn does, and goes out through the outbox sender.

// Channel is a medium that reaches the patient through the outbox.
// connectors/sms implements it for text messages; the web needs none.
type Channel interface {
	// Render returns the deliveries that take msgs (what the bot, an agent
	// or the system said in one turn, in order) to the patient of c. key
	// is the turn's idempotency key (conversation:step): every delivery's
	// Key must start with it, so that a turn computed again after a crash
	// queues nothing twice. Render runs under the conversation's lock and
	// must do no I/O.
	Render(c *Conversation, key string, msgs []Message) ([]Delivery, error)
}

// channelKnown reports whether the engine can run a conversation on name.
func (e *Engine) channelKnown(name string) bool {
	_, ok := e.channels[name]
	return name == ChannelWeb || ok
}

// stage adds to a turn, before it is committed, the deliveries its
// conversation's channel renders from what the turn says to the patient.
func (e *Engine) stage(t *turn) error {
	c := t.out.Conversation
	ch := e.channels[c.Channel]
	if ch == nil {
		return nil
	}
	var said []Message
	for _, m := range t.out.Messages {
		if m.From != FromPatient {
			said = append(said, m)
		}
	}
	if len(said) == 0 {
		return nil
	}
	ds, err := ch.Render(c, t.key, said)
	if err != nil {
		return fmt.Errorf("render for %s: %w", c.Channel, err)
	}
	for i, d := range ds {
		if len(d.Key) <= len(t.key) || d.Key[:len(t.key)+1] != t.key+":" {
			return fmt.Errorf("render for %s: delivery key %q is not under the turn's %q", c.Channel, d.Key, t.key)
		}
		if d.ID == "" {
			ds[i].ID = newID()
		}
	}
	// The replies go first: the outbox sends a turn's deliveries in the
	// order they are queued, one at a time, so a code queued before them
	// would delay them by the code's own send, and only when a record
	// matched (a code for none is withheld, and costs no provider call).
	// Queued first, the patient's replies arrive after the same time
	// either way (TestSMSCodeRequestSameRepliesAndTiming).
	t.out.Deliveries = append(ds, t.out.Deliveries...)
	return nil
}

// maskedPeer is where an outbox channel's patient is, as staff may see it:
// a number masked to its last 4 digits; "" on the web.
func maskedPeer(c *Conversation) string {
	if p := c.Peer(); p != "" {
		return MaskPhone(p)
	}
	return ""
}

// SecretTaker is an optional Channel capability: whether the channel can
// take the answer to a secret question (a new password) in some safe way.
// SMS can, by sending a link to the web chat instead of the question; a
// channel that does not implement it is assumed to take secrets.
type SecretTaker interface {
	TakesSecrets() bool
}

// RefuseSecretsOn makes fl refuse, from now on, any flow that asks a
// secret question while one of chs cannot take a secret (Check and
// PublishWith report it at the question), and reports the current flows
// that already do. Call it once at start, with the engine's channels.
func (fl *Flows) RefuseSecretsOn(chs map[string]Channel) error {
	var names []string
	for name, ch := range chs {
		if st, ok := ch.(SecretTaker); ok && !st.TakesSecrets() {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	fl.mu.Lock()
	fl.noSecrets = names
	set := fl.current
	fl.mu.Unlock()
	if ps := fl.secretProblems(set); len(ps) > 0 {
		return ps
	}
	return nil
}

// secretProblems lists the questions of set that ask for a secret on a
// channel that cannot take one.
func (fl *Flows) secretProblems(set *flows.Set) flows.Problems {
	fl.mu.RLock()
	refused := fl.noSecrets
	fl.mu.RUnlock()
	if len(refused) == 0 || set == nil {
		return nil
	}
	var ps flows.Problems
	for _, name := range set.Names() {
		f, _ := set.Get(name)
		for _, stName := range slices.Sorted(maps.Keys(f.States)) {
			st := f.States[stName]
			if st.Kind != flows.KindAsk || f.Slots[st.Ask] == nil || f.Slots[st.Ask].Type != flows.SlotSecret {
				continue
			}
			ps = append(ps, flows.Problem{File: f.File, Pos: st.Pos, Msg: fmt.Sprintf(
				"state %q asks for the secret %q, which conversations on %s cannot take: a secret never travels by text",
				stName, st.Ask, strings.Join(refused, ", "))})
		}
	}
	return ps
}
