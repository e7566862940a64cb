package ldap

import (
	"context"
	"strings"

	goldap "github.com/go-ldap/ldap/v3"
)

// Account changes. Each takes the engine's idempotency key
// (conversationID:step). A key that completed in this process returns nil
// at once. After a restart, what keeps a repeated call from changing
// anything twice is the directory's own state:
//
//   - SetPassword: OpenLDAP's ppolicy (with pwdInHistory > 0) refuses a
//     password equal to the current one with "not being changed from
//     existing value"; that refusal means the change already happened and
//     is reported as success. Without history, the server sets the same
//     password again, which changes nothing a patient can see.
//   - Activate: the status moves from pending to active with a
//     value-specific delete, which the server applies only if the value is
//     still pending, so two activations cannot both win; an account
//     already active under the requested username is a repeat.
//   - Unlock: clearing a lock that is not there is success.

// SetPassword sets record id's password through the server, bound as the
// service account, so the server's password policy applies: a refusal is
// CodeInvalid with ReasonTooShort, ReasonInHistory, ReasonTooRecent,
// ReasonComplexity or ReasonPolicy. A pending account (nothing to reset)
// is CodeConflict, a disabled one CodeLocked. It does not lift a lockout:
// call Unlock after it for a reset. Two round trips.
func (d *Directory) SetPassword(ctx context.Context, id, password, key string) error {
	if d.keys.done(key) {
		return nil
	}
	if password == "" || len(password) > maxPasswordLen {
		return invalid(ReasonPolicy)
	}
	err := d.call(ctx, "set password", func(c *conn) error {
		e, err := d.byID(ctx, c, id, d.stateAttrs()...)
		if err != nil {
			return err
		}
		switch d.status(e) {
		case StatusPending:
			return conflict("not_activated")
		case StatusDisabled:
			return &Error{Code: CodeLocked}
		}
		return d.setPassword(ctx, c, e.DN, password)
	})
	if err == nil {
		d.keys.add(key)
	}
	return err
}

// setPassword sets dn's password: the Password Modify extended operation,
// or on AD a replace of unicodePwd.
func (d *Directory) setPassword(ctx context.Context, c *conn, dn, password string) error {
	if d.cfg.Flavor == FlavorAD {
		m := goldap.NewModifyRequest(dn, nil)
		m.Replace(attrUnicodePwd, []string{encodeUnicodePwd(password)})
		return d.passwordResult(c.modify(ctx, m))
	}
	_, err := c.extended(ctx, passwordModify(dn, password))
	return d.passwordResult(err)
}

// passwordResult maps the server's answer to a password change.
func (d *Directory) passwordResult(err error) error {
	if err == nil || transportFailed(err) {
		return err
	}
	if d.cfg.Flavor == FlavorAD {
		if reason, ok := adPasswordReason(diagnostic(err)); ok {
			return invalid(reason)
		}
		return err
	}
	reason, already := passwordRefusal(err)
	switch {
	case already:
		return nil
	case reason != "":
		return invalid(reason)
	}
	return err
}

// Activate gives pending record id its username and password and makes it
// active.
//
// On AD this is one modify: sAMAccountName (the username attribute),
// unicodePwd, userAccountControl with ACCOUNTDISABLE cleared (the old
// value deleted and the new added, so a concurrent change makes it fail
// rather than be overwritten) and the status attribute.
//
// On OpenLDAP it is two operations, password first: the Password Modify
// extended operation (the only way to have the server hash the password
// and apply ppolicy without depending on ppolicy_hash_cleartext), then
// one modify of the username and status. A policy refusal therefore
// leaves the account pending and untouched. If the second step fails
// (server gone between the two), the account is still pending with the
// new password set; the patient cannot sign in as the status is pending,
// and a retry (same key or not, same password) finds the password already
// current and completes the modify.
//
// A disabled account is CodeLocked; one already active under another
// username CodeConflict; a username taken CodeInvalid with
// ReasonUsernameTaken. Four round trips on OpenLDAP, three on AD.
func (d *Directory) Activate(ctx context.Context, id, username, password, key string) error {
	if d.keys.done(key) {
		return nil
	}
	if !d.validUsername(username) {
		return invalid(ReasonUsernameFormat)
	}
	if password == "" || len(password) > maxPasswordLen {
		return invalid(ReasonPolicy)
	}
	err := d.call(ctx, "activate", func(c *conn) error {
		e, err := d.byID(ctx, c, id, d.stateAttrs()...)
		if err != nil {
			return err
		}
		switch d.status(e) {
		case StatusDisabled:
			return &Error{Code: CodeLocked}
		case StatusActive, StatusLocked:
			return d.activatedBefore(ctx, c, e.DN, e.GetAttributeValue(d.cfg.Attributes.Username), username, password)
		}
		if err := d.usernameFree(ctx, c, id, username); err != nil {
			return err
		}
		if d.cfg.Flavor == FlavorAD {
			return d.activateAD(ctx, c, e.DN, e.GetAttributeValue(attrUAC), username, password)
		}
		if err := d.setPassword(ctx, c, e.DN, password); err != nil {
			return err
		}
		m := goldap.NewModifyRequest(e.DN, nil)
		m.Replace(d.cfg.Attributes.Username, []string{username})
		d.moveStatus(m)
		return d.activateResult(ctx, c, e.DN, username, c.modify(ctx, m))
	})
	if err == nil {
		d.keys.add(key)
	}
	return err
}

