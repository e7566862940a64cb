package bot

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"time"
)

// Verification purposes of one-time codes.
const purposeVerify = "verify"

// find looks the record up by demographics and remembers it privately. The
// flow goes on the same way whether or not anything matched.
func (t *turn) find(l Lookup) (string, error) {
	id, err := t.e.dir.Find(t.ctx, l)
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
// the outside world differs (a code is or is not delivered). The send is
// reserved against the record's limits before it is queued.
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

	to, via, why, err := t.sendable(record, channel)
	if err != nil {
		return "", err
	}
	t.out.Codes[len(t.out.Codes)-1].Channel = via
	// The same reservation whether or not the code will go out; one that
	// will not is made against the conversation, under limits it never
	// reaches.
	kind, key := attemptCodeSent, record
	if why != "" {
		kind, key = attemptCodeNone, t.conv.ID
	}
	_, ok, err := t.e.attempts.Reserve(t.ctx, Reservation{Kind: kind, Key: key, At: t.now, Windows: []Window{
		{Since: t.now.Add(-lim.CodeSendWindow), Max: lim.CodeSendsPerWindow},
		{Since: t.now.Add(-24 * time.Hour), Max: lim.CodeSendsPerDay},
	}})
	if err != nil {
		return "", fmt.Errorf("reserve code send: %w", err)
	}
	if why == "" && !ok {
		why = "record_throttled"
	}
	// A code that must not go out is still written to the outbox, as
	// withheld, so that the turn's writes are the same.
	subject, body := codeNotice(t.conv.Locale, t.e.cfg.PortalName, otp, lim.CodeTTL)
	t.deliver(via, to, subject, body, "otp").Withheld = why
	if why != "" {
		t.audit("code.issued", "suppressed", why)
		return outcomeSent, nil
	}
	t.audit("code.issued", "sent", channel)
	return outcomeSent, nil
}

// sendable returns the contact a code for record may go to and by which
// delivery channel, or why it must not go out. It reads the same for a
// record as for none (dummyRecord).
func (t *turn) sendable(record, channel string) (to, via, why string, err error) {
	look := record
	if look == "" {
		look = dummyRecord
	}
	to, via, err = t.codeContact(look, channel)
	if err != nil && ErrorCode(err) != ENOTFOUND {
		return "", "", "", err
	}
	paused, err := t.paused(look)
	switch {
	case err != nil:
		return "", "", "", err
	case record == "":
		return "", via, "no_match", nil
	case to == "":
		return "", via, "no_contact", nil
	case paused:
		return "", via, "record_paused", nil
	}
	return to, via, "", nil
}

