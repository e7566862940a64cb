package notify_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/connectors/notify"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// runSender starts s.Run and stops it when the test ends, checking that
// Run returns nil promptly.
func runSender(t *testing.T, s *notify.Sender) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: got %v, want nil on cancel", err)
				}
			case <-time.After(testWait):
				t.Error("Run did not return after cancel")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func delivery(id, channel string) bot.Delivery {
	to := "jane.roe@example.com"
	if channel == notify.ChannelSMS {
		to = "+15551234567"
	}
	return bot.Delivery{ID: id, Channel: channel, To: to, Subject: "Your code", Text: "Your Portico code is 123456."}
}

var errTemporary = &notify.SendError{Transport: "fake", Stage: "data", Status: 451}

func TestSenderRetriesWithBackoff(t *testing.T) {
	clock := bot.NewManualClock(t0)
	o := newFakeOutbox()
	email := &fakeTransport{results: []error{errTemporary, errTemporary}}
	var attempts []int
	s := notify.NewSender(o, notify.SenderConfig{
		Email:        email,
		PollInterval: time.Hour, // only kicks wake it
		MaxAttempts:  5,
		Backoff: func(n int) time.Duration {
			attempts = append(attempts, n)
			return time.Duration(n) * time.Minute
		},
		Clock: clock,
	}, zerolog.Nop())
	o.add(delivery("d1", notify.ChannelEmail), t0)
	runSender(t, s)

	ev := o.expect(t, "failed", "d1")
	if ev.giveUp || !ev.next.Equal(t0.Add(time.Minute)) {
		t.Fatalf("attempt 1: got giveUp %v next %v, want a retry at %v", ev.giveUp, ev.next, t0.Add(time.Minute))
	}

	// Not yet due: a kick finds nothing to do.
	o.drainPolls(t)
	s.Kick()
	o.quiet(t)
	clock.Advance(59 * time.Second)
	s.Kick()
	o.quiet(t)
	if got := email.calls(); got != 1 {
		t.Fatalf("transport called %d times before the retry was due, want 1", got)
	}

	clock.Advance(time.Second)
	s.Kick()
	ev = o.expect(t, "failed", "d1")
	if want := clock.Now().Add(2 * time.Minute); ev.giveUp || !ev.next.Equal(want) {
		t.Fatalf("attempt 2: got giveUp %v next %v, want a retry at %v", ev.giveUp, ev.next, want)
	}

	clock.Advance(2 * time.Minute)
	s.Kick()
	o.expect(t, "sent", "d1")
	if got := o.item("d1").sentAt; !got.Equal(clock.Now()) {
		t.Errorf("sent at %v, want %v", got, clock.Now())
	}
	if !slices.Equal(attempts, []int{1, 2}) {
		t.Errorf("backoff asked for attempts %v, want [1 2]", attempts)
	}
}

func TestSenderGivesUpAfterMaxAttempts(t *testing.T) {
	clock := bot.NewManualClock(t0)
	o := newFakeOutbox()
	sms := &fakeTransport{send: func(context.Context, bot.Delivery) error { return errTemporary }}
	s := notify.NewSender(o, notify.SenderConfig{
		SMS: sms, PollInterval: time.Hour, MaxAttempts: 3, Clock: clock,
		Backoff: func(int) time.Duration { return time.Second },
	}, zerolog.Nop())
	o.add(delivery("d1", notify.ChannelSMS), t0)
	runSender(t, s)

	for attempt := 1; attempt <= 3; attempt++ {
		if attempt > 1 {
			clock.Advance(time.Second)
			s.Kick()
		}
		ev := o.expect(t, "failed", "d1")
		if wantGiveUp := attempt == 3; ev.giveUp != wantGiveUp || ev.attempt != attempt {
			t.Fatalf("attempt %d: got attempt %d giveUp %v, want giveUp %v", attempt, ev.attempt, ev.giveUp, wantGiveUp)
		}
		if ev.reason != "fake data: status 451" {
			t.Errorf("reason: got %q, want %q", ev.reason, "fake data: status 451")
		}
	}
	clock.Advance(time.Hour)
	o.drainPolls(t)
	s.Kick()
	o.quiet(t)
}

