package bot

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"time"
)

// Attempt kinds counted in the AttemptStore.
const (
	attemptVerifyRecord = "verify_fail_record" // failed verifications per record
	attemptVerifyIP     = "verify_fail_ip"     // failed verifications per client IP
	attemptCodeSent     = "code_sent"          // codes sent per record
)

// noRecord is the attempt key written when there is no record to count
// against; nothing reads it.
const noRecord = ""

// RecordFailureKind is the attempt kind of a record's failed
// verifications. Retention keeps these rows: a hard lock must last until
// staff lift it, however old its failures are.
const RecordFailureKind = attemptVerifyRecord

// Verification purposes of one-time codes.
const purposeVerify = "verify"

// find looks the record up by demographics and remembers it privately. The
// flow goes on the same way whether or not anything matched.
func (t *turn) find(d Demographics) (string, error) {
	id, err := t.e.dir.Find(t.ctx, d)
	switch {
	case ErrorCode(err) == ENOTFOUND:
		id = ""
	case err != nil:
		return "", fmt.Errorf("find record: %w", err)
	}
	t.conv.Slots[slotRecord] = id
	t.conv.Subject, t.conv.VerifiedAt, t.conv.VerifiedBy = "", time.Time{}, ""
	outcome := "matched"
	if id == "" {
		outcome = "no_match"
	}
	t.audit("verify.lookup", outcome, "")
	return outcomeDone, nil
}

// sendCode issues a one-time code and queues it to the chosen contact on
// file. It does the same work, and says the same thing, when no record
// matched, the record has no such contact, or sends are throttled: only
// the outside world differs (a code is or is not delivered).
func (t *turn) sendCode(channel string) (string, error) {
	lim := t.e.cfg.Limits
	sent := t.counter(slotCodesSent)
	if sent >= lim.CodesPerConversation {
		t.conv.Slots[slotHandoffWhy] = "codes_exhausted"
		t.audit("code.issued", "refused", "conversation limit")
		return outcomeTooMany, nil
	}
	if !t.e.canSend(channel) {
		// Never offered (see channels.go): only a flow that names a channel
		// some other way gets here. Saying "we sent a code" would be untrue.
		return "", fmt.Errorf("send_code: channel %q has no transport", channel)
	}
	t.setCounter(slotCodesSent, sent+1)
	t.conv.Slots[slotChannel] = channel

	record := t.conv.Slots[slotRecord]
	otp := newOTP(lim.CodeDigits)
	salt := newSalt()
	code := Code{
		ID: newID(), ConversationID: t.conv.ID, Purpose: purposeVerify, Subject: record, Channel: channel,
		Salt: salt, Hash: hashCode(salt, otp), ExpiresAt: t.now.Add(lim.CodeTTL), CreatedAt: t.now,
	}
	t.out.Codes = append(t.out.Codes, code)
	t.setCounter(slotCodeWrong, 0)

	why, err := t.suppressCode(record, channel)
	if err != nil {
		return "", err
	}
	if why != "" {
		// The same write as a real send, so that the reply's timing does
		// not tell whether a code went out (and so whether the record exists).
		if err := t.e.attempts.AddAttempt(t.ctx, attemptCodeSent, noRecord, t.now); err != nil {
			return "", fmt.Errorf("count code send: %w", err)
		}
		t.audit("code.issued", "suppressed", why)
		return outcomeSent, nil
	}
	to, _ := t.contact(record, channel)
	subject, body := codeNotice(t.conv.Locale, t.e.cfg.PortalName, otp, lim.CodeTTL)
	t.deliver(channel, to, subject, body, "otp")
	if err := t.e.attempts.AddAttempt(t.ctx, attemptCodeSent, record, t.now); err != nil {
		return "", fmt.Errorf("count code send: %w", err)
	}
	t.audit("code.issued", "sent", channel)
	return outcomeSent, nil
}

// suppressCode says why a code must not go out, or "" when it may.
func (t *turn) suppressCode(record, channel string) (string, error) {
	if record == "" {
		return "no_match", nil
	}
	if to, err := t.contact(record, channel); err != nil {
		return "", err
	} else if to == "" {
		return "no_contact", nil
	}
	if paused, err := t.paused(record); err != nil || paused {
		return "record_paused", err
	}
	lim := t.e.cfg.Limits
	recent, err := t.e.attempts.CountAttempts(t.ctx, attemptCodeSent, record, t.now.Add(-lim.CodeSendWindow))
	if err != nil {
		return "", fmt.Errorf("count code sends: %w", err)
	}
	daily, err := t.e.attempts.CountAttempts(t.ctx, attemptCodeSent, record, t.now.Add(-24*time.Hour))
	if err != nil {
		return "", fmt.Errorf("count code sends: %w", err)
	}
	if recent >= lim.CodeSendsPerWindow || daily >= lim.CodeSendsPerDay {
		return "record_throttled", nil
	}
	return "", nil
}

