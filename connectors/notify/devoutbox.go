package notify

import (
	"context"
	"sync"
	"time"

	"github.com/portico-chat/portico/bot"
)

// DevOutboxCap is how many deliveries the dev outbox keeps by default;
// older ones fall off.
const DevOutboxCap = 500

// MaxDevOutboxCap bounds a configured capacity: the dev outbox holds every
// entry in memory (a load test of tens of thousands of patients fits).
const MaxDevOutboxCap = 1_000_000

// Sent is one delivery as the dev outbox saw it.
type Sent struct {
	To      string
	Channel string
	Subject string
	Text    string
	At      time.Time
}

// DevOutbox keeps the latest deliveries in memory so that a demo, a test or
// the load generator can read the codes that would have been sent. It is
// for demo mode only: it holds codes in clear.
type DevOutbox struct {
	mu    sync.Mutex
	ring  []Sent // allocated on first use; len is the capacity
	total int64  // deliveries ever recorded; ring[(total-1)%cap] is the newest
	// byTo lists the sequence numbers of the kept deliveries to each
	// address, oldest first, so a filtered read does not scan the ring.
	byTo map[string][]int64
	// changed is closed and replaced on every Record, waking every Wait.
	changed chan struct{}
}

// NewDevOutbox returns an empty dev outbox keeping DevOutboxCap deliveries.
func NewDevOutbox() *DevOutbox { return NewDevOutboxCap(DevOutboxCap) }

// NewDevOutboxCap returns an empty dev outbox keeping the latest capacity
// deliveries (DevOutboxCap if capacity is not positive, at most
// MaxDevOutboxCap).
func NewDevOutboxCap(capacity int) *DevOutbox {
	if capacity <= 0 {
		capacity = DevOutboxCap
	}
	capacity = min(capacity, MaxDevOutboxCap)
	return &DevOutbox{ring: make([]Sent, capacity), changed: make(chan struct{})}
}

// Cap returns how many deliveries the outbox keeps.
func (o *DevOutbox) Cap() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.init()
	return len(o.ring)
}

// init makes the zero DevOutbox usable. Callers hold mu.
func (o *DevOutbox) init() {
	if o.ring == nil {
		o.ring = make([]Sent, DevOutboxCap)
	}
	if o.byTo == nil {
		o.byTo = map[string][]int64{}
	}
	if o.changed == nil {
		o.changed = make(chan struct{})
	}
}

// Record keeps a copy of d as sent at at.
func (o *DevOutbox) Record(d bot.Delivery, at time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.init()
	slot := o.total % int64(len(o.ring))
	if o.total >= int64(len(o.ring)) { // the oldest falls off
		old := o.ring[slot].To
		if seqs := o.byTo[old]; len(seqs) <= 1 {
			delete(o.byTo, old)
		} else {
			o.byTo[old] = seqs[1:]
		}
	}
	o.ring[slot] = Sent{
		To:      d.To,
		Channel: d.Channel,
		Subject: d.Subject,
		Text:    d.Text,
		At:      at.UTC(),
	}
	o.byTo[d.To] = append(o.byTo[d.To], o.total)
	o.total++
	close(o.changed)
	o.changed = make(chan struct{})
}

// All returns the kept deliveries, oldest first, newest last.
func (o *DevOutbox) All() []Sent {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.init()
	return o.since(o.oldest())
}

// To returns the kept deliveries to address to, oldest first, newest last.
func (o *DevOutbox) To(to string) []Sent {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.init()
	seqs := o.byTo[to]
	out := make([]Sent, len(seqs))
	for i, n := range seqs {
		out[i] = o.ring[n%int64(len(o.ring))]
	}
	return out
}

// Wait returns the newest kept delivery that matches; if none does, it
// blocks until one is recorded or ctx is done.
func (o *DevOutbox) Wait(ctx context.Context, match func(Sent) bool) (Sent, error) {
	o.mu.Lock()
	o.init()
	from := o.oldest()
	for {
		kept := o.since(from)
		from = o.total
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
	return max(0, o.total-int64(len(o.ring)))
}

// since copies the kept deliveries numbered from seq on, oldest first.
// Callers hold mu.
func (o *DevOutbox) since(seq int64) []Sent {
	out := make([]Sent, 0, o.total-seq)
	for n := seq; n < o.total; n++ {
		out = append(out, o.ring[n%int64(len(o.ring))])
	}
	return out
}