func TestSenderDoesNotRetryPermanentErrors(t *testing.T) {
	clock := bot.NewManualClock(t0)
	o := newFakeOutbox()
	perm := &notify.SendError{Transport: "fake", Stage: "rcpt", Status: 550, Permanent: true}
	email := &fakeTransport{results: []error{perm, fmt.Errorf("wrapped: %w", notify.ErrPermanent)}}
	s := notify.NewSender(o, notify.SenderConfig{Email: email, PollInterval: time.Hour, MaxAttempts: 10, Clock: clock}, zerolog.Nop())
	o.add(delivery("d1", notify.ChannelEmail), t0)
	o.add(delivery("d2", notify.ChannelEmail), t0)
	runSender(t, s)

	for _, id := range []string{"d1", "d2"} {
		if ev := o.expect(t, "failed", id); !ev.giveUp || ev.attempt != 1 {
			t.Errorf("%s: got attempt %d giveUp %v, want to give up at once", id, ev.attempt, ev.giveUp)
		}
	}
	clock.Advance(24 * time.Hour)
	o.drainPolls(t)
	s.Kick()
	o.quiet(t)
	if got := email.calls(); got != 2 {
		t.Errorf("transport called %d times, want 2", got)
	}
}

func TestSenderChannels(t *testing.T) {
	tests := []struct {
		name      string
		email     bool // an email transport is configured
		dev       bool
		channel   string
		wantEvent string // "sent" or "failed"
		wantDev   bool   // a copy is in the dev outbox
		wantSent  int    // calls to the email transport
	}{
		{"email sent", true, false, notify.ChannelEmail, "sent", false, 1},
		{"email sent, copied to dev outbox", true, true, notify.ChannelEmail, "sent", true, 1},
		{"no sms transport, dev outbox counts", true, true, notify.ChannelSMS, "sent", true, 0},
		{"no sms transport, no dev outbox", true, false, notify.ChannelSMS, "failed", false, 0},
		{"no transport at all in demo", false, true, notify.ChannelEmail, "sent", true, 0},
		{"unknown channel", true, true, "pigeon", "failed", false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := bot.NewManualClock(t0)
			o := newFakeOutbox()
			email := &fakeTransport{}
			c := notify.SenderConfig{PollInterval: time.Hour, Clock: clock}
			if tt.email {
				c.Email = email
			}
			if tt.dev {
				c.Dev = notify.NewDevOutboxCap(notify.DevOutboxCap)
			}
			d := delivery("d1", tt.channel)
			o.add(d, t0)
			runSender(t, notify.NewSender(o, c, zerolog.Nop()))

			ev := o.expect(t, tt.wantEvent, "d1")
			if tt.wantEvent == "failed" && !ev.giveUp {
				t.Errorf("got a retry, want to give up: %q", ev.reason)
			}
			if got := email.calls(); got != tt.wantSent {
				t.Errorf("email transport called %d times, want %d", got, tt.wantSent)
			}
			if c.Dev != nil {
				all := c.Dev.All()
				if got := len(all) == 1; got != tt.wantDev {
					t.Fatalf("dev outbox holds %d, want copy %v", len(all), tt.wantDev)
				}
				if tt.wantDev {
					want := notify.Sent{To: d.To, Channel: d.Channel, Subject: d.Subject, Text: d.Text, At: t0}
					if all[0] != want {
						t.Errorf("dev copy: got %+v, want %+v", all[0], want)
					}
				}
			}
		})
	}
}

func TestSenderKickWakesWithoutWaiting(t *testing.T) {
	o := newFakeOutbox()
	clock := bot.NewManualClock(t0)
	s := notify.NewSender(o, notify.SenderConfig{Email: &fakeTransport{}, PollInterval: time.Hour, Clock: clock}, zerolog.Nop())
	runSender(t, s)
	o.quiet(t) // the first look, at start

	o.add(delivery("d1", notify.ChannelEmail), t0)
	s.Kick()
	o.expect(t, "sent", "d1")
}

func TestSenderKickNeverBlocks(t *testing.T) {
	s := notify.NewSender(newFakeOutbox(), notify.SenderConfig{}, zerolog.Nop())
	for range 100 { // nobody is running: the kicks coalesce
		s.Kick()
	}
}

func TestSenderPollsOnInterval(t *testing.T) {
	o := newFakeOutbox()
	s := notify.NewSender(o, notify.SenderConfig{Email: &fakeTransport{}, PollInterval: 20 * time.Millisecond, Clock: bot.NewManualClock(t0)}, zerolog.Nop())
	runSender(t, s)
	o.quiet(t)
	o.add(delivery("d1", notify.ChannelEmail), t0)
	o.expect(t, "sent", "d1") // no kick
}

