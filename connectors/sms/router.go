package sms

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
)

// Engine is what the router needs of bot.Engine.
type Engine interface {
	Hello(ctx context.Context, h bot.Hello, c bot.Client) (bot.Welcome, error)
	Say(ctx context.Context, conversationID string, c bot.Client, s bot.Say) error
	Detach(conversationID string, c bot.Client)
}

// Sessions keeps which conversation each pair of numbers is in, and the
// segments texts cost. The store implements it.
type Sessions interface {
	// SMSSession returns the conversation last opened for pair (our
	// number, ":", the patient's), or an ENOTFOUND error.
	SMSSession(ctx context.Context, pair string) (string, error)
	// SetSMSSession makes conversationID the pair's conversation.
	SetSMSSession(ctx context.Context, pair, conversationID string, at time.Time) error
	// RecordSMSSegments records the cost of one text: direction "in" or
	// "out", the segments it took, in conversationID ("" if none).
	RecordSMSSegments(ctx context.Context, conversationID, direction string, segments int, at time.Time) error
}

// Conversations reads a conversation; the store implements it.
type Conversations interface {
	Conversation(ctx context.Context, id string) (*bot.Conversation, error)
}

// Queue queues a delivery outside any turn; the store implements it. A
// delivery whose key was queued before is dropped.
type Queue interface {
	Enqueue(ctx context.Context, d bot.Delivery) error
}

// Metrics counts texts by channel; connectors/metrics implements it.
type Metrics interface {
	SMSIn(segments int)
}

// RouterConfig configures the router.
type RouterConfig struct {
	// SessionIdle is how long a conversation waits for the patient's next
	// text (sms.session_idle); DefaultSessionIdle if zero.
	SessionIdle time.Duration
	// Locale of new conversations (the patient can switch, as on the web).
	Locale string
	// SourceKey keys the pseudonym a conversation's audit rows and
	// per-source limits use for the sender's number ("sms:" and 16 hex
	// digits), so that neither holds the number.
	SourceKey []byte
	Clock     bot.Clock
	// Kick wakes the outbox sender after a keyword's reply is queued; nil
	// leaves it to its next poll.
	Kick func()
}

// Router is the engine's side of the inbound webhook (Inbox): it finds or
// opens the conversation of (our number, the patient's), and has the
// engine take the message as the patient's say, under the message's SID,
// so that a message delivered twice is taken once.
type Router struct {
	cfg      RouterConfig
	engine   Engine
	sessions Sessions
	convs    Conversations
	queue    Queue
	metrics  Metrics
	log      zerolog.Logger

	mu    sync.Mutex
	pairs map[string]*pairLock
}

// pairLock serialises the messages of one pair of numbers in this
// process, so two deliveries of a first message open one conversation.
type pairLock struct {
	mu   sync.Mutex
	refs int
}

var _ Inbox = (*Router)(nil)

// NewRouter returns the router; metrics may be nil.
func NewRouter(c RouterConfig, e Engine, s Sessions, convs Conversations, q Queue, m Metrics, log zerolog.Logger) *Router {
	if c.SessionIdle <= 0 {
		c.SessionIdle = DefaultSessionIdle
	}
	if c.Clock == nil {
		c.Clock = bot.SystemClock{}
	}
	return &Router{cfg: c, engine: e, sessions: s, convs: convs, queue: q, metrics: m, log: log, pairs: map[string]*pairLock{}}
}

// SayID is the say id an inbound message is stored under.
func SayID(sid string) string { return "sms:" + sid }

