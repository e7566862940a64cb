package ldap

import (
	"context"
	"strings"
	"time"

	"github.com/portico-chat/portico/bot/patients"
	"github.com/portico-chat/portico/flows"
)

// Contacts are the ways to reach a patient the directory has on file.
// A value the normalisers cannot read (a phone number with letters, a
// malformed email) is left empty rather than used.
type Contacts struct {
	Email string
	Phone string // E.164
}

// Account is a record's portal account.
type Account struct {
	RecordID string
	Username string
	Status   Status
}

// Contacts returns the email and phone on file of record id. One round
// trip.
func (d *Directory) Contacts(ctx context.Context, id string) (Contacts, error) {
	a := d.cfg.Attributes
	var out Contacts
	err := d.call(ctx, "contacts", func(c *conn) error {
		e, err := d.byID(ctx, c, id, a.Email, a.Phone)
		if err != nil {
			return err
		}
		out.Email = normalized(flows.SlotEmail, e.GetAttributeValue(a.Email))
		out.Phone = normalized(flows.SlotPhone, e.GetAttributeValue(a.Phone))
		return nil
	})
	return out, err
}

// normalized returns v in the canonical form the dialogs use, or "" when
// it has none.
func normalized(slotType, v string) string {
	if strings.TrimSpace(v) == "" {
		return ""
	}
	n, err := flows.Normalize(&flows.Slot{Type: slotType}, v, "en", time.Now())
	if err != nil {
		return ""
	}
	return n
}

// Account returns the username and state of record id's account. One
// round trip.
func (d *Directory) Account(ctx context.Context, id string) (Account, error) {
	var out Account
	err := d.call(ctx, "account", func(c *conn) error {
		e, err := d.byID(ctx, c, id, d.stateAttrs()...)
		if err != nil {
			return err
		}
		out = Account{RecordID: id, Username: e.GetAttributeValue(d.cfg.Attributes.Username), Status: d.status(e)}
		return nil
	})
	return out, err
}

// maxADUsernameLen is AD's limit on a username: sAMAccountName's.
const maxADUsernameLen = 20

// UsernameFree returns nil when record id may take username, or
// CodeInvalid with ReasonUsernameFormat (a form the directory cannot
// hold) or ReasonUsernameTaken (another entry has it; the server compares
// as its matching rule says, case-insensitively for uid and
// sAMAccountName). One round trip, none for a bad format.
func (d *Directory) UsernameFree(ctx context.Context, id, username string) error {
	if !d.validUsername(username) {
		return invalid(ReasonUsernameFormat)
	}
	return d.call(ctx, "username free", func(c *conn) error {
		return d.usernameFree(ctx, c, id, username)
	})
}

func (d *Directory) usernameFree(ctx context.Context, c *conn, id, username string) error {
	a := d.cfg.Attributes
	es, more, err := d.search(ctx, c, d.and(equal(a.Username, username)), 1, []string{a.MRN})
	switch {
	case err != nil:
		return err
	case more || (len(es) == 1 && recordID(es[0], a.MRN) != id):
		return invalid(ReasonUsernameTaken)
	}
	return nil
}

// validUsername is the portal's rule for a username
// (patients.ValidUsername) and, on AD, at most 20 bytes, the limit of
// sAMAccountName.
func (d *Directory) validUsername(u string) bool {
	return patients.ValidUsername(u) && (d.cfg.Flavor != FlavorAD || len(u) <= maxADUsernameLen)
}
