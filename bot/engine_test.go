package bot_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
)

// seqsOf returns the seqs of the messages among events.
func seqsOf(evs []bot.Event) []int64 {
	var out []int64
	for _, m := range messagesOf(evs) {
		out = append(out, m.Seq)
	}
	return out
}

// seqRange returns from, from+1, …, to.
func seqRange(from, to int64) []int64 {
	var out []int64
	for s := from; s <= to; s++ {
		out = append(out, s)
	}
	return out
}

func TestHelloReplaysExactlyTheMessagesAfterLastSeq(t *testing.T) {
	h := newHarness(t)
	c := h.open("reset_password")
	c.reply("name")
	c.say("Olivia")
	c.say("Activeuser")
	n := int64(len(c.messages()))
	if n < 6 {
		t.Fatalf("transcript has %d messages, want at least 6 to replay", n)
	}

	tests := []struct {
		name    string
		lastSeq int64
		want    []int64
	}{
		{"from the start", 0, seqRange(1, n)},
		{"after the first", 1, seqRange(2, n)},
		{"the last two", n - 2, seqRange(n-1, n)},
		{"up to date", n, nil},
		{"a client that knows more than the server gets everything", n + 5, seqRange(1, n)},
		{"a negative seq gets everything", -1, seqRange(1, n)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			w, err := h.eng.Hello(h.ctx, bot.Hello{Resume: c.resume, LastSeq: tt.lastSeq, Source: testIP}, rec)
			if err != nil {
				t.Fatal(err)
			}
			defer h.eng.Detach(w.ConversationID, rec)
			if w.ConversationID != c.id || w.Expired || w.Resume != c.resume {
				t.Errorf("welcome %+v, want conversation %s, not expired, same resume token", w, c.id)
			}
			if w.Seq != n || w.Status != bot.StatusBot {
				t.Errorf("welcome seq %d status %s, want %d bot", w.Seq, w.Status, n)
			}
			evs := rec.All()
			if got := seqsOf(evs); !slices.Equal(got, tt.want) {
				t.Errorf("replayed seqs %v, want %v", got, tt.want)
			}
			if len(messagesOf(evs)) != len(evs) {
				t.Errorf("replay delivered %d events, want only the %d messages", len(evs), len(messagesOf(evs)))
			}
		})
	}

	// A resumed client is attached: it is told the next turn live, once.
	rec := &recorder{}
	if _, err := h.eng.Hello(h.ctx, bot.Hello{Resume: c.resume, LastSeq: n, Source: testIP}, rec); err != nil {
		t.Fatal(err)
	}
	c.say("05/17/1985")
	if got, want := seqsOf(rec.All()), seqRange(n+1, int64(len(c.messages()))); !slices.Equal(got, want) {
		t.Errorf("second tab saw seqs %v live, want %v", got, want)
	}
}

func TestHelloWithUnknownResumeStartsANewConversation(t *testing.T) {
	h := newHarness(t)
	old := h.open("")

	tests := []struct {
		name        string
		resume      string
		wantExpired bool
	}{
		{"no token", "", false},
		{"unknown token", "not-a-token-we-ever-gave", true},
		{"a token's hash is not a token", string(bot.HashToken(old.resume)), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			w, err := h.eng.Hello(h.ctx, bot.Hello{Resume: tt.resume, LastSeq: 7, Locale: "en", Source: testIP}, rec)
			if err != nil {
				t.Fatal(err)
			}
			if w.Expired != tt.wantExpired {
				t.Errorf("Expired %v, want %v", w.Expired, tt.wantExpired)
			}
			if w.ConversationID == old.id || w.Resume == "" || w.Resume == tt.resume || w.Resume == old.resume {
				t.Errorf("welcome %+v, want a new conversation with a new token", w)
			}
			msgs := messagesOf(rec.All())
			if len(msgs) == 0 || msgs[0].Seq != 1 || !strings.Contains(msgs[0].Text, "Hello!") {
				t.Fatalf("new conversation replayed %+v, want the greeting as seq 1 despite last_seq 7", msgs)
			}
			if w.Seq != msgs[len(msgs)-1].Seq || w.Status != bot.StatusBot {
				t.Errorf("welcome seq %d status %s, want %d bot", w.Seq, w.Status, msgs[len(msgs)-1].Seq)
			}
		})
	}
}

