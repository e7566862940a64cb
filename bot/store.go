package bot

import (
	"context"
	"time"
)

// Store keeps conversations and their transcripts durably. Implementations
// live in storage/ and pass the conformance suite in storage/storetest.
type Store interface {
	// CreateConversation stores a new conversation with c.ID already set.
	CreateConversation(ctx context.Context, c *Conversation) error
	// Conversation returns a conversation by ID, or an ENOTFOUND error.
	Conversation(ctx context.Context, id string) (*Conversation, error)
	// ConversationByResume finds a conversation by its resume token's hash,
	// or returns ENOTFOUND.
	ConversationByResume(ctx context.Context, resumeHash []byte) (*Conversation, error)
	// Messages returns a conversation's messages with seq > afterSeq, in order.
	Messages(ctx context.Context, conversationID string, afterSeq int64) ([]Message, error)
	// MessageByClientID returns the patient message stored for a say id, or
	// ENOTFOUND.
	MessageByClientID(ctx context.Context, conversationID, clientID string) (*Message, error)
	// Commit applies a turn atomically and durably: when it returns nil, the
	// turn survives a crash. It assigns seqs to t.Messages in order, after
	// the conversation's stored LastSeq, and updates t.Conversation.LastSeq.
	// Many conversations' commits may share one fsync (group commit).
	Commit(ctx context.Context, t *Turn) error
	// AppendAudit appends events outside a turn (sign-ins, CLI actions).
	AppendAudit(ctx context.Context, events ...AuditEvent) error
}

// Turn is everything one step of a conversation changes, committed as one.
type Turn struct {
	Conversation *Conversation // the new state; replaces the stored one
	Messages     []Message     // appended; Seq is assigned by Commit
	Audit        []AuditEvent
	Deliveries   []Delivery // codes and notices for the outbox
	Codes        []Code     // issued codes; each voids the earlier active one of the same conversation and purpose
	Handoff      *Handoff   // put the conversation in a queue
	// HandoffOutcome says how the conversation's open handoff ended, when
	// this turn takes it off the human side (back to the bot, or closed):
	// an agent's resolution, "to_bot", "timeout", "abandoned". The engine
	// always sets it then (Engine.commit).
	HandoffOutcome string
	// AgentLimit, when set, makes the commit conditional on an agent's
	// load: it fails with ECAPACITY, changing nothing, unless the agent
	// holds fewer than Max other conversations. The store checks it in the
	// commit's own write, so concurrent claims cannot overshoot, on one
	// node or several sharing the database.
	AgentLimit *AgentLimit
	Visits     []Visit // states entered, for analytics; only a VisitRecorder store keeps them
	// Releases are attempt reservations the turn gives back (a verification
	// that succeeded), deleted in the commit's own write: one trip through
	// the store instead of two. Should the commit fail they stay counted,
	// which errs on the strict side.
	Releases []int64
	// Clears empties attempt counts in the same write (a record's failures,
	// once it is verified).
	Clears []AttemptKey
}

// AttemptKey names the attempts of one kind and key (Turn.Clears).
type AttemptKey struct{ Kind, Key string }

// AuditEvent is one row of the append-only, hash-chained audit log.
// It never holds a secret or demographics.
type AuditEvent struct {
	Seq     int64     // assigned by the store
	Type    string    // e.g. "verify.attempt", "code.issued", "password.reset"
	At      time.Time // UTC
	Node    string    // which server wrote it
	Source  string    // client IP or connection
	Actor   string    // "conversation:<id>", "agent:<id>", "admin:<id>", "system"
	Subject string    // the patient record's ID, when there is one
	Outcome string    // "ok", "failed", "locked", …
	Detail  string    // short, PHI-free
	Hash    []byte    // SHA-256 over the previous row's hash and this row; set by the store
}

// Delivery is a message for the outbox: a code or a notice to a contact on
// file. Text carries no PHI.
type Delivery struct {
	ID      string
	Channel string // "email" or "sms"
	To      string
	// From is the number an SMS goes out from, when it must not be the
	// transport's default: the number of ours the patient is texting, so
	// that a conversation by text is answered from its own number. It is
	// stored with the delivery; "" for the default.
	From    string
	Subject string // email subject
	Text    string
	// Key makes a delivery idempotent: a second one with the same key is
	// dropped. Conversation ID plus step.
	Key string
	// Withheld, when set, says why the delivery must not go out (a code for
	// no record, or over the record's limits). It is queued like any other,
	// so that the turn's writes do not tell, but without its text, and the
	// sender gives it up unsent.
	Withheld string
}

