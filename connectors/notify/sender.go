// Package notify delivers one-time codes and notices from the outbox
// (bot.Outbox): SMTP email, an SMS gateway with a Twilio-compatible REST
// API, and in demo mode a dev outbox.
package notify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
)

// Transport sends one message on one channel. Its errors are logged and
// stored as the delivery's failure reason, so they must not quote the
// recipient or the text; a permanent failure wraps ErrPermanent.
type Transport interface {
	Send(ctx context.Context, d bot.Delivery) error
}

// Defaults of SenderConfig.
const (
	DefaultBatch        = 20
	DefaultPollInterval = 5 * time.Second
	DefaultMaxAttempts  = 10 // about 17 minutes of retries with the default backoff
	DefaultSendTimeout  = 45 * time.Second
	// markTimeout bounds recording an outcome, which goes ahead during
	// shutdown so that a message already sent is not sent again.
	markTimeout = 10 * time.Second
)

// SenderConfig configures the background sender.
type SenderConfig struct {
	Email Transport // nil: email not configured
	SMS   Transport // nil: SMS not configured
	// Dev, in demo mode, gets a copy of every delivery sent; for a channel
	// without a transport, recording it there counts as delivered.
	Dev          *DevOutbox
	Batch        int           // deliveries fetched at a time; DefaultBatch if zero
	PollInterval time.Duration // idle wait between polls; DefaultPollInterval if zero
	MaxAttempts  int           // attempts before giving up; DefaultMaxAttempts if zero
	// Backoff is the delay before retrying after failed attempt n (1-based);
	// ExponentialBackoff if nil.
	Backoff     func(attempt int) time.Duration
	SendTimeout time.Duration // per send; DefaultSendTimeout if zero
	Clock       bot.Clock     // bot.SystemClock if nil
	// Leases, when several processes send from one outbox, makes each
	// claim a delivery ("delivery:<id>", for claimTTL) before trying it,
	// so that a delivery read as due by two of them is tried by one. Nil:
	// this process is the only sender.
	Leases bot.Leases
}

// claimTTL is how long a claim on a delivery lasts: its send and the
// record of the outcome, with room to spare. A sender that dies holding one
// leaves the delivery to the others once it lapses.
func (c SenderConfig) claimTTL() time.Duration { return c.SendTimeout + markTimeout + time.Minute }

// Sender drains the outbox in the background: it sends what is due,
// records the outcome and schedules retries. Conversations never wait on
// it.
type Sender struct {
	o    bot.Outbox
	c    SenderConfig
	log  zerolog.Logger
	kick chan struct{}
}

// NewSender returns a sender for o. Start it with Run.
func NewSender(o bot.Outbox, c SenderConfig, log zerolog.Logger) *Sender {
	if c.Batch <= 0 {
		c.Batch = DefaultBatch
	}
	if c.PollInterval <= 0 {
		c.PollInterval = DefaultPollInterval
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.Backoff == nil {
		c.Backoff = ExponentialBackoff
	}
	if c.SendTimeout <= 0 {
		c.SendTimeout = DefaultSendTimeout
	}
	if c.Clock == nil {
		c.Clock = bot.SystemClock{}
	}
	return &Sender{o: o, c: c, log: log, kick: make(chan struct{}, 1)}
}

// Kick wakes the sender to look at the outbox now, typically right after
// a turn enqueued a delivery. It never blocks; kicks while the sender is
// busy coalesce into one more look.
func (s *Sender) Kick() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Run sends due deliveries until ctx is done, then returns nil. A send
// under way when ctx ends is abandoned and left due, to be retried on the
// next start; an outcome already known is still recorded. Outbox errors
// are logged and retried at the next poll. Call Run once.
func (s *Sender) Run(ctx context.Context) error {
	timer := time.NewTimer(s.c.PollInterval)
	defer timer.Stop()
	for {
		s.drain(ctx)
		timer.Reset(s.c.PollInterval)
		select {
		case <-ctx.Done():
			return nil
		case <-s.kick:
		case <-timer.C:
		}
	}
}

// drain sends batches of due deliveries until none is left. Each delivery
// is tried at most once per drain, so a zero backoff cannot spin.
func (s *Sender) drain(ctx context.Context) {
	tried := make(map[string]bool)
	for ctx.Err() == nil {
		due, err := s.o.DueDeliveries(ctx, s.c.Clock.Now(), s.c.Batch)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Error().Err(err).Msg("notify: read due deliveries")
			}
			return
		}
		fresh := 0
		for _, p := range due {
			if tried[p.ID] || ctx.Err() != nil {
				continue
			}
			tried[p.ID] = true
			fresh++
			if !s.deliver(ctx, p) {
				return // the outbox is failing; wait for the next poll
			}
		}
		if fresh == 0 || len(due) < s.c.Batch {
			return
		}
	}
}

