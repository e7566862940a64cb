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

// Sent is one delivery as the dev outbox saw it, or one it was told was
// held back (NotSent is then why, e.g. "limit").
type Sent struct {
	To      string
	Channel string
	Subject string
	Text    string
	At      time.Time
	NotSent string // "" for a delivery; why a code was not sent otherwise
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
	o.record(Sent{To: d.To, Channel: d.Channel, Subject: d.Subject, Text: d.Text, At: at.UTC()})
}

// Reasons a code is held back, as RecordHeld shows them.
const (
	NotSentLimit  = "limit"  // the patient's record had its codes for now (SECURITY.md: 3 in 15 minutes, 10 a day)
	NotSentPaused = "paused" // the record's verification is paused after failures
)

// heldTexts explain a held code to the person trying the demo; the
// patient's chat said the same as when a code is sent.
var heldTexts = map[string]string{
	NotSentLimit: "No code was sent: this patient already had the most codes allowed for now " +
		"(3 in 15 minutes, 10 a day). The chat said the same as when a code is sent, " +
		"so it tells no one whether the patient exists. Wait, or try another demo patient.",
	NotSentPaused: "No code was sent: this patient's verification is paused after too many " +
		"failed tries. The chat said the same as when a code is sent. " +
		"The command portico patients unlock MRN lifts the pause.",
}

// RecordHeld keeps a note that a code for to was not sent, and why
// (NotSentLimit, NotSentPaused), so that someone trying the demo twice
// sees why no code arrived. It holds no code.
func (o *DevOutbox) RecordHeld(to, channel, why string, at time.Time) {
	text := heldTexts[why]
	if text == "" {
		text = "No code was sent (" + why + "). The chat said the same as when a code is sent."
	}
	o.record(Sent{To: to, Channel: channel, Subject: "Not sent: " + why, Text: text, At: at.UTC(), NotSent: why})
}

// record keeps s, dropping the oldest entry when full.
func (o *DevOutbox) record(s Sent) {
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
	o.ring[slot] = s
	o.byTo[s.To] = append(o.byTo[s.To], o.total)
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

// WaitTo waits until something was sent to address to, or ctx is done.
// Every Record wakes it; it only looks up the address.
func (o *DevOutbox) WaitTo(ctx context.Context, to string) {
	for {
		o.mu.Lock()
		o.init()
		sent := len(o.byTo[to]) > 0
		changed := o.changed
		o.mu.Unlock()
		if sent {
			return
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return
		}
	}
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
