package notify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
)

// ErrPermanent marks a failure that retrying cannot fix: the gateway
// rejected the recipient or the message. Test with errors.Is.
var ErrPermanent = errors.New("permanent delivery failure")

// Channels a bot.Delivery may name.
const (
	ChannelEmail = "email"
	ChannelSMS   = "sms"
)

// SendError is a failed send whose Error text is safe to log and to store
// as the outbox's failure reason: it names the transport, the stage and the
// server's status codes, never the server's free text, which often echoes
// the recipient ("<jane@example.com>: no such user").
type SendError struct {
	Transport string // "smtp" or "sms"
	Stage     string // "dial", "greeting", "starttls", "auth", "mail", "rcpt", "data", "request", "response", "config"
	Status    int    // SMTP reply code or HTTP status; 0 when there was no reply
	Detail    string // SMTP enhanced code ("5.1.1") or the gateway's error code
	Permanent bool
	// Message is the server's own text. It may hold the recipient: never
	// log it, never store it.
	Message string
	Err     error // the underlying network or protocol error, if any
}

func (e *SendError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", e.Transport, e.Stage)
	if e.Status != 0 {
		fmt.Fprintf(&b, ": status %d", e.Status)
	}
	if e.Detail != "" {
		fmt.Fprintf(&b, " (%s)", e.Detail)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *SendError) Unwrap() error { return e.Err }

// Is reports a permanent SendError as ErrPermanent.
func (e *SendError) Is(target error) bool {
	return target == ErrPermanent && e.Permanent
}

// Timeout reports whether the send failed because a deadline passed.
func (e *SendError) Timeout() bool { return isTimeout(e.Err) }

// Error classes for logs and metrics.
const (
	classPermanent = "permanent"
	classTimeout   = "timeout"
	classCanceled  = "canceled"
	classTemporary = "temporary"
)

// errorClass sorts a send error into a coarse class that is safe to log.
func errorClass(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrPermanent):
		return classPermanent
	case isTimeout(err):
		return classTimeout
	case errors.Is(err, context.Canceled):
		return classCanceled
	default:
		return classTemporary
	}
}

func isTimeout(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// redact removes the given values (a recipient, a message text) from an
// error's text. Transports built here never put them in errors; this guards
// against one that does, since reasons are logged and stored.
func redact(s string, secrets ...string) string {
	for _, v := range secrets {
		if len(v) >= minRedactLen {
			s = strings.ReplaceAll(s, v, "[redacted]")
		}
	}
	return s
}

// minRedactLen keeps redact from blanking out single letters of a reason
// when a value is absurdly short.
const minRedactLen = 3
