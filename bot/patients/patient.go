package patients

import (
	"context"
	"time"

	"github.com/portico-chat/portico/bot"
)

// Patient is one record of the local directory: the demographics that find
// it, the contacts that prove it, and its portal account. The hashes are
// secrets in their own right: never log a Patient.
//
// ActivationHash and ActivationExpires are the record's activation code,
// which Portico keeps apart from the record (bot.ActivationCodes, so that
// it works the same for every directory): read with the record, written
// by ImportPatients and PutActivationCode, left alone by UpdatePatient.
type Patient struct {
	RecordID  string
	MRN       string // the clinic's medical record number; unique
	FirstName string
	LastName  string
	DOB       string // YYYY-MM-DD
	ZIP       string // five digits
	Email     string
	Phone     string // E.164
	Username  string // "" until the account has one

	PasswordHash      string // argon2id PHC string; "" when no password is set
	ActivationHash    string // salted hash of the activation code; "" when none
	ActivationExpires time.Time

	Status        bot.AccountStatus
	FailedSignIns int   // bad sign-ins since the last good one
	SessionGen    int64 // bumped to end every session of the account

	CreatedAt time.Time
	UpdatedAt time.Time
}

// Records is the persistence of Portico's own patient records and of the
// activation codes. storage/sqlite implements it. Lookups that find
// nothing return an ENOTFOUND *bot.Error, never a zero Patient and nil.
type Records interface {
	bot.ActivationCodes

	// Patient returns a record by ID.
	Patient(ctx context.Context, recordID string) (Patient, error)
	// PatientByMRN returns the record with the clinic's medical record
	// number.
	PatientByMRN(ctx context.Context, mrn string) (Patient, error)
	// PatientsByDOBZIP returns every record with exactly this date of birth
	// and ZIP (possibly none, and then no error).
	PatientsByDOBZIP(ctx context.Context, dob, zip string) ([]Patient, error)
	// PatientByUsername returns the record whose username equals username,
	// ignoring ASCII case.
	PatientByUsername(ctx context.Context, username string) (Patient, error)
	// Patients returns every record, ordered by MRN.
	Patients(ctx context.Context) ([]Patient, error)

	// KeyApplied reports whether an account change with this idempotency
	// key has already been applied.
	KeyApplied(ctx context.Context, key string) (bool, error)
	// UpdatePatient reads a record, lets change modify it and writes it
	// back, all in one durable transaction. With a non-empty key it first
	// checks the key: if it was applied already, it returns false without
	// calling change; otherwise the key is stored with the change. An error
	// from change aborts the update and is returned as is. A username taken
	// by another record yields EINVALID with bot.UsernameTaken. change must
	// be quick: it runs while holding the write lock.
	UpdatePatient(ctx context.Context, recordID, key string, change func(*Patient) error) (applied bool, err error)
	// ImportPatients inserts or updates the records, matched by MRN, in one
	// transaction: all of them or none. For an existing MRN it keeps the
	// record ID, the password hash, the failure count and the session
	// generation, and keeps the username, status and activation code when
	// the imported one is empty; demographics and contacts are replaced.
	// New records with an empty status are pending.
	ImportPatients(ctx context.Context, ps []Patient) error
}