// contact returns the record's contact for a channel, "" if none on file.
func (t *turn) contact(record, channel string) (string, error) {
	c, err := t.e.dir.Contacts(t.ctx, record)
	if err != nil {
		return "", fmt.Errorf("contacts: %w", err)
	}
	if channel == "sms" {
		return c.Phone, nil
	}
	return c.Email, nil
}

// checkCode verifies the one-time code the patient typed.
func (t *turn) checkCode(otp string) (string, error) {
	if locked, err := t.conversationLocked(); err != nil || locked {
		return outcomeLocked, err
	}
	code, err := t.e.codes.ActiveCode(t.ctx, t.conv.ID, purposeVerify)
	if err != nil && ErrorCode(err) != ENOTFOUND {
		return "", fmt.Errorf("active code: %w", err)
	}
	if code == nil {
		// Nothing issued: compare against a dummy so timing says nothing.
		code = &Code{Salt: newSalt(), Hash: make([]byte, 32), ExpiresAt: t.now.Add(time.Minute)}
	}
	match := subtle.ConstantTimeCompare(hashCode(code.Salt, otp), code.Hash) == 1
	// A code that has had its wrong tries is dead, whatever the flow asks next.
	match = match && code.Tries < t.e.cfg.Limits.CodeMaxTries
	paused, err := t.paused(code.Subject)
	if err != nil {
		return "", err
	}
	switch {
	case match && code.Subject != "" && !paused && t.now.After(code.ExpiresAt):
		t.audit("verify.attempt", "expired", "otp")
		return outcomeExpired, nil
	case match && code.Subject != "" && !paused:
		err := t.e.codes.ConsumeCode(t.ctx, code.ID, t.now)
		if ErrorCode(err) == ECONFLICT {
			return t.verifyFailed(code, "otp", "reused")
		} else if err != nil {
			return "", fmt.Errorf("consume code: %w", err)
		}
		t.audit("code.used", "ok", code.Channel)
		t.verified(code.Subject, "otp_"+code.Channel)
		if err := t.maskedContacts(code.Subject); err != nil {
			return "", err
		}
		return outcomeVerified, nil
	}
	why := "wrong"
	if paused {
		why = "record_paused"
	}
	return t.verifyFailed(code, "otp", why)
}

// verifyFailed counts a failed code and says whether the patient may try
// again (wrong) or has used up their tries (failed).
func (t *turn) verifyFailed(code *Code, how, why string) (string, error) {
	if code.ID != "" {
		if _, err := t.e.codes.AddCodeTry(t.ctx, code.ID); err != nil {
			return "", fmt.Errorf("count code try: %w", err)
		}
	}
	if err := t.countFailure(code.Subject, why); err != nil {
		return "", err
	}
	wrong := t.counter(slotCodeWrong) + 1
	t.setCounter(slotCodeWrong, wrong)
	t.audit("verify.attempt", "failed", how)
	if wrong >= t.e.cfg.Limits.CodeMaxTries {
		return outcomeFailed, nil
	}
	return outcomeWrong, nil
}

// countFailure records a failed verification against the record, the
// conversation and the client IP. Without a record (record is noRecord)
// the record's write still happens, under a key nothing reads, so that
// timing does not tell whether one was found.
func (t *turn) countFailure(record, why string) error {
	if err := t.e.attempts.AddAttempt(t.ctx, attemptVerifyRecord, record, t.now); err != nil {
		return fmt.Errorf("count failure: %w", err)
	}
	if record != noRecord && why == "record_paused" {
		t.conv.Slots[slotHandoffWhy] = "record_paused"
	}
	if record != noRecord && why != "record_paused" {
		// The failure that starts a pause is worth its own audit row.
		if paused, err := t.paused(record); err != nil {
			return err
		} else if paused {
			t.audit("verify.paused", "locked", "record")
		}
	}
	if t.source != "" {
		if err := t.e.attempts.AddAttempt(t.ctx, attemptVerifyIP, t.source, t.now); err != nil {
			return fmt.Errorf("count failure: %w", err)
		}
	}
	t.setCounter(slotFailures, t.counter(slotFailures)+1)
	return nil
}

// conversationLocked reports whether this conversation or its client IP has
// failed too often. It depends only on the conversation's own behaviour,
// so it says nothing about whether a record exists.
func (t *turn) conversationLocked() (bool, error) {
	lim := t.e.cfg.Limits
	if t.counter(slotFailures) >= lim.ConversationFailures {
		t.audit("verify.locked", "locked", "conversation")
		return true, nil
	}
	if t.source == "" {
		return false, nil
	}
	n, err := t.e.attempts.CountAttempts(t.ctx, attemptVerifyIP, t.source, t.now.Add(-lim.FailureWindow))
	if err != nil {
		return false, fmt.Errorf("count ip failures: %w", err)
	}
	if n >= lim.IPFailures {
		t.audit("verify.locked", "locked", "ip")
		return true, nil
	}
	return false, nil
}