// Inbound implements Inbox.
func (r *Router) Inbound(ctx context.Context, m Message) error {
	pair := m.Conversation()
	unlock := r.lock(pair)
	defer unlock()
	if r.metrics != nil {
		r.metrics.SMSIn(max(m.Segments, 1))
	}
	if m.Reply != "" {
		d := bot.Delivery{Channel: bot.DeliverSMS, To: m.From, From: m.To, Text: m.Reply, Key: m.ReplyKey}
		if err := r.queue.Enqueue(ctx, d); err != nil {
			return fmt.Errorf("queue keyword reply: %w", err)
		}
		if r.cfg.Kick != nil {
			r.cfg.Kick()
		}
	}
	if !m.RunFlow && m.Keyword != NoKeyword {
		r.segments(ctx, "", m) // a keyword: answered above, part of no conversation
		return nil
	}
	id, err := r.current(ctx, pair)
	if err != nil {
		return err
	}
	say := bot.Say{ID: SayID(m.SID), Text: m.Body, Source: r.source(m.From), Pick: Choose, Texted: true, RecordOnly: !m.RunFlow}
	if say.Text == "" {
		say.Text = "?" // an empty text (a picture alone) is still the patient's turn
	}
	if !m.RunFlow && id == "" {
		r.segments(ctx, "", m) // opted out, and no conversation to keep it in: nothing is opened for it
		return nil
	}
	if id == "" {
		w, err := r.engine.Hello(ctx, bot.Hello{
			Locale: r.cfg.Locale, Source: say.Source, Channel: bot.ChannelSMS, Peer: m.From, Line: m.To,
			First: &say,
		}, nobody{})
		if err != nil {
			return fmt.Errorf("open sms conversation: %w", err)
		}
		r.engine.Detach(w.ConversationID, nobody{})
		if err := r.sessions.SetSMSSession(ctx, pair, w.ConversationID, m.Received); err != nil {
			return err
		}
		id = w.ConversationID
	} else if err := r.engine.Say(ctx, id, nil, say); err != nil {
		return fmt.Errorf("sms say: %w", err)
	}
	r.segments(ctx, id, m)
	return nil
}

// segments records what an inbound text cost, in its conversation ("" for
// none). A failure is logged: the text itself was taken.
func (r *Router) segments(ctx context.Context, conversationID string, m Message) {
	if err := r.sessions.RecordSMSSegments(ctx, conversationID, "in", max(m.Segments, 1), m.Received); err != nil {
		r.log.Warn().Err(err).Msg("sms: record segments")
	}
}

// current returns the pair's conversation if it is still open and the
// patient's last text is less than SessionIdle ago, or "" for a new one.
func (r *Router) current(ctx context.Context, pair string) (string, error) {
	id, err := r.sessions.SMSSession(ctx, pair)
	switch {
	case bot.ErrorCode(err) == bot.ENOTFOUND:
		return "", nil
	case err != nil:
		return "", fmt.Errorf("sms session: %w", err)
	}
	c, err := r.convs.Conversation(ctx, id)
	switch {
	case bot.ErrorCode(err) == bot.ENOTFOUND:
		return "", nil
	case err != nil:
		return "", fmt.Errorf("sms conversation: %w", err)
	}
	if c.Status == bot.StatusClosed || r.cfg.Clock.Now().Sub(c.UpdatedAt) > r.cfg.SessionIdle {
		return "", nil
	}
	return id, nil
}

// source is the pseudonym of a sender's number in audit rows and
// per-source limits.
func (r *Router) source(number string) string {
	mac := hmac.New(sha256.New, r.cfg.SourceKey)
	mac.Write([]byte(number))
	return "sms:" + hex.EncodeToString(mac.Sum(nil))[:16]
}

func (r *Router) lock(pair string) func() {
	r.mu.Lock()
	l := r.pairs[pair]
	if l == nil {
		l = &pairLock{}
		r.pairs[pair] = l
	}
	l.refs++
	r.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		r.mu.Lock()
		if l.refs--; l.refs == 0 {
			delete(r.pairs, pair)
		}
		r.mu.Unlock()
	}
}

// nobody is the client of an SMS conversation's opening: the patient is
// reached through the outbox (Channel), never told directly.
type nobody struct{}

func (nobody) Deliver(bot.Event) bool { return true }
