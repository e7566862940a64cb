package bot

import (
	"context"
	"errors"
	"strings"
)

// Lookup finds a patient's record. One of three forms is used: MRN alone;
// Username with DOB (and ZIP when the dialog asked for it); or first name,
// last name, DOB and ZIP. A lookup proves nothing: the proof is an
// activation code or a one-time code sent to a contact on file.
type Lookup struct {
	FirstName string
	LastName  string
	DOB       string // YYYY-MM-DD
	ZIP       string // five digits
	Username  string // alternative to the names
	MRN       string // the clinic's medical record number, alone
}

// Lookup forms, as Kind returns them.
const (
	LookupByMRN          = "mrn"
	LookupByUsername     = "username"
	LookupByDemographics = "demographics"
)

// Kind says which form l is, in this order: MRN alone, Username with a
// date of birth, or the four demographics; or an error naming what is
// missing. The engine builds lookups, so an incomplete one is a bug, not
// a miss.
func (l Lookup) Kind() (string, error) {
	switch {
	case strings.TrimSpace(l.MRN) != "":
		return LookupByMRN, nil
	case strings.TrimSpace(l.Username) != "":
		if strings.TrimSpace(l.DOB) == "" {
			return "", errors.New("directory lookup: a username needs a date of birth")
		}
		return LookupByUsername, nil
	}
	var missing []string
	for _, f := range []struct{ name, v string }{
		{"first name", l.FirstName}, {"last name", l.LastName}, {"date of birth", l.DOB}, {"ZIP", l.ZIP},
	} {
		if strings.TrimSpace(f.v) == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return "", errors.New("directory lookup: missing " + strings.Join(missing, ", "))
	}
	return LookupByDemographics, nil
}

// Contacts are the ways to reach a patient that the portal has on file.
type Contacts struct {
	Email string
	Phone string // E.164
}

// AccountStatus is the portal account's state.
type AccountStatus string

const (
	AccountPending  AccountStatus = "pending" // not activated yet
	AccountActive   AccountStatus = "active"
	AccountLocked   AccountStatus = "locked" // too many bad sign-ins
	AccountDisabled AccountStatus = "disabled"
)

// Valid reports whether s is one of the four states.
func (s AccountStatus) Valid() bool {
	switch s {
	case AccountPending, AccountActive, AccountLocked, AccountDisabled:
		return true
	}
	return false
}

// Account is what the bot may learn of a portal account after verification.
type Account struct {
	RecordID string
	Username string // "" while pending, unless the directory assigned one
	Status   AccountStatus
	// FirstName and LastName are the names on file, the context words
	// Portico's password policy refuses in a new password.
	FirstName, LastName string
}

// Rejection reasons, carried as the Message of an EINVALID error from
// the password policy and from a Directory's UsernameFree, SetPassword
// and Activate. The bot words each one; a directory's own text is never
// shown to the patient.
const (
	PasswordTooShort       = "too_short"
	PasswordTooShortPortal = "portal_too_short" // the directory's minimum, above Portico's (the engine words it)
	PasswordTooLong        = "too_long"
	PasswordCommon         = "common"
	PasswordHasUsername    = "contains_username"
	PasswordHasName        = "contains_name"
	PasswordHasPortalName  = "contains_portal_name" // the portal's name, or the service's ("portico")
	PasswordRepetitive     = "repetitive"           // one letter, word or pattern over and over
	PasswordSequential     = "sequential"           // letters or digits in order, like abcd or 1234
	PasswordWeak           = "weak"                 // the strength estimate says it is easy to guess
	PasswordReused         = "in_history"           // the portal remembers it from before
	PasswordTooRecent      = "too_recent"           // changed too recently to change again
	PasswordComplexity     = "complexity"           // the portal's composition rules (digits, symbols, case)
	PasswordOther          = "other"                // a rule of the portal's Portico has no words for
	UsernameTaken          = "username_taken"
	UsernameBadFormat      = "username_format"
)

// Directory is where portal accounts live, as the dialogs need it: the
// local directory (connectors/directory/local) or a remote one (LDAP,
// Keycloak, the portal bridge).
//
// Errors: ENOTFOUND for no such record; EINVALID with one of the reasons
// above for a username or password the directory refuses; ECONFLICT when
// the account's state does not allow the change; ELOCKED for a disabled
// account; EUNAVAILABLE when the directory cannot be reached (the engine
// hands the patient to a person). Account-changing calls take an
// idempotency key (conversation and step): a call repeated with the same
// key after a crash does not apply twice.
type Directory interface {
	// Find returns the ID of the one record matching l, or ENOTFOUND when
	// none or several match. It does the same work whether or not a
	// record matches.
	Find(ctx context.Context, l Lookup) (string, error)
	// Matches returns the IDs of every record with this date of birth and
	// ZIP, possibly none. It is not a lookup the patient sees: an
	// activation code guessed with a date of birth and ZIP counts as a
	// failure of each of these records.
	Matches(ctx context.Context, dob, zip string) ([]string, error)
	// Contacts returns the contacts on file of a record.
	Contacts(ctx context.Context, recordID string) (Contacts, error)
	// Account returns a record's portal account.
	Account(ctx context.Context, recordID string) (Account, error)
	// UsernameFree returns nil when username may be taken by recordID, or
	// EINVALID with UsernameTaken or UsernameBadFormat.
	UsernameFree(ctx context.Context, recordID, username string) error
	// SetPassword sets a new password on an active or locked account,
	// lifts a sign-in lockout and ends the account's other sessions. The
	// engine has applied Portico's password policy first; the directory
	// adds its own.
	SetPassword(ctx context.Context, recordID, password, key string) error
	// Activate sets username and password on a pending account and makes
	// it active.
	Activate(ctx context.Context, recordID, username, password, key string) error
	// Unlock lifts a sign-in lockout: staff call it once they have checked
	// who the patient is.
	Unlock(ctx context.Context, recordID, key string) error
}

// PasswordPolicy is Portico's own password rules (bot/password), which
// the engine applies to a new password before any directory sees it.
type PasswordPolicy interface {
	// CheckPassword returns nil, or an EINVALID *Error whose Message is
	// one of the Password* reasons.
	CheckPassword(password string, c PasswordContext) error
}

// PasswordContext is what a password must not contain: the account's
// username (the new one, or its current one) and the names on file.
type PasswordContext struct {
	Username, FirstName, LastName string
}
