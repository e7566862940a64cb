package bot

import (
	"fmt"
	"strings"
)

// accountStatus branches on the verified record's portal account.
func (t *turn) accountStatus() (string, error) {
	record, err := t.requireVerified()
	if err != nil {
		return "", err
	}
	acc, err := t.e.dir.Account(t.ctx, record)
	if err != nil {
		return "", fmt.Errorf("account status: %w", err)
	}
	return string(acc.Status), nil
}

// checkUsername checks a username the patient chose before activation.
func (t *turn) checkUsername(username string) (string, error) {
	record, err := t.requireVerified()
	if err != nil {
		return "", err
	}
	err = t.e.dir.UsernameFree(t.ctx, record, username)
	return t.rejection(err, "check username")
}

// rejection turns a Directory's EINVALID into the rejected outcome with the
// reason worded for the patient.
func (t *turn) rejection(err error, what string) (string, error) {
	switch {
	case err == nil:
		delete(t.conv.Slots, slotReason)
		delete(t.conv.Slots, slotReasonKey)
		return outcomeOK, nil
	case ErrorCode(err) == EINVALID:
		reason := ErrorMessage(err)
		t.setReason(reason)
		t.audit(strings.ReplaceAll(what, " ", "_")+".rejected", "rejected", reason)
		return outcomeRejected, nil
	}
	return "", fmt.Errorf("%s: %w", what, err)
}

// setReason words a rejection reason for the patient into the {reason}
// slot, and keeps its key so that a change of language can word it again.
func (t *turn) setReason(key string) {
	t.conv.Slots[slotReasonKey] = key
	t.conv.Slots[slotReason] = t.reasonText(key)
}

// reasonText is a rejection reason's text in the conversation's locale.
func (t *turn) reasonText(key string) string {
	msg := text(key, t.conv.Locale)
	if msg == "" {
		msg = text("invalid", t.conv.Locale)
	}
	return strings.ReplaceAll(msg, "{min}", fmt.Sprint(t.e.cfg.PasswordMinLength))
}

// activate sets the username and password of a verified pending account.
// Portico's password policy runs first; the directory adds its own. The
// account's activation code dies with its activation.
func (t *turn) activate(username, password string) (string, error) {
	record, err := t.requireVerified()
	if err != nil {
		return "", err
	}
	err = t.checkPassword(record, username, password)
	if err == nil {
		err = portalReason(t.e.dir.Activate(t.ctx, record, username, password, t.key))
	}
	if ErrorCode(err) == ELOCKED {
		return t.unavailable()
	}
	outcome, err := t.rejection(err, "activate")
	if err != nil || outcome != outcomeOK {
		return outcome, err
	}
	// Written now, not with the turn: at worst a crash leaves a code of an
	// account no longer pending, which no longer verifies anyone.
	if err := t.e.activation.DropActivationCode(t.ctx, record); err != nil {
		t.e.log.Warn().Err(err).Str("conversation", t.conv.ID).Msg("drop used activation code")
	}
	t.audit("account.activated", "ok", "")
	subject, body := activatedNotice(t.conv.Locale, t.e.cfg.PortalName)
	return outcomeOK, t.deliverToContacts(record, "activated", subject, body)
}

// resetPassword sets a verified account's new password.
func (t *turn) resetPassword(password string) (string, error) {
	record, err := t.requireVerified()
	if err != nil {
		return "", err
	}
	err = t.checkPassword(record, "", password)
	if err == nil {
		err = portalReason(t.e.dir.SetPassword(t.ctx, record, password, t.key))
	}
	if ErrorCode(err) == ELOCKED {
		return t.unavailable()
	}
	outcome, err := t.rejection(err, "reset password")
	if err != nil || outcome != outcomeOK {
		return outcome, err
	}
	t.audit("password.reset", "ok", "")
	subject, body := passwordChangedNotice(t.conv.Locale, t.e.cfg.PortalName)
	return outcomeOK, t.deliverToContacts(record, "password_changed", subject, body)
}

// checkPassword applies Portico's password policy to a new password for
// a record, which will have username (its current one when empty), before
// the directory sees the password.
func (t *turn) checkPassword(record, username, password string) error {
	if t.e.password == nil {
		return nil
	}
	acc, err := t.e.dir.Account(t.ctx, record)
	if err != nil {
		return fmt.Errorf("account for password policy: %w", err)
	}
	if strings.TrimSpace(username) == "" {
		username = acc.Username
	}
	return t.e.password.CheckPassword(password, PasswordContext{Username: username, FirstName: acc.FirstName, LastName: acc.LastName})
}

// portalReason words the directory's own "too short" apart from
// Portico's: Portico's minimum was met, so "at least {min}" would be
// untrue; the portal wants more than Portico knows.
func portalReason(err error) error {
	if ErrorCode(err) == EINVALID && ErrorMessage(err) == PasswordTooShort {
		return &Error{Code: EINVALID, Message: PasswordTooShortPortal}
	}
	return err
}

// unavailable answers an account that cannot be changed online (disabled):
// the patient is told so plainly in the rejection reason.
func (t *turn) unavailable() (string, error) {
	t.setReason("account_unavailable")
	t.conv.Slots[slotHandoffWhy] = "account_disabled"
	t.audit("account.change", "refused", "disabled")
	return outcomeRejected, nil
}

// sendUsername sends the username to the contact the code went to.
func (t *turn) sendUsername() (string, error) {
	record, err := t.requireVerified()
	if err != nil {
		return "", err
	}
	acc, err := t.e.dir.Account(t.ctx, record)
	if err != nil {
		return "", fmt.Errorf("account: %w", err)
	}
	subject, body := usernameNotice(t.conv.Locale, t.e.cfg.PortalName, acc.Username)
	channel := strings.TrimPrefix(t.conv.VerifiedBy, "otp_")
	if channel != DeliverEmail && channel != DeliverSMS || !t.e.canSend(channel) {
		t.audit("username.sent", "ok", "contacts")
		return outcomeSent, t.deliverToContacts(record, "username", subject, body)
	}
	to, err := t.contact(record, channel)
	if err != nil {
		return "", err
	}
	t.deliver(channel, to, subject, body, "username")
	t.audit("username.sent", "ok", channel)
	return outcomeSent, nil
}

// MaskEmail shows just enough of an address to recognise it:
// jane.doe@example.org → j•••@example.org.
func MaskEmail(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at < 1 {
		return ""
	}
	r := []rune(email[:at])
	return string(r[0]) + "•••" + email[at:]
}

// MaskPhone shows the last four digits: +13125550123 → (•••) •••-0123.
func MaskPhone(phone string) string {
	var digits []byte
	for i := 0; i < len(phone); i++ {
		if phone[i] >= '0' && phone[i] <= '9' {
			digits = append(digits, phone[i])
		}
	}
	if len(digits) < 4 {
		return ""
	}
	return "(•••) •••-" + string(digits[len(digits)-4:])
}