// codeContact is where a one-time code for record goes when the patient
// chose channel. In a conversation by text message, a code texted to the
// number on file proves possession only if the patient is texting from
// that number; from any other number the code goes to the email on file
// instead. The patient is told the same either way (the reply names the
// channel they chose), so the reply says nothing about the record.
func (t *turn) codeContact(record, channel string) (to, via string, err error) {
	c, err := t.e.dir.Contacts(t.ctx, record)
	if err != nil {
		return "", channel, fmt.Errorf("contacts: %w", err)
	}
	if channel != DeliverSMS {
		return c.Email, channel, nil
	}
	if t.conv.Channel == ChannelSMS && c.Phone != t.conv.Peer() && t.e.canSend(DeliverEmail) {
		return c.Email, DeliverEmail, nil
	}
	return c.Phone, channel, nil
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

// checkCode verifies the one-time code the patient typed. The attempt is
// reserved as a failure of the record (and of the client address) before
// the code is compared; a right code gives the reservations back.
func (t *turn) checkCode(otp string) (string, error) {
	if t.conversationLocked() {
		return outcomeLocked, nil
	}
	code, err := t.e.codes.ActiveCode(t.ctx, t.conv.ID, purposeVerify)
	if err != nil && ErrorCode(err) != ENOTFOUND {
		return "", fmt.Errorf("active code: %w", err)
	}
	if code == nil {
		// Nothing issued: compare against a dummy so timing says nothing.
		code = &Code{Salt: newSalt(), Hash: make([]byte, 32), ExpiresAt: t.now.Add(time.Minute)}
	}
	var aimed []string
	if code.Subject != "" {
		aimed = []string{code.Subject}
	}
	f, err := t.reserveFailure(aimed)
	if err != nil {
		return "", err
	}
	if !f.ok {
		return t.ipLocked()
	}
	tl, found := f.records[code.Subject]
	paused := found && t.pausedBefore(tl)
	match := subtle.ConstantTimeCompare(hashCode(code.Salt, otp), code.Hash) == 1
	// A code that has had its wrong tries is dead, whatever the flow asks next.
	match = match && code.Tries < t.e.cfg.Limits.CodeMaxTries
	switch {
	case match && found && !paused && t.now.After(code.ExpiresAt):
		if err := t.succeeded(f, ""); err != nil { // not a guess: nothing counts
			return "", err
		}
		t.audit("verify.attempt", "expired", "otp")
		return outcomeExpired, nil
	case match && found && !paused:
		err := t.e.codes.ConsumeCode(t.ctx, code.ID, t.now)
		if ErrorCode(err) == ECONFLICT {
			return t.verifyFailed(code, f, "otp", "reused")
		} else if err != nil {
			return "", fmt.Errorf("consume code: %w", err)
		}
		if err := t.succeeded(f, code.Subject); err != nil {
			return "", err
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
	return t.verifyFailed(code, f, "otp", why)
}

// verifyFailed books a failed code and says whether the patient may try
// again (wrong) or has used up their tries (failed).
func (t *turn) verifyFailed(code *Code, f failures, how, why string) (string, error) {
	if code.ID != "" {
		if _, err := t.e.codes.AddCodeTry(t.ctx, code.ID); err != nil {
			return "", fmt.Errorf("count code try: %w", err)
		}
	}
	t.failed(f, why)
	wrong := t.counter(slotCodeWrong) + 1
	t.setCounter(slotCodeWrong, wrong)
	t.audit("verify.attempt", "failed", how)
	if wrong >= t.e.cfg.Limits.CodeMaxTries {
		return outcomeFailed, nil
	}
	return outcomeWrong, nil
}

// verified marks the conversation verified for a record.
func (t *turn) verified(record, how string) {
	t.conv.Subject, t.conv.VerifiedAt, t.conv.VerifiedBy = record, t.now, how
	t.conv.Slots[slotRecord] = record
	t.setCounter(slotCodeWrong, 0)
	t.setCounter(slotActWrong, 0)
	delete(t.conv.Slots, slotHandoffWhy)
	t.audit("verify.attempt", "ok", how)
	// A success clears the record's failure count, in the turn's commit.
	t.out.Clears = append(t.out.Clears, AttemptKey{Kind: attemptVerifyRecord, Key: record})
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
// of birth and ZIP. Those two alone say which records a guess is aimed
// at, so the attempt is reserved as a failure of each of them (of the
// conversation when none) before any code is compared. Portico keeps the
// codes, whatever the directory: the code must match the record's stored
// hash, be unexpired, and belong to a pending account.
func (t *turn) checkActivationCode(code, dob, zip string) (string, error) {
	if t.conversationLocked() {
		return outcomeLocked, nil
	}
	aimed, err := t.e.dir.Matches(t.ctx, dob, zip)
	if err != nil {
		return "", fmt.Errorf("records for activation code: %w", err)
	}
	f, err := t.reserveFailure(aimed)
	if err != nil {
		return "", err
	}
	if !f.ok {
		return t.ipLocked()
	}
	id, err := t.activationRecord(code, aimed)
	if err != nil {
		return "", err
	}
	tl, found := f.records[id]
	paused := found && t.pausedBefore(tl)
	if found && !paused {
		if err := t.succeeded(f, id); err != nil {
			return "", err
		}
		t.verified(id, "activation_code")
		return outcomeVerified, nil
	}
	why := "wrong"
	if paused {
		why = "record_paused"
	}
	t.failed(f, why)
	wrong := t.counter(slotActWrong) + 1
	t.setCounter(slotActWrong, wrong)
	t.audit("verify.attempt", "failed", "activation_code")
	if wrong >= t.e.cfg.Limits.ActivationMaxTries {
		return outcomeFailed, nil
	}
	return outcomeWrong, nil
}

// activationRecord returns the one record among candidates whose live
// activation code is code and whose account is pending, or "". An expired
// code, a used one and an account no longer pending all look like a wrong
// code. Every candidate's code is compared, and exactly one account is
// read whether or not a code matched (dummyRecord's when none did), so
// the work does not tell a right code from a wrong one.
func (t *turn) activationRecord(code string, candidates []string) (string, error) {
	stored, err := t.e.activation.ActivationCodes(t.ctx, candidates)
	if err != nil {
		return "", fmt.Errorf("activation codes: %w", err)
	}
	live := liveActivationCodes(code, candidates, stored, t.now)
	if len(live) == 0 {
		live = []string{dummyRecord}
	}
	match, matches := "", 0
	for _, id := range live {
		acc, err := t.e.dir.Account(t.ctx, id)
		switch {
		case ErrorCode(err) == ENOTFOUND:
			continue
		case err != nil:
			return "", fmt.Errorf("account for activation code: %w", err)
		case acc.Status == AccountPending && id != dummyRecord:
			match = id
			matches++
		}
	}
	if matches != 1 {
		return "", nil
	}
	return match, nil
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
