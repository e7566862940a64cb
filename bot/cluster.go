package bot

import (
	"context"
	"fmt"
	"time"
)

// The seams that let several processes (nodes) serve one store. Each has
// an in-process default that is the single node's behaviour: with none of
// them set, the engine is exactly what it is on one SQLite file. A
// PostgreSQL deployment sets all four (storage/postgres); see
// docs/architecture.md "Several nodes".

// Locker serializes a conversation's turns across every process sharing
// the store. Within one process the engine's own lock already does; the
// Locker is taken after it, for the whole turn (load, dialog, commit).
// Holding it, the engine reads the conversation again, since another node
// may have changed it.
type Locker interface {
	// Lock blocks until the conversation is the caller's alone, or ctx
	// ends. The lock is also given up if the process holding it dies.
	Lock(ctx context.Context, conversationID string) (unlock func(), err error)
}

// Bus carries notices between the processes serving one store, after the
// change they describe committed. A notice names what changed, never the
// change itself: whoever hears it reads the rows. A lost notice is healed
// by the next one about the same conversation, by the client's resume, or
// by the desk's periodic resync.
type Bus interface {
	Publish(ctx context.Context, n Notice) error
	// Listen calls fn for every notice other processes publish, until ctx
	// ends; it reconnects by itself and returns nil when ctx ends.
	Listen(ctx context.Context, fn func(Notice)) error
}

// NoticeKind says what a Notice is about.
type NoticeKind string

// Kinds of notices.
const (
	NoticeTurn      NoticeKind = "turn"      // a turn of the conversation committed, up to Seq
	NoticeTyping    NoticeKind = "typing"    // From is typing (On) or stopped
	NoticeFollowups NoticeKind = "followups" // the follow-ups the consoles list changed
	NoticeQueues    NoticeKind = "queues"    // an admin changed the queues (Deps.Queues reads them)
	NoticeFlow      NoticeKind = "flow"      // a flow version was published (Flow, Seq the version)
)

// Notice is one message on the Bus: small, ids and seqs only.
type Notice struct {
	Node         string // the process that published it: its node name and an instance id
	Kind         NoticeKind
	Conversation string
	Flow         string // NoticeFlow
	Seq          int64  // NoticeTurn: the conversation's last seq after the turn; NoticeFlow: the version
	Desk         bool   // NoticeTurn: the conversation was or is on the desk; the others need not read it unless a client of it is attached to them
	From         From   // NoticeTyping
	On           bool   // NoticeTyping
}

// Presence shares who is connected where: agents with a console open, and
// waiting patients with a page open, on any process. The engine reports
// its own every Config.DeskInterval; an agent's grace period and a waiting
// patient's "left" are measured from the last time any process saw them.
type Presence interface {
	// Here records keys ("agent:<id>", "conversation:<id>") as connected to
	// this process at at, and returns every key any process saw at or
	// after since, with the latest time it was seen.
	Here(ctx context.Context, keys []string, at, since time.Time) (map[string]time.Time, error)
}

// Leases keeps singleton work (the idle sweep, retention) on one process at
// a time: a lease is held for its ttl and renewed by its holder; a dead
// holder's lease expires and another process takes it over.
type Leases interface {
	// Hold takes or renews the named lease for ttl and reports whether
	// this process holds it.
	Hold(ctx context.Context, name string, ttl time.Duration) (bool, error)
}

// presenceKey names an agent or a conversation for Presence.
func presenceKey(kind, id string) string { return kind + ":" + id }

// shared reports whether other processes may change the store: a Locker is
// set. Cached conversations are then read again under the lock.
func (e *Engine) shared() bool { return e.lock != nil }

// lockTurn takes a conversation's locks for a turn: the process's own, then
// the Locker's when there is one, and has its conversation loaded (read
// again when shared). Clients attached here are first told what other
// processes committed since they last heard. done releases everything.
func (e *Engine) lockTurn(ctx context.Context, id string) (*live, func(), error) {
	l := e.acquire(id)
	l.mu.Lock()
	unlock := func() {}
	done := func() {
		unlock()
		l.mu.Unlock()
		e.release(id, l)
	}
	if e.lock != nil {
		u, err := e.lock.Lock(ctx, id)
		if err != nil {
			done()
			return nil, nil, err
		}
		unlock = u
		if l.conv != nil { // another node may have written since
			fresh, err := e.store.Conversation(ctx, id)
			if err != nil {
				done()
				return nil, nil, fmt.Errorf("load conversation: %w", err)
			}
			e.catchUp(ctx, l, fresh)
		}
	}
	if err := e.load(ctx, id, l); err != nil {
		done()
		return nil, nil, err
	}
	return l, done, nil
}

// publish tells the other processes, if any, after a commit. A failure is
// logged: the notice is a hint, and the clients heal on resume.
func (e *Engine) publish(ctx context.Context, n Notice) {
	if e.bus == nil {
		return
	}
	n.Node = e.origin
	if err := e.bus.Publish(context.WithoutCancel(ctx), n); err != nil {
		e.log.Warn().Err(err).Str("conversation", n.Conversation).Msg("publish notice")
	}
}

// holdLease reports whether this process may do the named singleton work
// now; without Leases it always may.
func (e *Engine) holdLease(ctx context.Context, name string, ttl time.Duration) bool {
	if e.leases == nil {
		return true
	}
	ok, err := e.leases.Hold(ctx, name, ttl)
	if err != nil {
		e.log.Warn().Err(err).Str("lease", name).Msg("hold lease")
		return false
	}
	return ok
}

// Leases the engine takes.
const leaseSweep = "sweep" // the idle sweep

// leaseTTL is how long a lease renewed every interval is held: long
// enough to survive a late tick, short enough that a dead holder's work
// is taken over within a few intervals.
func leaseTTL(interval time.Duration) time.Duration { return 3 * interval }

// presenceFresh is how recently a key must have been seen to count as
// connected now: a few of the reports every process makes each
// Config.DeskInterval.
func (e *Engine) presenceFresh() time.Duration { return 3 * e.cfg.DeskInterval }

// presentElsewhere reports whether another process has a page of the
// conversation open, as Presence last said.
func (e *Engine) presentElsewhere(id string) bool {
	if e.presence == nil {
		return false
	}
	d := e.desk
	d.mu.Lock()
	defer d.mu.Unlock()
	at, ok := e.seen[presenceKey(presenceConversation, id)]
	return ok && e.clock.Now().Sub(at) < e.presenceFresh()
}
