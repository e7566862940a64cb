package bot

import (
	"context"
	"time"
)

// Outbox is the durable delivery queue that a sender (connectors/notify)
// drains. Deliveries enter it inside a conversation's turn
// (Turn.Deliveries), so a code or notice is queued if and only if its turn
// is stored.
type Outbox interface {
	// DueDeliveries returns up to limit unsent deliveries whose next attempt
	// is due at now, oldest first.
	DueDeliveries(ctx context.Context, now time.Time, limit int) ([]PendingDelivery, error)
	// MarkSent records a successful send and scrubs the text (it may hold
	// a code).
	MarkSent(ctx context.Context, id string, at time.Time) error
	// MarkFailed records a failed attempt. With giveUp the delivery is
	// abandoned (and its text scrubbed); otherwise it is retried at next.
	MarkFailed(ctx context.Context, id string, reason string, next time.Time, giveUp bool) error
}

// PendingDelivery is a delivery waiting in the outbox.
type PendingDelivery struct {
	Delivery
	Attempts  int
	CreatedAt time.Time
}