func TestClosedConversationIsResumableOnlyWithinGrace(t *testing.T) {
	grace := bot.DefaultLimits().ResumeGrace
	tests := []struct {
		wait        time.Duration
		wantSame    bool
		wantExpired bool
	}{
		{0, true, false},
		{grace - time.Second, true, false},
		{grace + time.Second, false, true},
		{24 * time.Hour, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.wait.String(), func(t *testing.T) {
			h := newHarness(t)
			c := h.open("")
			if err := h.eng.Bye(h.ctx, c.id); err != nil {
				t.Fatal(err)
			}
			h.env.Clock.Advance(tt.wait)
			rec := &recorder{}
			w, err := h.eng.Hello(h.ctx, bot.Hello{Resume: c.resume, Source: testIP}, rec)
			if err != nil {
				t.Fatal(err)
			}
			if got := w.ConversationID == c.id; got != tt.wantSame {
				t.Errorf("resumed the closed conversation: %v, want %v", got, tt.wantSame)
			}
			if w.Expired != tt.wantExpired {
				t.Errorf("Expired %v, want %v", w.Expired, tt.wantExpired)
			}
			if tt.wantSame && w.Status != bot.StatusClosed {
				t.Errorf("status %s, want closed", w.Status)
			}
			if !tt.wantSame && w.Status != bot.StatusBot {
				t.Errorf("new conversation's status %s, want bot", w.Status)
			}
		})
	}
}

func TestSayWithARepeatedIDIsAckedWithTheOriginalSeq(t *testing.T) {
	h := newHarness(t)
	c := h.open("")
	rec := &recorder{}
	first := bot.Say{ID: "client-1", Reply: "reset_password", Source: testIP}
	if err := h.eng.Say(h.ctx, c.id, rec, first); err != nil {
		t.Fatal(err)
	}
	acks := acksOf(rec.Take())
	if len(acks) != 1 || acks[0].ID != "client-1" {
		t.Fatalf("acks %+v, want one for client-1", acks)
	}
	seq := acks[0].Seq
	before := c.messages()
	if before[seq-1].ClientID != "client-1" || before[seq-1].From != bot.FromPatient {
		t.Fatalf("ack seq %d points at %+v, want the patient's message", seq, before[seq-1])
	}
	c.say("something else in between")
	between := len(c.messages())

	retries := []bot.Say{
		first,
		{ID: "client-1", Text: "different text, same id", Source: testIP},
		{ID: "client-1", Reply: "agent", Source: testIP},
	}
	for _, s := range retries {
		other := &recorder{}
		if err := h.eng.Say(h.ctx, c.id, other, s); err != nil {
			t.Fatal(err)
		}
		evs := other.All()
		if len(evs) != 1 || evs[0].Ack == nil || *evs[0].Ack != (bot.Ack{ID: "client-1", Seq: seq}) {
			t.Errorf("retry %+v got %+v, want only ack{client-1 %d}", s, evs, seq)
		}
		if got := len(c.messages()); got != between {
			t.Errorf("retry %+v: %d messages, want %d (nothing added)", s, got, between)
		}
	}
	if got := c.conv().Status; got != bot.StatusBot {
		t.Errorf("status %s after retried ids, want bot (the retried \"agent\" must not run)", got)
	}
}

func acksOf(evs []bot.Event) []bot.Ack {
	var out []bot.Ack
	for _, ev := range evs {
		if ev.Ack != nil {
			out = append(out, *ev.Ack)
		}
	}
	return out
}

func TestSayNeedsAnIDAndSomethingSaid(t *testing.T) {
	h := newHarness(t)
	c := h.open("")
	n := len(c.messages())
	tests := []struct {
		name string
		say  bot.Say
	}{
		{"no id", bot.Say{Text: "hello"}},
		{"no id, a reply", bot.Say{Reply: "agent"}},
		{"nothing said", bot.Say{ID: "x1"}},
		{"nothing at all", bot.Say{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			err := h.eng.Say(h.ctx, c.id, rec, tt.say)
			if got := bot.ErrorCode(err); got != bot.EINVALID {
				t.Errorf("error code %q (%v), want %q", got, err, bot.EINVALID)
			}
			if got := len(rec.All()); got != 0 {
				t.Errorf("client was told %d events, want none", got)
			}
			if got := len(c.messages()); got != n {
				t.Errorf("%d messages, want %d", got, n)
			}
		})
	}
}

