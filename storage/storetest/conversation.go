package storetest

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
)

func testConversations(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	s := open(t)

	want := &bot.Conversation{
		ID: "c1", Status: bot.StatusQueued, Resolution: "", Locale: "es",
		Flow: "reset_password", FlowVersion: 3, State: "ask_dob",
		Stack: []bot.Frame{{Flow: "greeting", Version: 2, State: "menu"}},
		Slots: map[string]string{"first_name": "Ana", "zip": "02139"},
		Tries: 1, Misses: 2, Step: 7,
		Subject: "rec-42", VerifiedAt: t0.Add(-time.Minute), VerifiedBy: "otp_email",
		ResumeHash: []byte{1, 2, 3, 4},
		Queue:      "accounts", Reason: "exhausted",
		CreatedAt: t0.Add(-time.Hour), UpdatedAt: t0,
	}
	if err := s.CreateConversation(ctx, want); err != nil {
		t.Fatalf("CreateConversation: %v", err)
	}

	got, err := s.Conversation(ctx, "c1")
	if err != nil {
		t.Fatalf("Conversation: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Conversation round trip:\n got %+v\nwant %+v", got, want)
	}
	got, err = s.ConversationByResume(ctx, []byte{1, 2, 3, 4})
	if err != nil {
		t.Fatalf("ConversationByResume: %v", err)
	}
	if got.ID != "c1" {
		t.Errorf("ConversationByResume: got %q, want c1", got.ID)
	}

	// A conversation without slots or stack reads back with an empty map.
	bare := &bot.Conversation{ID: "c2", Status: bot.StatusBot, CreatedAt: t0, UpdatedAt: t0}
	if err := s.CreateConversation(ctx, bare); err != nil {
		t.Fatalf("CreateConversation(bare): %v", err)
	}
	got, err = s.Conversation(ctx, "c2")
	if err != nil {
		t.Fatalf("Conversation(bare): %v", err)
	}
	if got.Slots == nil || len(got.Slots) != 0 || len(got.Stack) != 0 || got.ResumeHash != nil {
		t.Errorf("bare conversation: got slots %v stack %v resume %v, want empty map, no stack, no resume",
			got.Slots, got.Stack, got.ResumeHash)
	}

	tests := []struct {
		name string
		err  error
		want string
	}{
		{"unknown id", second(s.Conversation(ctx, "nope")), bot.ENOTFOUND},
		{"unknown resume hash", second(s.ConversationByResume(ctx, []byte{9, 9})), bot.ENOTFOUND},
		{"empty resume hash", second(s.ConversationByResume(ctx, nil)), bot.ENOTFOUND},
		{"duplicate id", s.CreateConversation(ctx, &bot.Conversation{ID: "c1", Status: bot.StatusBot}), bot.ECONFLICT},
		{"commit to unknown conversation", s.Commit(ctx, botSays(&bot.Conversation{ID: "nope", Status: bot.StatusBot}, "hi")), bot.ENOTFOUND},
		{"messages of unknown conversation", second(s.Messages(ctx, "nope", 0)), bot.ENOTFOUND},
		{"unknown client id", second(s.MessageByClientID(ctx, "c1", "nope")), bot.ENOTFOUND},
	}
	for _, tt := range tests {
		wantCode(t, tt.name, tt.err, tt.want)
	}
}

func second[T any](_ T, err error) error { return err }

func testCommit(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	s := open(t)
	c := newConversation(t, s, "c1")

	first := &bot.Turn{Conversation: c, Messages: []bot.Message{
		{ClientID: "say-1", From: bot.FromPatient, Text: "reset my password", At: t0},
		{From: bot.FromBot, Text: "What is your date of birth?", At: t0,
			Input: &bot.Input{Kind: "date", Slot: "dob", Autocomplete: "bday", Hint: "MM/DD/YYYY"}},
	}}
	c.Flow, c.State, c.Step = "reset_password", "ask_dob", 1
	c.Slots["first_name"] = "Ana"
	mustCommit(t, s, first)
	if c.LastSeq != 2 || first.Messages[0].Seq != 1 || first.Messages[1].Seq != 2 {
		t.Fatalf("after first commit: got LastSeq %d and seqs %v, want 2 and [1 2]", c.LastSeq, seqs(first.Messages))
	}
	if first.Messages[0].ConversationID != "c1" {
		t.Errorf("message ConversationID: got %q, want c1", first.Messages[0].ConversationID)
	}

	// The stored LastSeq counts, not the caller's copy: a stale copy still
	// gets the next seqs.
	stale := *c
	stale.LastSeq = 0
	stale.Step = 2
	next := &bot.Turn{Conversation: &stale, Messages: []bot.Message{
		{From: bot.FromAgent, Agent: "Sam", Text: "Pick one", At: t0.Add(time.Second),
			Replies: []bot.Reply{{Label: "Email", Value: "email"}, {Label: "Text", Value: "sms"}}},
	}}
	mustCommit(t, s, next)
	if stale.LastSeq != 3 || next.Messages[0].Seq != 3 {
		t.Fatalf("after stale commit: got LastSeq %d seq %d, want 3 and 3", stale.LastSeq, next.Messages[0].Seq)
	}

	all, err := s.Messages(ctx, "c1", 0)
	if err != nil {
		t.Fatalf("Messages: %v", err)
	}
	wantSeqs(t, all, 0, 3)
	want := append(append([]bot.Message{}, first.Messages...), next.Messages...)
	if !reflect.DeepEqual(all, want) {
		t.Errorf("Messages round trip:\n got %+v\nwant %+v", all, want)
	}

	replay := []struct {
		after int64
		want  []int64
	}{{0, []int64{1, 2, 3}}, {1, []int64{2, 3}}, {2, []int64{3}}, {3, []int64{}}, {10, []int64{}}}
	for _, r := range replay {
		got, err := s.Messages(ctx, "c1", r.after)
		if err != nil {
			t.Fatalf("Messages(after %d): %v", r.after, err)
		}
		if g := seqs(got); !reflect.DeepEqual(g, r.want) {
			t.Errorf("Messages(after %d): got seqs %v, want %v", r.after, g, r.want)
		}
	}

	stored, err := s.Conversation(ctx, "c1")
	if err != nil {
		t.Fatalf("Conversation: %v", err)
	}
	if stored.LastSeq != 3 || stored.Step != 2 || stored.State != "ask_dob" || stored.Slots["first_name"] != "Ana" {
		t.Errorf("stored state: got LastSeq %d Step %d State %q slots %v, want 3, 2, ask_dob, first_name=Ana",
			stored.LastSeq, stored.Step, stored.State, stored.Slots)
	}

	got, err := s.MessageByClientID(ctx, "c1", "say-1")
	if err != nil {
		t.Fatalf("MessageByClientID: %v", err)
	}
	if got.Seq != 1 || got.Text != "reset my password" {
		t.Errorf("MessageByClientID: got seq %d text %q, want 1 and the patient's text", got.Seq, got.Text)
	}

	// A turn without messages still replaces the state.
	c.Status, c.Resolution, c.LastSeq = bot.StatusClosed, bot.Resolved, 3
	mustCommit(t, s, &bot.Turn{Conversation: c})
	stored, _ = s.Conversation(ctx, "c1")
	if stored.Status != bot.StatusClosed || stored.Resolution != bot.Resolved || stored.LastSeq != 3 {
		t.Errorf("after empty turn: got %s/%s LastSeq %d, want closed/resolved 3", stored.Status, stored.Resolution, stored.LastSeq)
	}
}

