// Package storetest is the conformance suite every Portico store passes: the
// SQLite store today, a PostgreSQL one later. A store's own test calls Run
// with a function that opens a fresh, empty store.
//
// The core (bot.Store, bot.CodeStore, bot.AttemptStore) is always tested;
// the optional parts (audit, outbox, flows, retention, report rows,
// activation codes, staff accounts) are tested when the store has them, and skipped
// otherwise.
package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
)

// Store is what every store implements.
type Store interface {
	bot.Store
	bot.CodeStore
	bot.AttemptStore
}

// Auditor reads and checks the hash-chained audit log.
type Auditor interface {
	VerifyAudit(ctx context.Context) (int, error)
	AuditEvents(ctx context.Context, afterSeq int64, limit int) ([]bot.AuditEvent, error)
}

// FlowStore keeps immutable flow versions.
type FlowStore interface {
	FlowVersion(ctx context.Context, name string, version int) ([]byte, error)
	LatestFlow(ctx context.Context, name string) (int, []byte, error)
	SaveFlowVersion(ctx context.Context, name string, source []byte, author string) (int, error)
	FlowNames(ctx context.Context) ([]string, error)
}

// Retention finds idle conversations, lists the human queue and purges old
// transcripts and the conversations nobody wrote in.
type Retention interface {
	PurgeTranscripts(ctx context.Context, before time.Time) (int, error)
	PurgeSilentConversations(ctx context.Context, before time.Time) (int, error)
	OpenConversationsIdleSince(ctx context.Context, t time.Time) ([]string, error)
	QueueItems(ctx context.Context) ([]bot.Handoff, error)
}

// Inspector reaches behind a store's API, for the tests that must see or
// break what the API hides. A store's test provides it (e.g. with raw SQL).
type Inspector interface {
	// TamperAudit changes the detail of audit row seq in place, bypassing
	// the append-only guard, as an attacker with file access could.
	TamperAudit(t *testing.T, seq int64, detail string)
	// DeliveryAtRest returns an outbox delivery's recipient, subject and
	// text as stored, byte for byte, as a copy of the database would hold
	// them. A store must not keep them in clear (the text may hold a code);
	// a scrubbed text is empty.
	DeliveryAtRest(t *testing.T, id string) (recipient, subject, text []byte)
}

// Run runs the whole suite. open must return a new, empty store and arrange
// (with t.Cleanup) for it to be closed.
func Run(t *testing.T, open func(t *testing.T) Store) {
	t.Run("Conversations", func(t *testing.T) { testConversations(t, open) })
	t.Run("Commit", func(t *testing.T) { testCommit(t, open) })
	t.Run("ClientIDDedup", func(t *testing.T) { testClientIDDedup(t, open) })
	t.Run("ConcurrentSeq", func(t *testing.T) { testConcurrentSeq(t, open) })
	t.Run("AgentLimit", func(t *testing.T) { testAgentLimit(t, open) })
	t.Run("Codes", func(t *testing.T) { testCodes(t, open) })
	t.Run("CodeConsumeRace", func(t *testing.T) { testCodeConsumeRace(t, open) })
	t.Run("Attempts", func(t *testing.T) { testAttempts(t, open) })
	t.Run("Reserve", func(t *testing.T) { testReserve(t, open) })
	t.Run("ReserveRace", func(t *testing.T) { testReserveRace(t, open) })
	t.Run("Audit", func(t *testing.T) { testAudit(t, open) })
	t.Run("AuditTamper", func(t *testing.T) { testAuditTamper(t, open) })
	t.Run("Outbox", func(t *testing.T) { testOutbox(t, open) })
	t.Run("OutboxWithheld", func(t *testing.T) { testOutboxWithheld(t, open) })
	t.Run("OutboxSender", func(t *testing.T) { testOutboxSender(t, open) })
	t.Run("Flows", func(t *testing.T) { testFlows(t, open) })
	t.Run("Queue", func(t *testing.T) { testQueue(t, open) })
	t.Run("Retention", func(t *testing.T) { testRetention(t, open) })
	t.Run("SilentPurge", func(t *testing.T) { testSilentPurge(t, open) })
	t.Run("ReportRows", func(t *testing.T) { testReportRows(t, open) })
	t.Run("ActivationCodes", func(t *testing.T) { testActivationCodes(t, open) })
	t.Run("UsersByLowerCasedEmail", func(t *testing.T) { testUsersAreStoredByLowerCasedEmail(t, open) })
	t.Run("ReserveSignIn", func(t *testing.T) { testReserveSignInLocksAndSuccessClears(t, open) })
	t.Run("ReserveSignInRace", func(t *testing.T) { testReserveSignInHoldsUnderConcurrency(t, open) })
	t.Run("PasswordAndDisableEndSessions", func(t *testing.T) { testPasswordChangeAndDisableEndSessions(t, open) })
	t.Run("Sessions", func(t *testing.T) { testSessionsStoreOnlyTheHashAndExpire(t, open) })
	t.Run("CannedResponses", func(t *testing.T) { testCannedResponses(t, open) })
	t.Run("SetUserWork", func(t *testing.T) { testSetUserWork(t, open) })
	t.Run("QueueSpecsSeededOnce", func(t *testing.T) { testQueueSpecsAreSeededOnceThenTheDatabaseWins(t, open) })
	t.Run("EditQueueSpecsFailure", func(t *testing.T) { testEditQueueSpecsFailureChangesNothing(t, open) })
	t.Run("Settings", func(t *testing.T) { testSettings(t, open) })
	t.Run("SearchAudit", func(t *testing.T) { testSearchAudit(t, open) })
	t.Run("SearchConversations", func(t *testing.T) { testSearchConversationsFiltersAndPagesNewestFirst(t, open) })
	t.Run("Gauges", func(t *testing.T) { testGauges(t, open) })
}