// paused reports whether a record's self-service verification is paused:
// after FailuresBeforePause failures within FailureWindow it waits, the wait
// doubling with each further batch of failures up to PauseMax; after
// HardLockAfter failures in a row only staff can unlock it.
func (t *turn) paused(record string) (bool, error) {
	if record == "" {
		return false, nil
	}
	lim := t.e.cfg.Limits
	total, err := t.e.attempts.CountAttempts(t.ctx, attemptVerifyRecord, record, time.Time{})
	if err != nil {
		return false, fmt.Errorf("count record failures: %w", err)
	}
	if total >= lim.HardLockAfter {
		return true, nil
	}
	recent, err := t.e.attempts.CountAttempts(t.ctx, attemptVerifyRecord, record, t.now.Add(-lim.FailureWindow))
	if err != nil {
		return false, fmt.Errorf("count record failures: %w", err)
	}
	if recent < lim.FailuresBeforePause {
		return false, nil
	}
	last, err := t.e.attempts.LastAttempt(t.ctx, attemptVerifyRecord, record)
	if err != nil {
		return false, fmt.Errorf("last record failure: %w", err)
	}
	return t.now.Before(last.Add(PauseFor(total, lim))), nil
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

// verified marks the conversation verified for a record.
func (t *turn) verified(record, how string) {
	t.conv.Subject, t.conv.VerifiedAt, t.conv.VerifiedBy = record, t.now, how
	t.conv.Slots[slotRecord] = record
	t.setCounter(slotCodeWrong, 0)
	t.setCounter(slotActWrong, 0)
	delete(t.conv.Slots, slotHandoffWhy)
	t.audit("verify.attempt", "ok", how)
	// A success clears the record's failure count. It is written now, not
	// with the turn, which at worst leaves a stale count after a crash.
	if err := t.e.attempts.ClearAttempts(t.ctx, attemptVerifyRecord, record); err != nil {
		t.e.log.Warn().Err(err).Str("conversation", t.conv.ID).Msg("clear failure count")
	}
}

// maskedContacts lets the flow show where codes go, after verification only.
func (t *turn) maskedContacts(record string) error {
	c, err := t.e.dir.Contacts(t.ctx, record)
	if err != nil {
		return fmt.Errorf("contacts: %w", err)
	}
	t.conv.Slots["masked_email"] = MaskEmail(c.Email)
	t.conv.Slots["masked_phone"] = MaskPhone(c.Phone)
	return nil
}

// checkActivationCode verifies the clinic's activation code with the date
// of birth and ZIP.
func (t *turn) checkActivationCode(code, dob, zip string) (string, error) {
	if locked, err := t.conversationLocked(); err != nil || locked {
		return outcomeLocked, err
	}
	id, err := t.e.dir.CheckActivationCode(t.ctx, code, dob, zip)
	if err != nil && ErrorCode(err) != ENOTFOUND {
		return "", fmt.Errorf("check activation code: %w", err)
	}
	paused, err := t.paused(id)
	if err != nil {
		return "", err
	}
	if id != "" && !paused {
		t.verified(id, "activation_code")
		return outcomeVerified, nil
	}
	why := "wrong"
	if paused {
		why = "record_paused"
	}
	if err := t.countFailure(id, why); err != nil {
		return "", err
	}
	wrong := t.counter(slotActWrong) + 1
	t.setCounter(slotActWrong, wrong)
	t.audit("verify.attempt", "failed", "activation_code")
	if wrong >= t.e.cfg.Limits.ActivationMaxTries {
		return outcomeFailed, nil
	}
	return outcomeWrong, nil
}

// errNotVerified guards account-changing actions at run time, behind the
// flow validator's static proof.
var errNotVerified = errors.New("account action without verified identity")

func (t *turn) requireVerified() (string, error) {
	if t.conv.Subject == "" || t.conv.VerifiedAt.IsZero() {
		return "", errNotVerified
	}
	return t.conv.Subject, nil
}

// UnlockRecord lets a record verify itself again after a pause or after
// HardLockAfter failures: staff call it once they have checked who the
// patient is (portico patients unlock).
func UnlockRecord(ctx context.Context, attempts AttemptStore, recordID string) error {
	if err := attempts.ClearAttempts(ctx, attemptVerifyRecord, recordID); err != nil {
		return fmt.Errorf("unlock record: %w", err)
	}
	return nil
}
