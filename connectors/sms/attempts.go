package sms

import (
	"context"
	"time"

	"github.com/portico-chat/portico/bot"
)

// attemptKind is the kind of the attempts rows that count inbound texts.
const attemptKind = "sms_inbound"

// Attempts is a RateStore over the engine's attempt store, whose Reserve
// already counts and records in one atomic step, across processes too.
type Attempts struct{ Store bot.AttemptStore }

var _ RateStore = Attempts{}

// AdmitSMS implements RateStore: one reservation per bucket, all or none.
func (a Attempts) AdmitSMS(ctx context.Context, at time.Time, buckets []Bucket) (bool, error) {
	rs := make([]bot.Reservation, len(buckets))
	for i, b := range buckets {
		// Reserve counts at or after Since; the window is (at − Window, at].
		rs[i] = bot.Reservation{Kind: attemptKind, Key: b.Key, At: at,
			Windows: []bot.Window{{Since: at.Add(-b.Window + time.Nanosecond), Max: b.Count}}}
	}
	_, ok, err := a.Store.Reserve(ctx, rs...)
	return ok, err
}