// t0 is the suite's fixed "now": stores must keep the times they are given.
var t0 = time.Date(2025, 3, 1, 9, 30, 0, 123456789, time.UTC)

// newConversation stores a fresh conversation with the bot.
func newConversation(t *testing.T, s Store, id string) *bot.Conversation {
	t.Helper()
	c := &bot.Conversation{
		ID:         id,
		Status:     bot.StatusBot,
		Locale:     "en",
		Slots:      map[string]string{},
		ResumeHash: []byte("resume:" + id),
		CreatedAt:  t0,
		UpdatedAt:  t0,
	}
	if err := s.CreateConversation(context.Background(), c); err != nil {
		t.Fatalf("CreateConversation(%s): %v", id, err)
	}
	return c
}

// botSays is a turn in which the bot says texts.
func botSays(c *bot.Conversation, texts ...string) *bot.Turn {
	turn := &bot.Turn{Conversation: c}
	for _, text := range texts {
		turn.Messages = append(turn.Messages, bot.Message{From: bot.FromBot, Text: text, At: t0})
	}
	return turn
}

func mustCommit(t *testing.T, s Store, turn *bot.Turn) {
	t.Helper()
	if err := s.Commit(context.Background(), turn); err != nil {
		t.Fatalf("Commit: %v", err)
	}
}

// wantCode fails unless err carries the bot error code want.
func wantCode(t *testing.T, what string, err error, want string) {
	t.Helper()
	if got := bot.ErrorCode(err); got != want {
		t.Errorf("%s: got error %v (code %q), want code %q", what, err, got, want)
	}
}

// seqs lists messages' seqs, for readable failures.
func seqs(msgs []bot.Message) []int64 {
	out := make([]int64, len(msgs))
	for i, m := range msgs {
		out[i] = m.Seq
	}
	return out
}

// wantSeqs fails unless msgs are numbered from+1, from+2 … to, no gaps.
func wantSeqs(t *testing.T, msgs []bot.Message, from, to int64) {
	t.Helper()
	if int64(len(msgs)) != to-from {
		t.Fatalf("got %d messages (seqs %v), want seqs %d..%d", len(msgs), seqs(msgs), from+1, to)
	}
	for i, m := range msgs {
		if want := from + 1 + int64(i); m.Seq != want {
			t.Fatalf("message %d: got seq %d, want %d (all: %v)", i, m.Seq, want, seqs(msgs))
		}
	}
}

func need[T any](t *testing.T, s Store, what string) T {
	t.Helper()
	v, ok := s.(T)
	if !ok {
		t.Skipf("store has no %s", what)
	}
	return v
}
