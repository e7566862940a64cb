package remote

import (
	"errors"
	"fmt"
)

// The error kinds of the directory seam. Drivers wrap them with context
// (errors.Is finds them); the engine maps them to its own codes:
// ErrNotFound to not_found, ErrConflict to conflict, *InvalidError to
// invalid with the reason, ErrUnavailable to a handoff with the reason
// directory_unavailable. Nothing a server said is ever carried to the
// patient: only these kinds and the reasons below.
var (
	// ErrNotFound: no such record, or a lookup that matched none or
	// several (an ambiguous match never verifies anyone).
	ErrNotFound = errors.New("directory: not found")
	// ErrConflict: the account's state does not allow the change
	// (activating an active account, a new password for a disabled one).
	ErrConflict = errors.New("directory: the account's state does not allow this")
	// ErrUnavailable: the directory is down, slow, refusing Portico's
	// credentials, answering 5xx, or the circuit breaker is open.
	ErrUnavailable = errors.New("directory: unavailable")
)

// Reasons carried by *InvalidError. The engine words each one for the
// patient; the directory's own text is never shown.
const (
	ReasonTooShort         = "too_short"
	ReasonTooLong          = "too_long"
	ReasonCommon           = "common"     // on a blocklist
	ReasonInHistory        = "in_history" // used before
	ReasonTooRecent        = "too_recent" // changed too recently to change again
	ReasonComplexity       = "complexity" // composition rules (digits, symbols, case)
	ReasonContainsUsername = "contains_username"
	ReasonContainsName     = "contains_name" // the patient's name or email
	ReasonUsernameTaken    = "username_taken"
	ReasonUsernameFormat   = "username_format"
	ReasonOther            = "other" // a rule Portico has no words for
)

var reasons = map[string]bool{
	ReasonTooShort: true, ReasonTooLong: true, ReasonCommon: true, ReasonInHistory: true,
	ReasonTooRecent: true, ReasonComplexity: true, ReasonContainsUsername: true,
	ReasonContainsName: true, ReasonUsernameTaken: true, ReasonUsernameFormat: true, ReasonOther: true,
}

// KnownReason reports whether r is one of the reasons above.
func KnownReason(r string) bool { return reasons[r] }

// InvalidError is a password or username the directory refused, with the
// reason.
type InvalidError struct {
	Reason string
}

func (e *InvalidError) Error() string { return "directory: refused: " + e.Reason }

// Invalid returns an *InvalidError; a reason not in the list becomes
// ReasonOther, so nothing unexpected reaches the engine's wording.
func Invalid(reason string) error {
	if !reasons[reason] {
		reason = ReasonOther
	}
	return &InvalidError{Reason: reason}
}

// Reason returns the reason of the *InvalidError in err's chain, or "".
func Reason(err error) string {
	var e *InvalidError
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

// Unavailable wraps ErrUnavailable with what went wrong, for the
// operator's log. cause must carry no secret and no patient data (use
// method and path, never a URL with its query).
func Unavailable(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrUnavailable, fmt.Sprintf(format, args...))
}
