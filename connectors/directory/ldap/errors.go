package ldap

import (
	"context"
	"errors"
	"net"

	goldap "github.com/go-ldap/ldap/v3"
)

// Error codes, spelled as bot's so the engine's adapter maps them one to
// one; CodeUnavailable is the one bot does not have yet (the engine offers
// a person with handoff reason directory_unavailable).
const (
	CodeNotFound    = "not_found"   // no record, or several: ambiguity verifies no one
	CodeInvalid     = "invalid"     // the input breaks a rule; Reason says which
	CodeConflict    = "conflict"    // the account is not in a state that allows this
	CodeLocked      = "locked"      // the account is disabled: staff only
	CodeUnavailable = "unavailable" // the server is down, slow or refusing, or the breaker is open
	CodeInternal    = "internal"    // the server refused us: configuration or access rights
)

// Reasons carried by CodeInvalid errors. Password reasons come from the
// server's own policy, never its text.
const (
	ReasonTooShort       = "too_short"       // below the server's minimum length
	ReasonInHistory      = "in_history"      // used before
	ReasonTooRecent      = "too_recent"      // changed too recently (minimum age)
	ReasonComplexity     = "complexity"      // fails the server's quality or complexity check
	ReasonPolicy         = "other"           // refused by a rule the server does not name
	ReasonUsernameTaken  = "username_taken"  // another entry has it
	ReasonUsernameFormat = "username_format" // the directory cannot hold it
	ReasonLookup         = "lookup"          // a lookup without the facts it needs, or malformed
)

// Error is the driver's failure: a code, and for CodeInvalid a reason.
// It never carries the server's diagnostic text (that goes to the
// operator's log) nor any value the caller passed in.
type Error struct {
	Code   string
	Reason string
}

func (e *Error) Error() string {
	if e.Reason == "" {
		return "ldap directory: " + e.Code
	}
	return "ldap directory: " + e.Code + ": " + e.Reason
}

// CodeOf returns the code of the *Error in err's chain, CodeInternal for
// any other non-nil error and "" for nil.
func CodeOf(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	default:
		return CodeInternal
	}
}

// ReasonOf returns the reason of the *Error in err's chain, or "".
func ReasonOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

func notFound() error              { return &Error{Code: CodeNotFound} }
func invalid(reason string) error  { return &Error{Code: CodeInvalid, Reason: reason} }
func conflict(reason string) error { return &Error{Code: CodeConflict, Reason: reason} }
func unavailable() error           { return &Error{Code: CodeUnavailable} }
func internal() error              { return &Error{Code: CodeInternal} }

// Result codes that mean the server cannot serve now, rather than that it
// refused this request.
var unavailableResults = []uint16{
	goldap.LDAPResultBusy,
	goldap.LDAPResultUnavailable,
	goldap.LDAPResultServerDown,
	goldap.LDAPResultTimeout,
	goldap.LDAPResultConnectError,
	goldap.LDAPResultTimeLimitExceeded,
	goldap.LDAPResultAdminLimitExceeded,
	goldap.ErrorNetwork,
	goldap.ErrorUnexpectedMessage,
	goldap.ErrorUnexpectedResponse,
	goldap.ErrorMalformedPacket,
}

// transportFailed reports whether err means the connection or the server
// failed (as opposed to an LDAP result for the request): such errors open
// the breaker and the connection is not reused.
func transportFailed(err error) bool {
	if err == nil {
		return false
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var le *goldap.Error
	if errors.As(err, &le) {
		return goldap.IsErrorAnyOf(err, unavailableResults...)
	}
	// Anything else (TLS handshake failures, EOF) is a transport problem.
	return true
}

// diagnostic returns the server's diagnostic message of an LDAP error,
// for interpreting it (never for showing it).
func diagnostic(err error) string {
	var le *goldap.Error
	if errors.As(err, &le) && le.Err != nil {
		return le.Err.Error()
	}
	return ""
}
