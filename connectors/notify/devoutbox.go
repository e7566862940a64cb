package notify

import (
	"context"
	"sync"
	"time"

	"github.com/portico-chat/portico/bot"
)

// DevOutboxCap is how many deliveries the dev outbox keeps; older ones
// fall off.
const DevOutboxCap = 500

// Sent is one delivery as the dev outbox saw it.
type Sent struct {
	To      string
	Channel string
	Subject string
	Text    string
	At      time.Time
}

// DevOutbox keeps the latest deliveries in memory so that a demo, or a
// test, can read the codes that would have been sent. It is for demo mode
// only: it holds codes in clear.
type DevOutbox struct {
	mu    sync.Mutex
	ring  [DevOutboxCap]Sent
	total int64 // deliveries ever recorded; ring[(total-1)%cap] is the newest
	// changed is closed and replaced on every Record, waking every Wait.
	changed chan struct{}
}

// NewDevOutbox returns an empty dev outbox.
func NewDevOutbox() *DevOutbox {
	return &DevOutbox{changed: make(chan struct{})}
}

// Record keeps a copy of d as sent at at.
func (o *DevOutbox) Record(d bot.Delivery, at time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.ring[o.total%DevOutboxCap] = Sent{
		To:      d.To,
		Channel: d.Channel,
		Subject: d.Subject,
		Text:    d.Text,
		At:      at.UTC(),
	}
	o.total++
	if o.changed == nil { // the zero DevOutbox is usable too
		o.changed = make(chan struct{})
	}
	close(o.changed)
	o.changed = make(chan struct{})
}

// All returns the kept deliveries, oldest first, newest last.
func (o *DevOutbox) All() []Sent {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.since(o.oldest())
}

// Wait returns the newest kept delivery that matches; if none does, it
// blocks until one is recorded or ctx is done.
func (o *DevOutbox) Wait(ctx context.Context, match func(Sent) bool) (Sent, error) {
	o.mu.Lock()
	from := o.oldest()
	for {
		kept := o.since(from)
		from = o.total
		if o.changed == nil {
			o.changed = make(chan struct{})
		}
		changed := o.changed
		o.mu.Unlock()

		for i := len(kept) - 1; i >= 0; i-- {
			if match(kept[i]) {
				return kept[i], nil
			}
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return Sent{}, ctx.Err()
		}
		o.mu.Lock()
		if from < o.oldest() { // more arrived than the ring holds
			from = o.oldest()
		}
	}
}

// oldest is the sequence number of the oldest kept delivery. Callers hold mu.
func (o *DevOutbox) oldest() int64 {
	return max(0, o.total-DevOutboxCap)
}

// since copies the kept deliveries numbered from seq on, oldest first.
// Callers hold mu.
func (o *DevOutbox) since(seq int64) []Sent {
	out := make([]Sent, 0, o.total-seq)
	for n := seq; n < o.total; n++ {
		out = append(out, o.ring[n%DevOutboxCap])
	}
	return out
}
