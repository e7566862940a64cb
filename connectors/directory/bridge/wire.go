package bridge

// The JSON bodies of the bridge API (docs/bridge.openapi.yaml). Field
// names are snake_case; unknown fields are ignored both ways.

// Paths, below the configured base URL. {id} is the record ID, escaped
// as one path segment.
const (
	PathHealth        = "/health"
	PathFind          = "/find"
	PathMatches       = "/matches"
	pathRecord        = "/records/"
	suffixContacts    = "/contacts"
	suffixAccount     = "/account"
	suffixUsername    = "/username-check"
	suffixPassword    = "/password"
	suffixActivate    = "/activate"
	suffixUnlock      = "/unlock"
	maxIDLen          = 128
	maxIdempotencyKey = 128
)

// Error codes in an error answer's "code", besides the password and
// username reasons of connectors/directory/remote (too_short, in_history
// …), which come with status 422.
const (
	CodeBadRequest           = "bad_request"            // 400
	CodeUnauthorized         = "unauthorized"           // 401: signature, timestamp or nonce refused
	CodeNotFound             = "not_found"              // 404
	CodeConflict             = "conflict"               // 409: the account's state does not allow it
	CodeIdempotencyKeyReused = "idempotency_key_reused" // 422: the key was used for another operation or record
)

// FindRequest is one of three lookups: mrn; username and dob (zip
// optional); or first_name, last_name, dob and zip.
type FindRequest struct {
	MRN       string `json:"mrn,omitempty"`
	Username  string `json:"username,omitempty"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
	DOB       string `json:"dob,omitempty"`
	ZIP       string `json:"zip,omitempty"`
}

// MatchesRequest asks for every record with a date of birth and ZIP.
type MatchesRequest struct {
	DOB string `json:"dob"`
	ZIP string `json:"zip"`
}

// IDs answers find and matches: every matching record, in any order.
type IDs struct {
	IDs []string `json:"ids"`
}

// ContactsAnswer is a record's contacts on file, each "" when absent.
type ContactsAnswer struct {
	Email string `json:"email"`
	Phone string `json:"phone"` // E.164
}

// AccountAnswer is a record's portal account.
type AccountAnswer struct {
	Username string `json:"username"`
	Status   string `json:"status"` // pending, active, locked, disabled
}

// UsernameRequest asks whether a record may take a username.
type UsernameRequest struct {
	Username string `json:"username"`
}

// PasswordRequest sets a new password.
type PasswordRequest struct {
	Password       string `json:"password"`
	IdempotencyKey string `json:"idempotency_key"`
}

// ActivateRequest activates a pending account.
type ActivateRequest struct {
	Username       string `json:"username"`
	Password       string `json:"password"`
	IdempotencyKey string `json:"idempotency_key"`
}

// UnlockRequest lifts a sign-in lockout.
type UnlockRequest struct {
	IdempotencyKey string `json:"idempotency_key"`
}

// ErrorAnswer is the body of every error answer.
type ErrorAnswer struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message,omitempty"` // for the operator; never shown to a patient
	} `json:"error"`
}
