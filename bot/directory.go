package bot

import "context"

// Demographics find a patient record. They prove nothing: the proof is an
// activation code or a one-time code sent to a contact on file.
type Demographics struct {
	FirstName string
	LastName  string
	DOB       string // YYYY-MM-DD
	ZIP       string // five digits
	Username  string // alternative to the names
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

// Account is what the bot may learn of a portal account after verification.
type Account struct {
	RecordID string
	Username string
	Status   AccountStatus
}

// Password rejection reasons, carried as the Message of an EINVALID error
// from CheckPassword, Activate and ResetPassword. The bot words them.
const (
	PasswordTooShort      = "too_short"
	PasswordTooLong       = "too_long"
	PasswordCommon        = "common"
	PasswordHasUsername   = "contains_username"
	PasswordHasName       = "contains_name"
	PasswordHasPortalName = "contains_portal_name" // the portal's name, or the service's ("portico")
	PasswordRepetitive    = "repetitive"           // one letter, word or pattern over and over
	PasswordSequential    = "sequential"           // letters or digits in order, like abcd or 1234
	PasswordWeak          = "weak"                 // the strength estimate says it is easy to guess
	UsernameTaken         = "username_taken"
	UsernameBadFormat     = "username_format"
)

// Directory is the portal's account system as the dialogs need it.
// Implementations: connectors/portal (local SQLite directory, REST).
//
// Account-changing calls take an idempotency key (conversation and step);
// a call repeated with the same key after a crash does not apply twice.
type Directory interface {
	// Find returns the ID of the record matching d, or ENOTFOUND. It does the
	// same work whether or not a record matches.
	Find(ctx context.Context, d Demographics) (string, error)
	// Matches returns the IDs of every record with d's date of birth and
	// ZIP (other fields are ignored), possibly none. It is not a lookup the
	// patient sees: an activation code guessed with a date of birth and ZIP
	// counts as a failure of each of these records.
	Matches(ctx context.Context, d Demographics) ([]string, error)
	// Contacts returns the contacts on file of a record.
	Contacts(ctx context.Context, recordID string) (Contacts, error)
	// CheckActivationCode returns the record whose unexpired, unused
	// activation code matches code, dob and zip, or ENOTFOUND (EEXPIRED
	// is reported as ENOTFOUND too, so nothing leaks).
	CheckActivationCode(ctx context.Context, code, dob, zip string) (string, error)
	// Account returns a record's portal account.
	Account(ctx context.Context, recordID string) (Account, error)
	// CheckUsername returns nil when username may be taken by recordID,
	// or an EINVALID error whose message is UsernameTaken or UsernameBadFormat.
	CheckUsername(ctx context.Context, recordID, username string) error
	// CheckPassword applies the password policy for the record and the
	// username it will have, returning an EINVALID error with a reason.
	CheckPassword(ctx context.Context, recordID, username, password string) error
	// Activate sets username and password on a pending account, consumes
	// its activation code and makes it active.
	Activate(ctx context.Context, recordID, username, password, key string) error
	// ResetPassword sets a new password, lifts a sign-in lockout and ends
	// the account's other sessions.
	ResetPassword(ctx context.Context, recordID, password, key string) error
}
