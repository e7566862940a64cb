package sms

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/portico-chat/portico/bot"
)

// Suppressions is the list of patients' numbers that texted STOP. The
// store implements it.
//
// The list is kept per patient number, across all of our numbers, not per
// pair of numbers: carriers treat an opt-out as covering the sender's
// whole program (CTIA), a clinic's codes may go out from a different
// number (notify.sms.from) than the one the patient texted, and Twilio,
// which blocks only the one number that received the STOP, advises
// applications with several numbers to keep their own list.
type Suppressions interface {
	// SuppressSMS puts number on the list, recording the message (sid)
	// that asked. It reports true when this call added the number, or
	// when the same message added it before (a redelivery of that
	// message), and false when another message had already put it there:
	// the caller confirms an opt-out once, and again only for a redelivery
	// of the message that asked. Of concurrent calls for one number with
	// different sids, exactly one reports true, also across processes
	// sharing the database.
	SuppressSMS(ctx context.Context, number, sid string, at time.Time) (bool, error)
	// UnsuppressSMS takes number off the list; it reports whether it was
	// there.
	UnsuppressSMS(ctx context.Context, number string) (bool, error)
	// SMSSuppressed reports whether number is on the list.
	SMSSuppressed(ctx context.Context, number string) (bool, error)
}

// Sender sends one delivery; notify.Transport has this shape.
type Sender interface {
	Send(ctx context.Context, d bot.Delivery) error
}

// ErrSuppressed is wrapped by Guard's error for a delivery to a number
// that opted out.
var ErrSuppressed = errors.New("recipient opted out of text messages")

// replyKeyPrefix marks the deliveries that answer a keyword; see ReplyKey.
const replyKeyPrefix = "sms-keyword:"

// ReplyKey is the delivery key of the automatic reply to message sid.
func ReplyKey(sid string) string { return replyKeyPrefix + sid }

// Guard sends through Next unless the recipient opted out: then nothing
// is sent and the delivery fails for good. Codes, notices and replies all
// stop at the list; only the answers to keywords pass (the confirmation
// of a STOP goes to a number just put on the list, and HELP is answered
// whoever asks).
type Guard struct {
	Next Sender
	List Suppressions
	// Permanent is wrapped by the error for a suppressed recipient, so the
	// outbox gives the delivery up instead of retrying it: cmd sets it to
	// notify.ErrPermanent (this package may not import notify).
	Permanent error
}

// Send sends d, or refuses it if d.To opted out. Errors never name the
// recipient.
func (g Guard) Send(ctx context.Context, d bot.Delivery) error {
	if !strings.HasPrefix(d.Key, replyKeyPrefix) {
		stop, err := g.List.SMSSuppressed(ctx, d.To)
		if err != nil {
			return fmt.Errorf("sms suppression list: %w", err)
		}
		if stop {
			if g.Permanent != nil {
				return fmt.Errorf("sms not sent: %w (%w)", ErrSuppressed, g.Permanent)
			}
			return fmt.Errorf("sms not sent: %w", ErrSuppressed)
		}
	}
	return g.Next.Send(ctx, d)
}