// deliver makes one attempt at p and records the outcome. It returns false
// when the outcome could not be recorded.
func (s *Sender) deliver(ctx context.Context, p bot.PendingDelivery) bool {
	if s.c.Leases != nil {
		mine, err := s.c.Leases.Hold(ctx, "delivery:"+p.ID, s.c.claimTTL())
		if err != nil {
			s.log.Error().Err(err).Str("delivery", p.ID).Msg("notify: claim delivery")
			return false
		}
		if !mine {
			return true // another process is trying it
		}
	}
	if p.Withheld != "" {
		return s.withhold(ctx, p)
	}
	attempt := p.Attempts + 1
	sendCtx, cancel := context.WithTimeout(ctx, s.c.SendTimeout)
	outcome, err := s.send(sendCtx, p.Delivery)
	cancel()
	if err != nil && ctx.Err() != nil {
		// Shutting down: the failure says nothing about the delivery.
		s.log.Info().Str("delivery", p.ID).Str("channel", p.Channel).Int("attempt", attempt).
			Str("outcome", "interrupted").Msg("notify: send interrupted by shutdown")
		return true
	}

	now := s.c.Clock.Now()
	markCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), markTimeout)
	defer cancel()

	if err == nil {
		if merr := s.o.MarkSent(markCtx, p.ID, now); merr != nil {
			s.log.Error().Err(merr).Str("delivery", p.ID).Msg("notify: record sent delivery; it may be sent again")
			return false
		}
		s.log.Info().Str("delivery", p.ID).Str("channel", p.Channel).Int("attempt", attempt).
			Str("outcome", outcome).Msg("notify: delivered")
		return true
	}

	class := errorClass(err)
	giveUp := errors.Is(err, ErrPermanent) || attempt >= s.c.MaxAttempts
	next := now.Add(s.c.Backoff(attempt))
	reason := redact(err.Error(), p.To, p.Subject, p.Text)
	if merr := s.o.MarkFailed(markCtx, p.ID, reason, next, giveUp); merr != nil {
		s.log.Error().Err(merr).Str("delivery", p.ID).Msg("notify: record failed delivery")
		return false
	}
	ev := s.log.Warn()
	outcome = "retry"
	if giveUp {
		ev = s.log.Error()
		outcome = "gave_up"
	}
	ev = ev.Str("delivery", p.ID).Str("channel", p.Channel).Int("attempt", attempt).
		Str("outcome", outcome).Str("error_class", class).Str("error", reason)
	if !giveUp {
		ev = ev.Time("next", next)
	}
	ev.Msg("notify: delivery failed")
	return true
}

// Outcomes of a successful send, as logged.
const (
	outcomeSent = "sent"
	outcomeDev  = "dev_outbox"
)

// send routes d to its channel's transport and copies it to the dev
// outbox.
// withhold gives up, unsent, a delivery the engine queued only so that
// its turn wrote what a real send writes (a code for no record, or over a
// record's limits).
func (s *Sender) withhold(ctx context.Context, p bot.PendingDelivery) bool {
	markCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), markTimeout)
	defer cancel()
	if err := s.o.MarkFailed(markCtx, p.ID, "withheld: "+p.Withheld, s.c.Clock.Now(), true); err != nil {
		s.log.Error().Err(err).Str("delivery", p.ID).Msg("notify: record withheld delivery")
		return false
	}
	s.log.Debug().Str("delivery", p.ID).Str("channel", p.Channel).Str("outcome", "withheld").
		Str("why", p.Withheld).Msg("notify: not sent")
	return true
}

func (s *Sender) send(ctx context.Context, d bot.Delivery) (string, error) {
	var t Transport
	switch d.Channel {
	case ChannelEmail:
		t = s.c.Email
	case ChannelSMS:
		t = s.c.SMS
	default:
		return "", &SendError{Transport: "notify", Stage: "config", Permanent: true,
			Err: fmt.Errorf("unknown channel %q", d.Channel)}
	}
	if t == nil {
		if s.c.Dev == nil {
			return "", &SendError{Transport: "notify", Stage: "config", Permanent: true,
				Err: fmt.Errorf("channel %s is not configured", d.Channel)}
		}
		s.c.Dev.Record(d, s.c.Clock.Now())
		return outcomeDev, nil
	}
	if err := t.Send(ctx, d); err != nil {
		return "", err
	}
	if s.c.Dev != nil {
		s.c.Dev.Record(d, s.c.Clock.Now())
	}
	return outcomeSent, nil
}
