// Package notify delivers one-time codes and notices: SMTP email, an SMS
// gateway with a Twilio-compatible REST API, and in demo mode a dev outbox.
package notify

import (
	"context"
	"time"

	"github.com/portico-chat/portico/bot"
)

// Outbox is the durable delivery queue that the background sender drains.
// Deliveries enter it inside a conversation's turn (bot.Turn.Deliveries).
type Outbox interface {
	// DueDeliveries returns up to limit unsent deliveries whose next attempt
	// is due at now, oldest first.
	DueDeliveries(ctx context.Context, now time.Time, limit int) ([]Pending, error)
	// MarkSent records a successful send and scrubs the text (it may hold
	// a code).
	MarkSent(ctx context.Context, id string, at time.Time) error
	// MarkFailed records a failed attempt. With giveUp the delivery is
	// abandoned (and its text scrubbed); otherwise it is retried at next.
	MarkFailed(ctx context.Context, id string, reason string, next time.Time, giveUp bool) error
}

// Pending is a delivery waiting in the outbox.
type Pending struct {
	bot.Delivery
	Attempts  int
	CreatedAt time.Time
}
