package smstest

import (
	"context"
	"sync"
	"time"

	"github.com/portico-chat/portico/connectors/sms"
)

// Store is what a store must implement for the SMS channel.
type Store interface {
	sms.Suppressions
	sms.RateStore
}

// Memory is an in-memory Store for tests: each method is one step under
// one lock, so its limits hold under concurrency within a process.
type Memory struct {
	mu         sync.Mutex
	suppressed map[string]string // number → sid of the message that asked
	events     map[string][]time.Time
	err        error
}

var _ Store = (*Memory)(nil)

// NewMemory returns an empty store.
func NewMemory() *Memory {
	return &Memory{suppressed: map[string]string{}, events: map[string][]time.Time{}}
}

// Fail makes every later call return err (nil: work again), to test what
// callers do when the store is down.
func (m *Memory) Fail(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.err = err
}

// SuppressSMS implements sms.Suppressions.
func (m *Memory) SuppressSMS(_ context.Context, number, sid string, _ time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return false, m.err
	}
	if by, ok := m.suppressed[number]; ok {
		return by == sid, nil
	}
	m.suppressed[number] = sid
	return true, nil
}

// UnsuppressSMS implements sms.Suppressions.
func (m *Memory) UnsuppressSMS(_ context.Context, number string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return false, m.err
	}
	_, ok := m.suppressed[number]
	delete(m.suppressed, number)
	return ok, nil
}

// SMSSuppressed implements sms.Suppressions.
func (m *Memory) SMSSuppressed(_ context.Context, number string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return false, m.err
	}
	_, ok := m.suppressed[number]
	return ok, nil
}

// AdmitSMS implements sms.RateStore.
func (m *Memory) AdmitSMS(_ context.Context, at time.Time, buckets []sms.Bucket) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return false, m.err
	}
	for _, b := range buckets {
		kept := m.events[b.Key][:0]
		for _, t := range m.events[b.Key] {
			if t.After(at.Add(-b.Window)) {
				kept = append(kept, t)
			}
		}
		m.events[b.Key] = kept
		if len(kept) >= b.Count {
			return false, nil
		}
	}
	for _, b := range buckets {
		m.events[b.Key] = append(m.events[b.Key], at)
	}
	return true, nil
}
