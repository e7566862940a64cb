package bot

import (
	"errors"
	"fmt"
	"time"
)

// Error codes. They are turned into HTTP statuses or protocol error frames
// only at the edge (connectors/web); inside, they travel wrapped in *Error.
const (
	ECONFLICT     = "conflict"     // the action conflicts with the current state
	EINTERNAL     = "internal"     // a bug or an unavailable dependency
	EINVALID      = "invalid"      // the input is malformed or breaks a rule
	ENOTFOUND     = "not_found"    // no such conversation, message, code or record
	EEXPIRED      = "expired"      // the token, code or conversation has expired
	ELOCKED       = "locked"       // too many failures; wait or ask a person
	ERATELIMITED  = "rate_limited" // too many requests
	EUNAUTHORIZED = "unauthorized" // not signed in, or not allowed
	ECAPACITY     = "at_capacity"  // the agent already holds as many chats as they may
	EUNAVAILABLE  = "unavailable"  // a backend (a remote directory) cannot be reached now
)

// Error is a domain failure with a machine-readable code and a message safe
// to show to the person who caused it.
type Error struct {
	Code    string
	Message string
	// RetryAfter, with ERATELIMITED, is how long until a try may succeed.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Message == "" {
		return e.Code
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf returns a domain error with the given code.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	default:
		return EINTERNAL
	}
}

// ErrorMessage returns the message of the first *Error in err's chain, or a
// generic text for internal errors, whose details must not leak.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Something went wrong on our side."
}

// RetryAfter returns how long the first *Error in err's chain says to
// wait, 0 when it says nothing.
func RetryAfter(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}