func testClientIDDedup(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	s := open(t)
	c := newConversation(t, s, "c1")
	other := newConversation(t, s, "c2")

	say := func(c *bot.Conversation, id, text string) *bot.Turn {
		turn := &bot.Turn{Conversation: c, Messages: []bot.Message{
			{ClientID: id, From: bot.FromPatient, Text: text, At: t0},
			{From: bot.FromBot, Text: "ok", At: t0},
		}}
		c.Step++
		return turn
	}
	mustCommit(t, s, say(c, "a", "first"))

	retry := say(c, "a", "first again")
	retry.Audit = []bot.AuditEvent{{Type: "verify.attempt", At: t0}}
	err := s.Commit(ctx, retry)
	wantCode(t, "commit with a seen say id", err, bot.ECONFLICT)
	if retry.Messages[0].Seq != 0 {
		t.Errorf("failed commit assigned seq %d, want the turn left unchanged", retry.Messages[0].Seq)
	}

	// The whole turn failed: no message, no state change.
	all, _ := s.Messages(ctx, "c1", 0)
	wantSeqs(t, all, 0, 2)
	stored, _ := s.Conversation(ctx, "c1")
	if stored.Step != 1 || stored.LastSeq != 2 {
		t.Errorf("after rejected turn: got Step %d LastSeq %d, want 1 and 2", stored.Step, stored.LastSeq)
	}
	orig, err := s.MessageByClientID(ctx, "c1", "a")
	if err != nil || orig.Seq != 1 || orig.Text != "first" {
		t.Errorf("MessageByClientID after retry: got %+v, %v; want seq 1 text first", orig, err)
	}

	// Say ids are per conversation; empty ids never collide.
	c.Step = 1
	mustCommit(t, s, say(other, "a", "same id elsewhere"))
	mustCommit(t, s, botSays(c, "one", "two"))
	mustCommit(t, s, botSays(c, "three"))
	all, _ = s.Messages(ctx, "c1", 0)
	wantSeqs(t, all, 0, 5)
}

// testConcurrentSeq commits from many goroutines, to many conversations and
// many times to the same one: seqs must run 1..n with no gap or repeat.
func testConcurrentSeq(t *testing.T, open func(t *testing.T) Store) {
	const (
		conversations = 8
		writers       = 6 // goroutines per conversation
		turns         = 5 // turns per goroutine
		perTurn       = 2 // messages per turn
	)
	ctx := context.Background()
	s := open(t)
	convs := make([]*bot.Conversation, conversations)
	for i := range convs {
		convs[i] = newConversation(t, s, fmt.Sprintf("c%d", i))
	}

	var wg sync.WaitGroup
	errs := make(chan error, conversations*writers*turns)
	for i := range convs {
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := range turns {
					c := *convs[i] // each writer has its own, stale, copy
					turn := botSays(&c, "a", "b")
					turn.Messages[0].ClientID = fmt.Sprintf("w%d-t%d", w, n)
					if err := s.Commit(ctx, turn); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent Commit: %v", err)
	}

	want := int64(writers * turns * perTurn)
	for _, c := range convs {
		msgs, err := s.Messages(ctx, c.ID, 0)
		if err != nil {
			t.Fatalf("Messages(%s): %v", c.ID, err)
		}
		wantSeqs(t, msgs, 0, want)
		stored, _ := s.Conversation(ctx, c.ID)
		if stored.LastSeq != want {
			t.Errorf("%s: got LastSeq %d, want %d", c.ID, stored.LastSeq, want)
		}
	}
}
