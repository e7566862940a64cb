package notify_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/connectors/notify"
)

// memLeases is bot.Leases for processes sharing memory: a lease is held by
// the first caller until it lapses.
type memLeases struct {
	mu     sync.Mutex
	holder map[string]string
	until  map[string]time.Time
}

func (m *memLeases) as(who string) *memLeasesView {
	return &memLeasesView{m, who}
}

type memLeasesView struct {
	*memLeases
	who string
}

func (v *memLeasesView) Hold(ctx context.Context, name string, ttl time.Duration) (bool, error) {
	m := v.memLeases
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	if h, ok := m.holder[name]; ok && h != v.who && now.Before(m.until[name]) {
		return false, nil
	}
	m.holder[name], m.until[name] = v.who, now.Add(ttl)
	return true, nil
}

// countingTransport counts the sends of each delivery.
type countingTransport struct {
	mu    sync.Mutex
	sends map[string]int
}

func (c *countingTransport) Send(ctx context.Context, d bot.Delivery) error {
	c.mu.Lock()
	c.sends[d.ID]++
	c.mu.Unlock()
	time.Sleep(time.Millisecond) // a network's round trip, so that the senders overlap
	return nil
}

func TestTwoSendersSendEachDeliveryOnce(t *testing.T) {
	o := newFakeOutbox()
	const n = 40
	for i := range n {
		o.add(delivery(fmt.Sprint("d", i), notify.ChannelEmail), t0)
	}
	email := &countingTransport{sends: map[string]int{}}
	leases := &memLeases{holder: map[string]string{}, until: map[string]time.Time{}}
	for _, node := range []string{"a", "b"} {
		s := notify.NewSender(o, notify.SenderConfig{Email: email, Batch: 5, PollInterval: time.Hour,
			Clock: bot.NewManualClock(t0), Leases: leases.as(node)}, zerolog.Nop())
		runSender(t, s)
	}
	sent := map[string]bool{}
	timeout := time.After(testWait)
	for len(sent) < n {
		select {
		case ev := <-o.events:
			if ev.kind == "sent" {
				sent[ev.id] = true
			}
		case <-timeout:
			t.Fatalf("%d of %d deliveries sent", len(sent), n)
		}
	}
	email.mu.Lock()
	defer email.mu.Unlock()
	for i := range n {
		if got := email.sends[fmt.Sprint("d", i)]; got != 1 {
			t.Errorf("delivery d%d sent %d times, want once", i, got)
		}
	}
}
