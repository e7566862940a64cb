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
		return d.passwordResult(c.modify(ctx, adPasswordChange(dn, password)))
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
// On OpenLDAP it takes two steps, because only the Password Modify
// extended operation has the server hash the password and apply ppolicy
// whatever ppolicy_hash_cleartext says, and an extended operation cannot
// share a modify. First one modify claims the account: it deletes the
// pending status value (which the server applies only while it is still
// there, so of two concurrent activations exactly one wins), adds the
// active one and sets the username. Then the winner, and only it, sets the
// password. If the server refuses the password, a second modify puts the
// account back as it was (pending, no username), under the same
// condition. If that step cannot run (the server went away), the account
// is left active under the new username with no password anyone knows:
// nobody can sign in to it, and the patient's next try (same username)
// finds it so and sets the password, as a repeat after a crash does.
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
		claim := goldap.NewModifyRequest(e.DN, nil)
		claim.Replace(d.cfg.Attributes.Username, []string{username})
		d.moveStatus(claim, d.cfg.StatusPending, d.cfg.StatusActive)
		if err := d.claimResult(c.modify(ctx, claim)); err != nil {
			return err
		}
		err = d.setPassword(ctx, c, e.DN, password)
		if CodeOf(err) == CodeInvalid {
			d.unclaim(ctx, c, e.DN, username)
		}
		return err
	})
	if err == nil {
		d.keys.add(key)
	}
	return err
}

// activatedBefore decides what an Activate call on an account that is no
// longer pending means. Under another username it is a conflict. Under
// this username it is this activation repeated (after a crash, or after
// the server refused the password and the account could not be put back):
// on OpenLDAP the password is set, which the server reports as already
// current when it is and applies under the policy otherwise; on AD, where
// no such answer exists, it is taken as done.
func (d *Directory) activatedBefore(ctx context.Context, c *conn, dn, onFile, username, password string) error {
	if !strings.EqualFold(onFile, username) {
		return conflict("already_active")
	}
	if d.cfg.Flavor == FlavorAD {
		return nil
	}
	return d.setPassword(ctx, c, dn, password)
}

// moveStatus adds to m the move of the status attribute from one value to
// another: delete the old value (which fails if it is no longer there)
// and add the new. Nothing without a status attribute.
func (d *Directory) moveStatus(m *goldap.ModifyRequest, from, to string) {
	if s := d.cfg.Attributes.Status; s != "" {
		m.Delete(s, []string{from})
		m.Add(s, []string{to})
	}
}

// claimResult interprets the answer to the claiming modify: a status
// value no longer there means another activation won; a constraint
// violation on the username (slapo-unique) that it was taken meanwhile.
func (d *Directory) claimResult(err error) error {
	switch {
	case goldap.IsErrorAnyOf(err, goldap.LDAPResultNoSuchAttribute, goldap.LDAPResultAttributeOrValueExists):
		return conflict("changed_meanwhile")
	case goldap.IsErrorAnyOf(err, goldap.LDAPResultConstraintViolation, goldap.LDAPResultEntryAlreadyExists):
		return invalid(ReasonUsernameTaken)
	}
	return err
}

// unclaim puts a claimed account back to pending after the server refused
// its password. It is best effort: on failure the account stays claimed,
// which the next Activate with this username completes (see Activate).
func (d *Directory) unclaim(ctx context.Context, c *conn, dn, username string) {
	m := goldap.NewModifyRequest(dn, nil)
	m.Delete(d.cfg.Attributes.Username, []string{username})
	d.moveStatus(m, d.cfg.StatusActive, d.cfg.StatusPending)
	if err := c.modify(ctx, m); err != nil {
		d.log.Warn().Err(err).Msg("ldap directory: could not put an account back to pending after its password was refused")
	}
}

// activateAD is the one AD modify.
func (d *Directory) activateAD(ctx context.Context, c *conn, dn, uac, username, password string) error {
	err := c.modify(ctx, d.adActivation(dn, uac, username, password))
	if err == nil || transportFailed(err) {
		return err
	}
	if reason, ok := adPasswordReason(diagnostic(err)); ok {
		return invalid(reason)
	}
	return d.claimResult(err)
}

// adActivation is the modify that activates an AD account: username,
// password, userAccountControl enabled (old value deleted, new added: it
// fails if the value changed since it was read) and status.
func (d *Directory) adActivation(dn, uac, username, password string) *goldap.ModifyRequest {
	m := goldap.NewModifyRequest(dn, nil)
	m.Replace(d.cfg.Attributes.Username, []string{username})
	m.Replace(attrUnicodePwd, []string{encodeUnicodePwd(password)})
	m.Delete(attrUAC, []string{uac})
	m.Add(attrUAC, []string{formatUAC(activatedUAC(parseUAC(uac)))})
	d.moveStatus(m, d.cfg.StatusPending, d.cfg.StatusActive)
	return m
}

// adPasswordChange is the modify that sets an AD password: an
// administrative reset, a replace of unicodePwd (a user's own change would
// delete the old value and add the new).
func adPasswordChange(dn, password string) *goldap.ModifyRequest {
	m := goldap.NewModifyRequest(dn, nil)
	m.Replace(attrUnicodePwd, []string{encodeUnicodePwd(password)})
	return m
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
			m = adUnlock(e.DN)
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

// adUnlock is the modify that lifts an AD lockout: lockoutTime set to 0,
// the only value AD accepts there.
func adUnlock(dn string) *goldap.ModifyRequest {
	m := goldap.NewModifyRequest(dn, nil)
	m.Replace(attrLockoutTime, []string{adUnlockedTime})
	return m
}
