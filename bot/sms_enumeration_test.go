package bot_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/connectors/directory/pad/padtest"
	"github.com/portico-chat/portico/connectors/notify"
	"github.com/portico-chat/portico/connectors/sms"
	"github.com/portico-chat/portico/flows"
)

// Numbers of the SMS enumeration tests: ours, Olivia's on file, a stranger's.
const (
	smsOurs     = "+13125550000"
	smsOlivia   = "+16175550111"
	smsStranger = "+17735550199"
)

// providerLatency is what the fake provider takes to accept a text: a
// real one takes 100 ms or more, so a code sent before a reply delays the
// reply by that much.
const providerLatency = 3 * time.Millisecond

// smsTolerance is the difference, match against no match, allowed in the
// time the patient waits for the reply to asking for a code by text.
const smsTolerance = time.Millisecond

// slowProvider is a transport that takes providerLatency for each text or
// mail.
type slowProvider struct{}

func (slowProvider) Send(ctx context.Context, d bot.Delivery) error {
	for start := time.Now(); time.Since(start) < providerLatency; {
	}
	return nil
}

// markedOutbox tells, by delivery id, when the sender has recorded an
// outcome (sent, or given up as withheld).
type markedOutbox struct {
	bot.Outbox
	mu   sync.Mutex
	wait map[string]chan struct{}
}

func (o *markedOutbox) expect(id string) chan struct{} {
	o.mu.Lock()
	defer o.mu.Unlock()
	ch := make(chan struct{})
	o.wait[id] = ch
	return ch
}

func (o *markedOutbox) done(id string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if ch := o.wait[id]; ch != nil {
		close(ch)
		delete(o.wait, id)
	}
}

func (o *markedOutbox) MarkSent(ctx context.Context, id string, at time.Time) error {
	err := o.Outbox.MarkSent(ctx, id, at)
	o.done(id)
	return err
}

func (o *markedOutbox) MarkFailed(ctx context.Context, id, reason string, next time.Time, giveUp bool) error {
	err := o.Outbox.MarkFailed(ctx, id, reason, next, giveUp)
	o.done(id)
	return err
}

// smsHarness is the harness's engine running SMS conversations with the
// real SMS channel, and a real outbox sender over a slow provider.
type smsHarness struct {
	*harness
	outbox *markedOutbox
	sender *notify.Sender
}

func newSMSHarness(t *testing.T) *smsHarness {
	h := newHarness(t)
	d := h.deps(h.env.Dir, h.flows(flows.Builtin()))
	d.Channels = map[string]bot.Channel{bot.ChannelSMS: &sms.Channel{
		Links: sms.NewLinks("https://portal.example.org", sms.LinkKey("test token")),
	}}
	cfg := bot.DefaultConfig()
	cfg.PasswordMinLength = h.env.Dir.Policy().MinLength
	cfg.Limits.NewConversations = 0
	h.eng = bot.NewEngine(cfg, d, zerolog.Nop())
	o := &markedOutbox{Outbox: h.env.DB, wait: map[string]chan struct{}{}}
	s := notify.NewSender(o, notify.SenderConfig{Email: slowProvider{}, SMS: slowProvider{},
		PollInterval: time.Hour, Clock: h.env.Clock}, zerolog.Nop())
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { s.Run(ctx); close(stopped) }()
	t.Cleanup(func() { cancel(); <-stopped })
	return &smsHarness{harness: h, outbox: o, sender: s}
}

// text opens an SMS conversation from number, in reset_password, and
// answers the verification questions with p's demographics up to the
// choice of where the code goes.
func (h *smsHarness) text(number string, p person) *chat {
	h.t.Helper()
	rec := &recorder{}
	w, err := h.eng.Hello(h.ctx, bot.Hello{Locale: "en", Start: "reset_password", Source: testIP,
		Channel: bot.ChannelSMS, Peer: number, Line: smsOurs}, rec)
	if err != nil {
		h.t.Fatalf("hello: %v", err)
	}
	c := &chat{h: h.harness, id: w.ConversationID, rec: rec, source: testIP}
	c.toChannel(p)
	return c
}