func TestSenderDrainsMoreThanOneBatch(t *testing.T) {
	o := newFakeOutbox()
	email := &fakeTransport{}
	for i := range 7 {
		o.add(delivery(fmt.Sprint("d", i), notify.ChannelEmail), t0)
	}
	s := notify.NewSender(o, notify.SenderConfig{Email: email, Batch: 3, PollInterval: time.Hour, Clock: bot.NewManualClock(t0)}, zerolog.Nop())
	runSender(t, s)
	for i := range 7 {
		o.expect(t, "sent", fmt.Sprint("d", i))
	}
	o.mu.Lock()
	limits := slices.Clone(o.limits)
	o.mu.Unlock()
	if len(limits) == 0 || limits[0] != 3 {
		t.Errorf("batch limits: got %v, want 3", limits)
	}
}

func TestSenderZeroBackoffDoesNotSpin(t *testing.T) {
	o := newFakeOutbox()
	email := &fakeTransport{send: func(context.Context, bot.Delivery) error { return errTemporary }}
	s := notify.NewSender(o, notify.SenderConfig{Email: email, Batch: 1, PollInterval: time.Hour, MaxAttempts: 100,
		Clock: bot.NewManualClock(t0), Backoff: func(int) time.Duration { return 0 }}, zerolog.Nop())
	o.add(delivery("d1", notify.ChannelEmail), t0)
	runSender(t, s)
	o.expect(t, "failed", "d1")
	o.quiet(t) // the batch was full, so it looked again: d1 is due but was tried
	if it := o.item("d1"); it.p.Attempts != 1 {
		t.Fatalf("attempts: got %d, want 1 until woken again", it.p.Attempts)
	}
	s.Kick()
	if ev := o.expect(t, "failed", "d1"); ev.attempt != 2 {
		t.Errorf("after a kick: got attempt %d, want 2", ev.attempt)
	}
}

func TestSenderSurvivesOutboxErrors(t *testing.T) {
	o := newFakeOutbox()
	o.dueErr = errors.New("database is locked")
	logs := &syncBuffer{}
	s := notify.NewSender(o, notify.SenderConfig{Email: &fakeTransport{}, PollInterval: time.Hour, Clock: bot.NewManualClock(t0)}, zerolog.New(logs))
	o.add(delivery("d1", notify.ChannelEmail), t0)
	stop := runSender(t, s)
	o.quiet(t) // the failed poll
	s.Kick()
	o.expect(t, "sent", "d1")
	stop()
	if !strings.Contains(logs.String(), "database is locked") {
		t.Errorf("logs lack the outbox error: %s", logs)
	}
}

func TestSenderRunStopsOnCancel(t *testing.T) {
	t.Run("idle", func(t *testing.T) {
		o := newFakeOutbox()
		stop := runSender(t, notify.NewSender(o, notify.SenderConfig{PollInterval: time.Hour}, zerolog.Nop()))
		o.quiet(t)
		stop()
	})

	t.Run("in the middle of a send", func(t *testing.T) {
		o := newFakeOutbox()
		started := make(chan struct{})
		email := &fakeTransport{send: func(ctx context.Context, _ bot.Delivery) error {
			close(started)
			<-ctx.Done() // a send that never finishes on its own
			return ctx.Err()
		}}
		s := notify.NewSender(o, notify.SenderConfig{Email: email, PollInterval: time.Hour, SendTimeout: time.Hour, Clock: bot.NewManualClock(t0)}, zerolog.Nop())
		o.add(delivery("d1", notify.ChannelEmail), t0)
		stop := runSender(t, s)
		<-started
		stop()
		// The interrupted attempt says nothing about the delivery: it stays
		// due, uncounted, for the next start.
		if it := o.item("d1"); it.done || it.p.Attempts != 0 {
			t.Errorf("got done %v attempts %d, want the delivery left as it was", it.done, it.p.Attempts)
		}
	})

	t.Run("a finished send is recorded though shutdown began", func(t *testing.T) {
		o := newFakeOutbox()
		ctx, cancel := context.WithCancel(context.Background())
		email := &fakeTransport{send: func(context.Context, bot.Delivery) error {
			cancel() // shutdown begins as the server accepts the message
			return nil
		}}
		s := notify.NewSender(o, notify.SenderConfig{Email: email, PollInterval: time.Hour, Clock: bot.NewManualClock(t0)}, zerolog.Nop())
		o.add(delivery("d1", notify.ChannelEmail), t0)
		if err := s.Run(ctx); err != nil {
			t.Fatalf("Run: %v", err)
		}
		if it := o.item("d1"); !it.done || it.gaveUp {
			t.Errorf("got done %v gaveUp %v, want it recorded as sent", it.done, it.gaveUp)
		}
	})
}