func TestSayToAnUnknownConversationIsNotFound(t *testing.T) {
	h := newHarness(t)
	err := h.eng.Say(h.ctx, "no-such-conversation", &recorder{}, bot.Say{ID: "a", Text: "hi"})
	if got := bot.ErrorCode(err); got != bot.ENOTFOUND {
		t.Errorf("error code %q (%v), want %q", got, err, bot.ENOTFOUND)
	}
}

func TestSeqsRunOneToNWithoutGaps(t *testing.T) {
	h := newHarness(t)
	c := h.open("")
	watch := &recorder{}
	if _, err := h.eng.Hello(h.ctx, bot.Hello{Resume: c.resume, Source: testIP}, watch); err != nil {
		t.Fatal(err)
	}
	c.reply("reset_password")
	c.verify(olivia)
	c.say("tulip harbor seven lanterns")
	if got := c.conv(); got.Status != bot.StatusClosed || got.Resolution != bot.Resolved {
		t.Fatalf("conversation %s/%s, want closed/resolved", got.Status, got.Resolution)
	}
	stored := c.messages()
	var seqs []int64
	for _, m := range stored {
		seqs = append(seqs, m.Seq)
	}
	if want := seqRange(1, int64(len(stored))); !slices.Equal(seqs, want) {
		t.Errorf("stored seqs %v, want %v", seqs, want)
	}
	if got := c.conv().LastSeq; got != int64(len(stored)) {
		t.Errorf("LastSeq %d, want %d", got, len(stored))
	}
	// A client attached since the start saw every message once, in order:
	// the replay and the live turns meet without gap or duplicate.
	if got, want := seqsOf(watch.All()), seqRange(1, int64(len(stored))); !slices.Equal(got, want) {
		t.Errorf("client saw seqs %v, want %v", got, want)
	}
	// Every ack points at the patient message with the say's id.
	acks := acksOf(c.seen)
	if len(acks) != 9 {
		t.Errorf("%d acks, want one per say (9)", len(acks))
	}
	for _, ev := range c.seen {
		if ev.Ack != nil && stored[ev.Ack.Seq-1].ClientID != ev.Ack.ID {
			t.Errorf("ack %+v points at message %+v", *ev.Ack, stored[ev.Ack.Seq-1])
		}
	}
}

func TestSecretsAreMaskedInTranscriptsAndSlots(t *testing.T) {
	h := newHarness(t)
	all := &recorder{}
	c := h.open("")
	if _, err := h.eng.Hello(h.ctx, bot.Hello{Resume: c.resume, LastSeq: 1 << 40, Source: testIP}, all); err != nil {
		t.Fatal(err)
	}
	c.reply("reset_password")
	c.requestCode(olivia)
	code := c.code()
	wrong := c.wrongCode()
	const malformed = "12ab"
	const password = "tulip harbor seven lanterns"
	c.say(wrong)
	c.say(malformed)
	c.say(code)
	c.say(password)
	if got := c.conv().Resolution; got != bot.Resolved {
		t.Fatalf("resolution %q, want resolved", got)
	}

	secrets := map[string]string{"code": code, "wrong code": wrong, "malformed code": malformed, "password": password}
	stored := c.messages()
	masked := 0
	for _, m := range stored {
		for what, s := range secrets {
			if strings.Contains(m.Text, s) {
				t.Errorf("stored message %d %q holds the %s in clear", m.Seq, m.Text, what)
			}
		}
		if m.Text == bot.Masked {
			masked++
			if m.From != bot.FromPatient {
				t.Errorf("message %d from %s is masked, want only the patient's", m.Seq, m.From)
			}
		}
	}
	if masked != len(secrets) {
		t.Errorf("%d masked messages, want %d (each code and the password)", masked, len(secrets))
	}
	for _, m := range messagesOf(all.All()) {
		for what, s := range secrets {
			if strings.Contains(m.Text, s) {
				t.Errorf("echoed message %d %q holds the %s in clear", m.Seq, m.Text, what)
			}
		}
	}
	for k, v := range c.conv().Slots {
		for what, s := range secrets {
			if strings.Contains(v, s) {
				t.Errorf("slot %s=%q holds the %s", k, v, what)
			}
		}
	}
	for _, e := range c.audit() {
		for what, s := range secrets {
			if strings.Contains(e.Detail+e.Outcome+e.Type, s) {
				t.Errorf("audit %+v holds the %s", e, what)
			}
		}
	}
}