// pending returns the outbox's due deliveries of a conversation.
func (h *smsHarness) pending(id string) []bot.PendingDelivery {
	h.t.Helper()
	due, err := h.env.DB.DueDeliveries(h.ctx, h.env.Clock.Now().Add(time.Hour), 100000)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []bot.PendingDelivery
	for _, p := range due {
		if strings.HasPrefix(p.Key, id+":") {
			out = append(out, p)
		}
	}
	return out
}

// askCode is the timed step: the patient texts the choice of the mobile
// number on file, and waits for the replies. It returns how long until
// the last reply text went out, and the replies' texts; before it
// returns, every delivery of the turn (the code too) has been dealt with.
func (h *smsHarness) askCode(c *chat) (took time.Duration, texts []string, codes int) {
	h.t.Helper()
	for _, p := range h.pending(c.id) { // what earlier turns said: not timed
		if err := h.env.DB.MarkSent(h.ctx, p.ID, h.env.Clock.Now()); err != nil {
			h.t.Fatal(err)
		}
	}
	start := time.Now()
	c.reply(bot.DeliverSMS)
	var replies, rest []chan struct{}
	for _, p := range h.pending(c.id) {
		ch := h.outbox.expect(p.ID)
		switch {
		case strings.Contains(p.Key, ":sms:"):
			replies = append(replies, ch)
			texts = append(texts, p.Text)
		case p.Withheld == "":
			codes++
			fallthrough
		default:
			rest = append(rest, ch)
		}
	}
	h.sender.Kick()
	timeout := time.After(10 * time.Second)
	for _, ch := range replies {
		select {
		case <-ch:
		case <-timeout:
			h.t.Fatal("the replies were not sent")
		}
	}
	took = time.Since(start)
	for _, ch := range rest {
		select {
		case <-ch:
		case <-timeout:
			h.t.Fatal("the code was not dealt with")
		}
	}
	return took, texts, codes
}

// TestSMSCodeRequestSameRepliesAndTiming: in a conversation by text, a
// code asked for by a patient on file (texting from the number on file,
// so the code is texted) and by someone who matches nobody gets the same
// replies, byte for byte, and they arrive after the same time: the code's
// own send (a provider call) never delays the reply.
func TestSMSCodeRequestSameRepliesAndTiming(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test skipped with -short")
	}
	h := newSMSHarness(t)
	var matchTexts, missTexts []string
	trial := func(number string, p person, texts *[]string) func() time.Duration {
		return func() time.Duration {
			h.env.Clock.Advance(25 * time.Hour) // no send limit changes the work done
			c := h.text(number, p)
			took, got, _ := h.askCode(c)
			if *texts == nil {
				*texts = got
			} else if strings.Join(got, "\x00") != strings.Join(*texts, "\x00") {
				t.Fatalf("replies changed between trials: %q, then %q", *texts, got)
			}
			return took
		}
	}
	match, miss := trial(smsOlivia, olivia, &matchTexts), trial(smsStranger, nobody, &missTexts)

	// The match really got its code by text, the miss none.
	if _, _, codes := h.askCode(h.text(smsOlivia, olivia)); codes != 1 {
		t.Fatalf("the matching patient got %d codes, want 1: the comparison compares nothing", codes)
	}
	if _, _, codes := h.askCode(h.text(smsStranger, nobody)); codes != 0 {
		t.Fatalf("nobody got %d codes, want none", codes)
	}
	match()
	miss()
	if strings.Join(matchTexts, "\x00") != strings.Join(missTexts, "\x00") || len(matchTexts) == 0 {
		t.Errorf("replies differ:\n match %q\n  miss %q", matchTexts, missTexts)
	}

	var diffs []time.Duration
	var diff time.Duration
	for round := 1; round <= 3; round++ {
		for i := range 200 {
			var m, n time.Duration
			if i%2 == 0 {
				m, n = match(), miss()
			} else {
				n, m = miss(), match()
			}
			diffs = append(diffs, m-n)
		}
		diff = padtest.Median(diffs).Abs()
		t.Logf("round %d: median paired difference %v over %d trials (provider latency %v)", round, diff, len(diffs), providerLatency)
		if diff < smsTolerance {
			return
		}
	}
	t.Errorf("the replies to a code asked by text come %v later for a match or a miss (median of %d paired trials), want < %v",
		diff, len(diffs), smsTolerance)
}
