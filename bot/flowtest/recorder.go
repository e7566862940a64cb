package flowtest

import (
	"sync"

	"github.com/portico-chat/portico/bot"
)

// Recorder is a client of a conversation that keeps every event it is
// told: the transcript runner's, a flow sandbox's and tests' stand-in for
// a patient's socket.
type Recorder struct {
	mu     sync.Mutex
	events []bot.Event
}

// Deliver keeps ev; it never refuses one.
func (r *Recorder) Deliver(ev bot.Event) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
	return true
}

// All returns every event not taken yet.
func (r *Recorder) All() []bot.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bot.Event(nil), r.events...)
}

// Take returns the events since the last Take and forgets them.
func (r *Recorder) Take() []bot.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	evs := r.events
	r.events = nil
	return evs
}

// Messages returns the messages among events, in order.
func Messages(evs []bot.Event) []bot.Message {
	var out []bot.Message
	for _, ev := range evs {
		if ev.Message != nil {
			out = append(out, *ev.Message)
		}
	}
	return out
}
