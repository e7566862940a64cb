package sms

import (
	"context"
	"fmt"
	"time"

	"github.com/portico-chat/portico/bot"
)

// Limit is at most Count events in any Window.
type Limit struct {
	Count  int
	Window time.Duration
}

// RateLimit is how many inbound messages Portico takes, per patient number
// and per number of ours. Each is checked on its own key, so a flood from
// one number uses up that number's allowance and nobody else's; the
// allowance per number of ours caps what a crowd of senders can cost.
type RateLimit struct {
	PerSender Limit // per patient number, across all our numbers
	PerNumber Limit // per number of ours, across all senders
}

// DefaultRateLimit suits a clinic: a patient going through a password
// reset sends about a dozen texts in ten minutes.
var DefaultRateLimit = RateLimit{
	PerSender: Limit{Count: 30, Window: 10 * time.Minute},
	PerNumber: Limit{Count: 300, Window: time.Minute},
}

// Bucket is one counter of a rate limit: its key and its limit.
type Bucket struct {
	Key string
	Limit
}

// RateStore keeps the counts of rate limits. The store implements it.
type RateStore interface {
	// AdmitSMS records one event at `at` in every bucket if each holds
	// fewer than its Count events in (at − Window, at], and reports
	// whether it did. It is all or nothing: when it reports false nothing
	// is recorded, so messages refused for one bucket use up no other.
	// Check and record are one atomic step, also across processes sharing
	// the database: of N concurrent calls on a bucket with room for k,
	// exactly k report true. Events older than the longest window may be
	// forgotten.
	AdmitSMS(ctx context.Context, at time.Time, buckets []Bucket) (bool, error)
}

// Limiter applies a RateLimit to inbound messages.
type Limiter struct {
	Store  RateStore
	Policy RateLimit
	Clock  bot.Clock
}

// Bucket key prefixes.
const (
	senderKey = "sms.from:"
	numberKey = "sms.to:"
)

// Allow records a message from a patient's number to ours and reports
// whether it is within the limits. A limit with Count 0 is off.
func (l Limiter) Allow(ctx context.Context, from, to string) (bool, error) {
	var buckets []Bucket
	if l.Policy.PerSender.Count > 0 {
		buckets = append(buckets, Bucket{Key: senderKey + from, Limit: l.Policy.PerSender})
	}
	if l.Policy.PerNumber.Count > 0 {
		buckets = append(buckets, Bucket{Key: numberKey + to, Limit: l.Policy.PerNumber})
	}
	if len(buckets) == 0 {
		return true, nil
	}
	ok, err := l.Store.AdmitSMS(ctx, l.Clock.Now(), buckets)
	if err != nil {
		return false, fmt.Errorf("sms rate limit: %w", err)
	}
	return ok, nil
}

// check reports a policy that cannot work.
func (p RateLimit) check() error {
	for name, l := range map[string]Limit{"per sender": p.PerSender, "per number": p.PerNumber} {
		if l.Count < 0 || l.Count > 0 && l.Window <= 0 {
			return bot.Errorf(bot.EINVALID, "sms rate limit %s: need a count of 0 (off) or more and a positive window", name)
		}
	}
	return nil
}