func TestActivationCodeIsMasked(t *testing.T) {
	h := newHarness(t)
	c := h.open("activate_account")
	c.reply("yes")
	c.say("01/02/1980")
	c.say("02139")
	const wrong, right = "AAAAA-BBBBB", "J36DM-T8UG5"
	c.say(wrong) // back to the date of birth
	c.say("01/02/1980")
	c.say("02139")
	evs := c.say(right)
	if !strings.Contains(botText(evs), "username") {
		t.Fatalf("bot said %q, want it to ask for a username", botText(evs))
	}
	for _, m := range c.messages() {
		for _, s := range []string{wrong, right, "J36DM", "AAAAA"} {
			if strings.Contains(m.Text, s) {
				t.Errorf("stored message %d %q holds the activation code %s", m.Seq, m.Text, s)
			}
		}
	}
	for k, v := range c.conv().Slots {
		if strings.Contains(v, "J36DM") || strings.Contains(strings.ToUpper(v), "AAAAA") {
			t.Errorf("slot %s=%q holds an activation code", k, v)
		}
	}
}

func TestSecretInputHints(t *testing.T) {
	h := newHarness(t)
	c := h.open("reset_password")
	c.toChannel(olivia)
	evs := c.reply("email")
	msgs := messagesOf(evs)
	last := msgs[len(msgs)-1]
	if last.Input == nil || last.Input.Kind != "code" || last.Input.Slot != "otp" || last.Input.Autocomplete != "one-time-code" ||
		last.Input.Length != 6 {
		t.Errorf("code question's input %+v, want kind code, slot otp, autocomplete one-time-code, length 6 (the widget checks it)", last.Input)
	}
	msgs = messagesOf(c.say(c.code()))
	last = msgs[len(msgs)-1]
	if last.Input == nil || last.Input.Kind != "secret" || last.Input.Slot != "new_password" || last.Input.Autocomplete != "new-password" {
		t.Errorf("password question's input %+v, want kind secret, slot new_password, autocomplete new-password", last.Input)
	}
}

// TestConcurrentSaysAreSerialised: retries of one say racing on several
// connections run once; different says racing all run, numbered without
// gaps.
func TestConcurrentSaysAreSerialised(t *testing.T) {
	h := newHarness(t)
	c := h.open("")
	c.say("agent") // queued: every say is stored and left for a person
	const racers = 10

	run := func(say func(i int) bot.Say) []*recorder {
		recs := make([]*recorder, racers)
		errs := make(chan error, racers)
		start := make(chan struct{})
		for i := range racers {
			recs[i] = &recorder{}
			go func() {
				<-start
				errs <- h.eng.Say(h.ctx, c.id, recs[i], say(i))
			}()
		}
		close(start)
		for range racers {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		return recs
	}

	before := len(c.messages())
	recs := run(func(int) bot.Say { return bot.Say{ID: "same", Text: "are you there?", Source: testIP} })
	if got := len(c.messages()); got != before+1 {
		t.Errorf("%d messages after %d racing retries, want %d", got, racers, before+1)
	}
	var seq int64
	for i, r := range recs {
		acks := acksOf(r.All())
		if len(acks) != 1 || (seq != 0 && acks[0].Seq != seq) {
			t.Errorf("racer %d acks %+v, want one ack with the common seq %d", i, acks, seq)
		} else {
			seq = acks[0].Seq
		}
	}

	run(func(i int) bot.Say { return bot.Say{ID: fmt.Sprintf("distinct-%d", i), Text: "hello", Source: testIP} })
	msgs := c.messages()
	if len(msgs) != before+1+racers {
		t.Errorf("%d messages after %d distinct says, want %d", len(msgs), racers, before+1+racers)
	}
	for i, m := range msgs {
		if m.Seq != int64(i+1) {
			t.Fatalf("message %d has seq %d, want %d", i, m.Seq, i+1)
		}
	}
}