func TestSenderSendTimeout(t *testing.T) {
	o := newFakeOutbox()
	email := &fakeTransport{send: func(ctx context.Context, _ bot.Delivery) error {
		<-ctx.Done()
		return &notify.SendError{Transport: "fake", Stage: "data", Err: ctx.Err()}
	}}
	logs := &syncBuffer{}
	s := notify.NewSender(o, notify.SenderConfig{Email: email, PollInterval: time.Hour, SendTimeout: 50 * time.Millisecond,
		Clock: bot.NewManualClock(t0)}, zerolog.New(logs))
	o.add(delivery("d1", notify.ChannelEmail), t0)
	stop := runSender(t, s)
	if ev := o.expect(t, "failed", "d1"); ev.giveUp {
		t.Errorf("a timeout gave up, want a retry")
	}
	stop() // the log line follows MarkFailed
	if !strings.Contains(logs.String(), `"error_class":"timeout"`) {
		t.Errorf("logs lack error_class timeout: %s", logs)
	}
}

func TestSenderLogsNoRecipientNorText(t *testing.T) {
	o := newFakeOutbox()
	clock := bot.NewManualClock(t0)
	// A careless transport that quotes the recipient and the text.
	leaky := &fakeTransport{send: func(_ context.Context, d bot.Delivery) error {
		if d.ID == "bad" {
			return fmt.Errorf("rejected %s: %q (%s)", d.To, d.Text, d.Subject)
		}
		return nil
	}}
	logs := &syncBuffer{}
	dev := notify.NewDevOutboxCap(notify.DevOutboxCap)
	s := notify.NewSender(o, notify.SenderConfig{Email: leaky, Dev: dev, PollInterval: time.Hour, Clock: clock, MaxAttempts: 2}, zerolog.New(logs))
	good := delivery("good", notify.ChannelEmail)
	bad := delivery("bad", notify.ChannelEmail)
	bad.To, bad.Subject, bad.Text = "canary.person@example.com", "Canary subject 7f3a", "Canary code 918273"
	o.add(good, t0)
	o.add(bad, t0)
	stop := runSender(t, s)
	o.expect(t, "sent", "good")
	ev := o.expect(t, "failed", "bad")
	stop()

	out := logs.String()
	for _, secret := range []string{good.To, good.Text, good.Subject, bad.To, bad.Text, bad.Subject, "918273"} {
		if strings.Contains(out, secret) {
			t.Errorf("logs hold %q:\n%s", secret, out)
		}
		if strings.Contains(ev.reason, secret) {
			t.Errorf("stored reason %q holds %q", ev.reason, secret)
		}
	}
	for _, want := range []string{`"delivery":"good"`, `"delivery":"bad"`, `"channel":"email"`, `"attempt":1`,
		`"outcome":"sent"`, `"outcome":"retry"`, `"error_class":"temporary"`} {
		if !strings.Contains(out, want) {
			t.Errorf("logs lack %s:\n%s", want, out)
		}
	}
}

// TestSenderGivesUpWithheldDeliveries: a delivery the engine withheld (a
// code for nobody, or over a record's limits) is never handed to a
// transport; the sender gives it up with the reason.
func TestSenderGivesUpWithheldDeliveries(t *testing.T) {
	o := newFakeOutbox()
	email := &fakeTransport{}
	s := notify.NewSender(o, notify.SenderConfig{Email: email, PollInterval: time.Hour, Clock: bot.NewManualClock(t0)}, zerolog.Nop())
	d := delivery("w1", notify.ChannelEmail)
	d.Withheld = "record_throttled"
	o.add(d, t0)
	runSender(t, s)

	ev := o.expect(t, "failed", "w1")
	if !ev.giveUp || ev.reason != "withheld: record_throttled" {
		t.Errorf("withheld delivery: got giveUp %v, reason %q; want given up as withheld: record_throttled", ev.giveUp, ev.reason)
	}
	if n := email.calls(); n != 0 {
		t.Errorf("the transport was called %d times for a withheld delivery, want 0", n)
	}
}
