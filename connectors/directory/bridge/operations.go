package bridge

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/mail"
	"strings"

	"github.com/portico-chat/portico/connectors/directory/remote"
)

// maxEmailLen is RFC 5321's limit on a path.
const maxEmailLen = 254

// Find returns the ID of the one record matching l. None, or several (an
// ambiguous match never verifies anyone), is remote.ErrNotFound. The
// bridge returns every match, so the one-match rule is Portico's and not
// left to each portal team.
func (d *Directory) Find(ctx context.Context, l remote.Lookup) (string, error) {
	kind, err := l.Kind()
	if err != nil {
		return "", err
	}
	var req FindRequest
	switch kind {
	case remote.ByMRN:
		req.MRN = l.MRN
	case remote.ByUsername:
		req.Username, req.DOB, req.ZIP = l.Username, l.DOB, l.ZIP
	default:
		req.FirstName, req.LastName, req.DOB, req.ZIP = l.FirstName, l.LastName, l.DOB, l.ZIP
	}
	var ids IDs
	if err := d.call(ctx, http.MethodPost, PathFind, req, &ids); err != nil {
		return "", fmt.Errorf("find: %w", err)
	}
	if len(ids.IDs) != 1 || ids.IDs[0] == "" {
		return "", fmt.Errorf("find: %d records: %w", len(ids.IDs), remote.ErrNotFound)
	}
	return ids.IDs[0], nil
}

// Matches returns every record with that date of birth and ZIP (the
// activation-code check compares the code against each).
func (d *Directory) Matches(ctx context.Context, dob, zip string) ([]string, error) {
	var ids IDs
	if err := d.call(ctx, http.MethodPost, PathMatches, MatchesRequest{DOB: dob, ZIP: zip}, &ids); err != nil {
		return nil, fmt.Errorf("matches: %w", err)
	}
	out := make([]string, 0, len(ids.IDs))
	for _, id := range ids.IDs {
		if id != "" {
			out = append(out, id)
		}
	}
	return out, nil
}

// Contacts returns the contacts on file. A contact the bridge sent in a
// form Portico cannot trust (not an address, not E.164) is dropped and
// logged without its value: a code must never go somewhere misread.
func (d *Directory) Contacts(ctx context.Context, id string) (remote.Contacts, error) {
	path, err := recordPath(id, suffixContacts)
	if err != nil {
		return remote.Contacts{}, err
	}
	var a ContactsAnswer
	if err := d.call(ctx, http.MethodGet, path, nil, &a); err != nil {
		return remote.Contacts{}, fmt.Errorf("contacts: %w", err)
	}
	var c remote.Contacts
	if a.Email != "" {
		if validEmail(a.Email) {
			c.Email = a.Email
		} else {
			d.log.Warn().Msg("the bridge sent an email that is not a bare address; ignored")
		}
	}
	if a.Phone != "" {
		if p, ok := remote.NormalizePhone(a.Phone); ok && p == a.Phone {
			c.Phone = p
		} else {
			d.log.Warn().Msg("the bridge sent a phone number not in E.164; ignored")
		}
	}
	return c, nil
}

func validEmail(s string) bool {
	if len(s) > maxEmailLen || strings.ContainsAny(s, " \t\r\n<>") {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && a.Name == ""
}

// Account returns the record's username and status.
func (d *Directory) Account(ctx context.Context, id string) (remote.Account, error) {
	path, err := recordPath(id, suffixAccount)
	if err != nil {
		return remote.Account{}, err
	}
	var a AccountAnswer
	if err := d.call(ctx, http.MethodGet, path, nil, &a); err != nil {
		return remote.Account{}, fmt.Errorf("account: %w", err)
	}
	st := remote.Status(a.Status)
	if !st.Valid() {
		return remote.Account{}, remote.Unavailable("account: the bridge answered an undocumented status")
	}
	return remote.Account{Username: a.Username, Status: st}, nil
}

// UsernameFree returns nil when record id may take username, or an
// *remote.InvalidError with ReasonUsernameTaken or ReasonUsernameFormat.
func (d *Directory) UsernameFree(ctx context.Context, id, username string) error {
	path, err := recordPath(id, suffixUsername)
	if err != nil {
		return err
	}
	if err := d.call(ctx, http.MethodPost, path, UsernameRequest{Username: username}, nil); err != nil {
		return fmt.Errorf("username check: %w", err)
	}
	return nil
}

// SetPassword sets a new password. Retried with the same key (after a
// crash, or a lost answer), the bridge changes nothing twice.
func (d *Directory) SetPassword(ctx context.Context, id, password, key string) error {
	path, err := recordPath(id, suffixPassword)
	if err != nil {
		return err
	}
	if key == "" {
		return errNoKey
	}
	if err := d.call(ctx, http.MethodPost, path, PasswordRequest{Password: password, IdempotencyKey: wireKey(key)}, nil); err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	return nil
}

// Activate sets the username and password of a pending account and makes
// it active, once per key.
func (d *Directory) Activate(ctx context.Context, id, username, password, key string) error {
	path, err := recordPath(id, suffixActivate)
	if err != nil {
		return err
	}
	if key == "" {
		return errNoKey
	}
	req := ActivateRequest{Username: username, Password: password, IdempotencyKey: wireKey(key)}
	if err := d.call(ctx, http.MethodPost, path, req, nil); err != nil {
		return fmt.Errorf("activate: %w", err)
	}
	return nil
}

// Unlock lifts a sign-in lockout, once per key.
func (d *Directory) Unlock(ctx context.Context, id, key string) error {
	path, err := recordPath(id, suffixUnlock)
	if err != nil {
		return err
	}
	if key == "" {
		return errNoKey
	}
	if err := d.call(ctx, http.MethodPost, path, UnlockRequest{IdempotencyKey: wireKey(key)}, nil); err != nil {
		return fmt.Errorf("unlock: %w", err)
	}
	return nil
}

// wireKey is the idempotency key as sent: the SHA-256 of Portico's key in
// hex, so the bridge sees a fixed length and alphabet whatever the engine
// uses.
func wireKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}
