package keycloak

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/portico-chat/portico/connectors/directory/remote"
)

// marker is what Portico leaves on a change it made, derived from its
// idempotency key: the password credential's label after SetPassword,
// the activation attribute's value after Activate. A retry finds it and
// changes nothing.
func marker(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "portico:" + hex.EncodeToString(sum[:8])
}

// SetPassword sets a permanent password (reset-password with temporary:
// false), labels the credential with the change's marker, and ends the
// user's sessions. A retry with the same key finds the label and changes
// nothing. (Keycloak has no idempotency keys: a crash between the reset
// and the label makes the retry set the same password again, which a
// realm with a history policy refuses as in_history. The patient then
// chooses another; nothing is set twice behind their back.)
func (d *Directory) SetPassword(ctx context.Context, id, password, key string) error {
	if key == "" {
		return errNoKey
	}
	defer d.changes.lock(id)()
	err := d.breaker.Do(ctx, func(ctx context.Context) error {
		_, _, st, err := d.account(ctx, id)
		if err != nil {
			return err
		}
		if st != remote.StatusActive && st != remote.StatusLocked {
			return remote.ErrConflict
		}
		cred, err := d.password(ctx, id)
		if err != nil {
			return err
		}
		if cred.UserLabel == marker(key) {
			return nil // done before
		}
		r := request{method: http.MethodPut, path: userPath(id, "/reset-password"),
			body: map[string]any{"type": "password", "value": password, "temporary": false}}
		a, err := d.do(ctx, r)
		if err != nil {
			return err
		}
		if err := d.changeRefused(r, a); err != nil {
			return err
		}
		d.afterReset(ctx, id, key)
		return nil
	})
	if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	return nil
}

// afterReset labels the new credential and ends the user's other
// sessions. The password is set by then, so a failure here is logged,
// not returned.
func (d *Directory) afterReset(ctx context.Context, id, key string) {
	cred, err := d.password(ctx, id)
	if err == nil && cred.ID != "" {
		r := request{method: http.MethodPut, path: userPath(id, "/credentials/"+cred.ID+"/userLabel"),
			body: marker(key), contentType: "text/plain"}
		var a answer
		if a, err = d.do(ctx, r); err == nil && a.status != http.StatusNoContent {
			err = unexpected(r, a)
		}
	}
	if err != nil {
		d.log.Warn().Err(err).Msg("password set; labelling it failed, so a retry of this change would set it again")
	}
	r := request{method: http.MethodPost, path: userPath(id, "/logout")}
	if a, err := d.do(ctx, r); err != nil || a.status != http.StatusNoContent {
		d.log.Warn().Err(err).Int("status", a.status).Msg("password set; ending the user's other sessions failed")
	}
}

// Activate makes a pending user active in one update: enabled, the
// chosen username (unless fixed_username), no pending required actions,
// the password (permanent), and the activation attribute set to the
// change's marker, so a retry with the same key finds it done.
func (d *Directory) Activate(ctx context.Context, id, username, password, key string) error {
	if key == "" {
		return errNoKey
	}
	username = strings.TrimSpace(username)
	if !d.cfg.FixedUsername && !usernameFormat.MatchString(username) {
		return fmt.Errorf("activate: %w", remote.Invalid(remote.ReasonUsernameFormat))
	}
	defer d.changes.lock(id)()
	err := d.breaker.Do(ctx, func(ctx context.Context) error {
		u, raw, st, err := d.account(ctx, id)
		if err != nil {
			return err
		}
		act := d.cfg.Attributes.Activation
		if u.attr(act) == marker(key) {
			return nil // done before
		}
		if st != remote.StatusPending {
			return remote.ErrConflict
		}
		attrs := map[string][]string{}
		for k, v := range u.Attributes {
			attrs[k] = v
		}
		attrs[act] = []string{marker(key)}
		// Send the whole representation back: a partial one would clear
		// the names and attributes it left out.
		delete(raw, "access")
		delete(raw, "userProfileMetadata")
		raw["enabled"] = true
		raw["requiredActions"] = []string{}
		raw["attributes"] = attrs
		raw["credentials"] = []map[string]any{{"type": "password", "value": password, "temporary": false}}
		if !d.cfg.FixedUsername {
			raw["username"] = username
		}
		r := request{method: http.MethodPut, path: userPath(id, ""), body: raw}
		a, err := d.do(ctx, r)
		if err != nil {
			return err
		}
		if a.status == http.StatusConflict {
			return remote.Invalid(remote.ReasonUsernameTaken)
		}
		return d.changeRefused(r, a)
	})
	if err != nil {
		return fmt.Errorf("activate: %w", err)
	}
	return nil
}

// changeRefused reads the answer to a password or user update.
func (d *Directory) changeRefused(r request, a answer) error {
	switch a.status {
	case http.StatusNoContent, http.StatusOK:
		return nil
	case http.StatusNotFound:
		return remote.ErrNotFound
	case http.StatusBadRequest:
		reason, readOnly, ok := refusal(a.body)
		switch {
		case ok:
			return remote.Invalid(reason)
		case readOnly:
			d.log.Error().Msg("Keycloak refused to change the username: set directory.keycloak.fixed_username: true for this realm")
			return errors.New("keycloak: the realm does not let admins change usernames")
		}
	}
	return unexpected(r, a)
}

// Unlock clears the user's brute-force lockout (DELETE
// attack-detection/brute-force/users/{id}) and, after a permanent
// lockout, enables the user again. Both are idempotent by nature.
// Portico's own lockout of verification attempts is separate.
func (d *Directory) Unlock(ctx context.Context, id, key string) error {
	if key == "" {
		return errNoKey
	}
	defer d.changes.lock(id)()
	err := d.breaker.Do(ctx, func(ctx context.Context) error {
		u, raw, st, err := d.account(ctx, id)
		if err != nil {
			return err
		}
		if st != remote.StatusLocked && st != remote.StatusActive {
			return remote.ErrConflict
		}
		r := request{method: http.MethodDelete, path: "/attack-detection/brute-force" + userPath(id, "")}
		a, err := d.do(ctx, r)
		if err != nil {
			return err
		}
		if a.status != http.StatusNoContent && a.status != http.StatusOK {
			return unexpected(r, a)
		}
		if u.Enabled {
			return nil
		}
		delete(raw, "access")
		delete(raw, "userProfileMetadata")
		raw["enabled"] = true // Keycloak lifts a permanent lockout when a user is enabled
		r = request{method: http.MethodPut, path: userPath(id, ""), body: raw}
		if a, err = d.do(ctx, r); err != nil {
			return err
		}
		return d.changeRefused(r, a)
	})
	if err != nil {
		return fmt.Errorf("unlock: %w", err)
	}
	return nil
}