// Code is an issued one-time code, stored only as a salted hash.
type Code struct {
	ID             string
	ConversationID string
	Purpose        string // "verify"
	Subject        string // the record it was issued for
	Channel        string
	Salt           []byte
	Hash           []byte
	ExpiresAt      time.Time
	Tries          int       // wrong submissions so far
	UsedAt         time.Time // zero until consumed
	CreatedAt      time.Time
}

// Handoff puts a conversation in a human queue. Every handoff is kept,
// with when an agent first took it and how it ended, for analytics.
type Handoff struct {
	ConversationID string
	Queue          string
	Reason         string
	Step           string // flow/state where the bot gave up
	At             time.Time
	Since          time.Time // in line since: earlier than At when the patient kept their place; zero means At
}

// How a handoff ended (Turn.HandoffOutcome), besides an agent's
// resolution (resolved, unresolved, no_response).
const (
	HandoffToBot     = "to_bot"    // an agent handed the patient back to the bot
	HandoffTimedOut  = "timeout"   // nobody took it in time: the patient was offered to leave a message
	HandoffAbandoned = "abandoned" // the patient left, or the conversation idled out
)

// AgentLimit bounds how many conversations an agent holds (status agent)
// when a turn gives them one more.
type AgentLimit struct {
	Agent string
	Max   int
}

// CodeStore keeps one-time codes.
type CodeStore interface {
	// ActiveCode returns the newest unused, unvoided code of a conversation
	// and purpose (expired or not), or ENOTFOUND.
	ActiveCode(ctx context.Context, conversationID, purpose string) (*Code, error)
	// AddCodeTry counts a wrong submission and returns the new count.
	AddCodeTry(ctx context.Context, codeID string) (int, error)
	// ConsumeCode marks a code used. Exactly one of concurrent callers
	// succeeds; the others get ECONFLICT.
	ConsumeCode(ctx context.Context, codeID string, at time.Time) error
}

// AttemptStore counts events for throttling and lockout: failed
// verifications per record and per client address, codes sent per record,
// new conversations per client address.
//
// Every limit is checked with Reserve, never by counting first and adding
// later: two callers who both read "4 of 5" before either writes would both
// go ahead. Reserve counts, decides and records in one atomic step, before
// the expensive or irreversible work it guards (comparing a code, sending
// one); an attempt that turns out a success is then given back with
// Release. The step must be atomic across every process sharing the store,
// not just within one: the SQLite store runs it as one write transaction
// (BEGIN IMMEDIATE holds the database's write lock from the first count to
// the insert); a PostgreSQL store runs it as one transaction that first
// takes a transaction-scoped lock on each reservation's kind and key, in a
// fixed order (pg_advisory_xact_lock on a hash of them, sorted), then
// counts and inserts. storage/storetest checks the exact bound under
// concurrent callers.
type AttemptStore interface {
	// Reserve, in one atomic step, counts each reservation's attempts in
	// its windows and finds its newest attempt, then records one attempt
	// for each of them, or for none: when any window with a Max already
	// holds Max attempts, nothing is recorded and ok is false. The tallies
	// (one per reservation, in order) describe the attempts before this
	// one, whether or not it was recorded.
	Reserve(ctx context.Context, rs ...Reservation) (tallies []Tally, ok bool, err error)
	// Release deletes attempts Reserve recorded, by Tally.ID, once they
	// turned out not to be what they count (a right code is no failure).
	// IDs of 0, and of attempts already gone, are ignored.
	Release(ctx context.Context, ids ...int64) error

	// AddAttempt records an attempt without any check (tests, imports).
	AddAttempt(ctx context.Context, kind, key string, at time.Time) error
	// CountAttempts counts a key's attempts at or after since, for reads
	// that decide nothing on their own (is the record paused right now?).
	CountAttempts(ctx context.Context, kind, key string, since time.Time) (int, error)
	// LastAttempt returns the time of the newest attempt, zero if none.
	LastAttempt(ctx context.Context, kind, key string) (time.Time, error)
	// ClearAttempts forgets a key's attempts (after a success).
	ClearAttempts(ctx context.Context, kind, key string) error
}

// Reservation is one attempt to check and record with AttemptStore.Reserve.
type Reservation struct {
	Kind, Key string
	At        time.Time
	Windows   []Window // counted before the attempt is recorded
}

// Window counts a key's attempts at or after Since. With Max > 0 it is
// also a limit: a window already holding Max attempts refuses the
// reservation.
type Window struct {
	Since time.Time
	Max   int
}

// Tally is what Reserve found for one reservation, not counting the
// attempt itself.
type Tally struct {
	Counts []int       // attempts in each window, in the order given
	Oldest []time.Time // each window's oldest attempt; zero when it is empty
	Last   time.Time   // the key's newest attempt ever; zero if none
	ID     int64       // the attempt recorded, for Release; 0 when refused
}
