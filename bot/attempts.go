package bot

import (
	"fmt"
	"time"
)

// Attempt kinds counted in the AttemptStore.
const (
	attemptVerifyRecord = "verify_fail_record" // failed verifications per record
	attemptVerifyIP     = "verify_fail_ip"     // failed verifications per client address
	attemptCodeSent     = "code_sent"          // codes sent per record
	attemptNewConv      = "conversation_ip"    // new conversations per client address
	// When there is no record to count against, the same reads and writes
	// go to these kinds, keyed by the conversation, so that timing does not
	// tell whether a record was found. Nothing decides on them, and
	// retention deletes them with the other short-lived counts.
	attemptVerifyNone = "verify_fail_none"
	attemptCodeNone   = "code_sent_none"
)

// RecordFailureKind is the attempt kind of a record's failed
// verifications. Retention keeps these rows: a hard lock must last until
// staff lift it, however old its failures are.
const RecordFailureKind = attemptVerifyRecord

// dummyRecord is looked up (contacts, pause) when no record matched, so
// that the no-match path reads what the match path does. No record has
// this ID.
const dummyRecord = "pt_none"

// failures is one verification attempt reserved before the code is
// compared: the client address's failure, and one failure for each record
// the attempt was aimed at (or for the conversation when none).
type failures struct {
	ok      bool             // false: the address is over its limit, nothing was recorded
	ip      int64            // the address's reserved failure, 0 when none
	records map[string]Tally // by record, each as it was before this attempt
	ids     []int64          // every reserved attempt
}

// reserveFailure counts this attempt as a failure of each record (and of
// the client address) before anything is compared, in one atomic step: a
// burst of guesses from many conversations cannot all slip in under the
// limits. A success gives the reservations back (succeeded).
func (t *turn) reserveFailure(records []string) (failures, error) {
	lim := t.e.cfg.Limits
	var rs []Reservation
	if t.source != "" {
		rs = append(rs, Reservation{Kind: attemptVerifyIP, Key: IPKey(t.source, lim.IPv6Prefix), At: t.now,
			Windows: []Window{{Since: t.now.Add(-lim.FailureWindow), Max: lim.IPFailures}}})
	}
	counted := []Window{{Since: time.Time{}}, {Since: t.now.Add(-lim.FailureWindow)}}
	for _, r := range records {
		rs = append(rs, Reservation{Kind: attemptVerifyRecord, Key: r, At: t.now, Windows: counted})
	}
	if len(records) == 0 {
		rs = append(rs, Reservation{Kind: attemptVerifyNone, Key: t.conv.ID, At: t.now, Windows: counted})
	}
	tallies, ok, err := t.e.attempts.Reserve(t.ctx, rs...)
	if err != nil {
		return failures{}, fmt.Errorf("reserve verification: %w", err)
	}
	f := failures{ok: ok, records: map[string]Tally{}}
	for i, r := range rs {
		f.ids = append(f.ids, tallies[i].ID)
		switch r.Kind {
		case attemptVerifyIP:
			f.ip = tallies[i].ID
		case attemptVerifyRecord:
			f.records[r.Key] = tallies[i]
		}
	}
	return f, nil
}

// pausedBefore reports whether a record was paused when this attempt
// reached it: after FailuresBeforePause failures within FailureWindow it
// waits, the wait doubling with each further batch of failures up to
// PauseMax; after HardLockAfter failures in a row only staff can unlock it.
func (t *turn) pausedBefore(tl Tally) bool {
	lim := t.e.cfg.Limits
	total, recent := tl.Counts[0], tl.Counts[1]
	if total >= lim.HardLockAfter {
		return true
	}
	if recent < lim.FailuresBeforePause {
		return false
	}
	return t.now.Before(tl.Last.Add(PauseFor(total, lim)))
}

// pausesNow reports whether this failure is the one that pauses a record
// (for the audit): it was open before and is paused after.
func (t *turn) pausesNow(tl Tally) bool {
	after := Tally{Counts: []int{tl.Counts[0] + 1, tl.Counts[1] + 1}, Last: t.now}
	return !t.pausedBefore(tl) && t.pausedBefore(after)
}

// succeeded gives back the reservations of an attempt that turned out not
// to be a failure, but for record's: verified clears all of its failures.
func (t *turn) succeeded(f failures, record string) error {
	var back []int64
	for _, id := range f.ids {
		if tl, ok := f.records[record]; !ok || id != tl.ID {
			back = append(back, id)
		}
	}
	for _, id := range back {
		if id != 0 {
			t.out.Releases = append(t.out.Releases, id) // given back in the turn's commit
		}
	}
	return nil
}

// failed books a failed verification for the conversation: what the
// agent should know, the audit of any record it paused, and the
// conversation's own count. The store has counted it already.
func (t *turn) failed(f failures, why string) {
	if why == "record_paused" {
		t.conv.Slots[slotHandoffWhy] = "record_paused"
	}
	for record, tl := range f.records {
		if t.pausesNow(tl) {
			t.auditAbout(record, "verify.paused", "locked", "record")
		}
	}
	t.setCounter(slotFailures, t.counter(slotFailures)+1)
}

// ipLocked ends an attempt that the client address's limit refused.
func (t *turn) ipLocked() (string, error) {
	t.audit("verify.locked", "locked", "ip")
	return outcomeLocked, nil
}

// conversationLocked reports whether this conversation has failed too
// often. It depends only on the conversation's own behaviour, so it says
// nothing about whether a record exists. (The client address's limit is
// part of reserveFailure.)
func (t *turn) conversationLocked() bool {
	if t.counter(slotFailures) >= t.e.cfg.Limits.ConversationFailures {
		t.audit("verify.locked", "locked", "conversation")
		return true
	}
	return false
}

// paused reads whether a record's self-service verification is paused
// right now, for a decision that counts nothing (may a code be sent?).
// For dummyRecord it does the same reads and finds nothing.
func (t *turn) paused(record string) (bool, error) {
	lim := t.e.cfg.Limits
	total, err := t.e.attempts.CountAttempts(t.ctx, attemptVerifyRecord, record, time.Time{})
	if err != nil {
		return false, fmt.Errorf("count record failures: %w", err)
	}
	recent, err := t.e.attempts.CountAttempts(t.ctx, attemptVerifyRecord, record, t.now.Add(-lim.FailureWindow))
	if err != nil {
		return false, fmt.Errorf("count record failures: %w", err)
	}
	last, err := t.e.attempts.LastAttempt(t.ctx, attemptVerifyRecord, record)
	if err != nil {
		return false, fmt.Errorf("last record failure: %w", err)
	}
	return t.pausedBefore(Tally{Counts: []int{total, recent}, Last: last}), nil
}

// PauseFor is how long a record stays paused after total failures in a row:
// PauseBase for the first batch of FailuresBeforePause, doubling for each
// further batch, capped at PauseMax.
func PauseFor(total int, lim Limits) time.Duration {
	batches := total / lim.FailuresBeforePause
	if batches < 1 {
		return 0
	}
	d := lim.PauseBase
	for i := 1; i < batches && d < lim.PauseMax; i++ {
		d *= 2
	}
	return min(d, lim.PauseMax)
}