// activatedBefore decides what an Activate call on an account that is no
// longer pending means. Under another username it is a conflict. Under
// this username it is most likely this activation repeated after a crash:
// on OpenLDAP the password is set again, which the server reports as
// already current when it is (so the activation is complete) and applies
// under the policy otherwise; on AD, where no such answer exists, it is
// taken as done.
func (d *Directory) activatedBefore(ctx context.Context, c *conn, dn, onFile, username, password string) error {
	if !strings.EqualFold(onFile, username) {
		return conflict("already_active")
	}
	if d.cfg.Flavor == FlavorAD {
		return nil
	}
	return d.setPassword(ctx, c, dn, password)
}

// moveStatus adds to m the move of the status attribute from pending to
// active: delete the pending value (which fails if it is no longer there)
// and add the active one. Nothing without a status attribute.
func (d *Directory) moveStatus(m *goldap.ModifyRequest) {
	if s := d.cfg.Attributes.Status; s != "" {
		m.Delete(s, []string{d.cfg.StatusPending})
		m.Add(s, []string{d.cfg.StatusActive})
	}
}

// activateAD is the one AD modify.
func (d *Directory) activateAD(ctx context.Context, c *conn, dn, uac, username, password string) error {
	m := goldap.NewModifyRequest(dn, nil)
	m.Replace(d.cfg.Attributes.Username, []string{username})
	m.Replace(attrUnicodePwd, []string{encodeUnicodePwd(password)})
	old := parseUAC(uac)
	if uac == "" {
		old = uacNormalAccount | uacAccountDisable
	} else {
		m.Delete(attrUAC, []string{uac})
	}
	m.Add(attrUAC, []string{formatUAC(activatedUAC(old))})
	d.moveStatus(m)
	err := c.modify(ctx, m)
	if err == nil || transportFailed(err) {
		return err
	}
	if reason, ok := adPasswordReason(diagnostic(err)); ok {
		return invalid(reason)
	}
	return d.activateResult(ctx, c, dn, username, err)
}

// activateResult interprets the answer to the activating modify. A value
// no longer there (noSuchAttribute) means the account changed since we
// read it: read it again, and it is done if it is now active under this
// username (a concurrent repeat of this activation), a conflict
// otherwise. A constraint violation on the username (slapo-unique, AD's
// own uniqueness) means it was taken in the meantime.
func (d *Directory) activateResult(ctx context.Context, c *conn, dn, username string, err error) error {
	switch {
	case err == nil:
		return nil
	case goldap.IsErrorAnyOf(err, goldap.LDAPResultNoSuchAttribute, goldap.LDAPResultAttributeOrValueExists):
		e, rerr := d.entryAt(ctx, c, dn, d.stateAttrs()...)
		if rerr != nil {
			return rerr
		}
		st := d.status(e)
		if (st == StatusActive || st == StatusLocked) && strings.EqualFold(e.GetAttributeValue(d.cfg.Attributes.Username), username) {
			return nil
		}
		return conflict("changed_meanwhile")
	case goldap.IsErrorAnyOf(err, goldap.LDAPResultConstraintViolation, goldap.LDAPResultEntryAlreadyExists):
		return invalid(ReasonUsernameTaken)
	}
	return err
}

// Unlock lifts a sign-in lockout of record id: it deletes ppolicy's
// pwdAccountLockedTime (which also clears pwdFailureTime) on OpenLDAP, or
// writes 0 to lockoutTime on AD. An account not locked is left alone (nil).
// The permanent ppolicy lock (000001010000Z) is an administrator's and is
// CodeLocked. Two round trips when locked, one otherwise.
func (d *Directory) Unlock(ctx context.Context, id, key string) error {
	if d.keys.done(key) {
		return nil
	}
	err := d.call(ctx, "unlock", func(c *conn) error {
		e, err := d.byID(ctx, c, id, d.stateAttrs()...)
		if err != nil {
			return err
		}
		m := goldap.NewModifyRequest(e.DN, nil)
		if d.cfg.Flavor == FlavorAD {
			if !adLocked("", e.GetAttributeValue(attrLockoutTime)) {
				return nil
			}
			m.Replace(attrLockoutTime, []string{adUnlockedTime})
		} else {
			switch e.GetAttributeValue(attrLockedTime) {
			case "":
				return nil
			case permanentlyLocked:
				return &Error{Code: CodeLocked}
			}
			m.Delete(attrLockedTime, nil)
		}
		err = c.modify(ctx, m)
		if goldap.IsErrorWithCode(err, goldap.LDAPResultNoSuchAttribute) {
			return nil // unlocked meanwhile
		}
		return err
	})
	if err == nil {
		d.keys.add(key)
	}
	return err
}
