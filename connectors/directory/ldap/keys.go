package ldap

import "sync"

// keySet remembers the idempotency keys of the last n changes that
// completed in this process, so a repeated call (a turn computed again,
// a resent message) changes nothing and costs no round trip. It is a
// shortcut, not the guarantee: after a restart the set is empty, and what
// makes a repeated change safe is the directory's own state (see
// SetPassword, Activate and Unlock).
type keySet struct {
	mu   sync.Mutex
	seen map[string]struct{}
	ring []string // insertion order; the oldest is dropped first
	next int
}

func newKeySet(n int) *keySet {
	return &keySet{seen: make(map[string]struct{}, n), ring: make([]string, n)}
}

// done reports whether key completed before. The empty key never has.
func (k *keySet) done(key string) bool {
	if key == "" {
		return false
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	_, ok := k.seen[key]
	return ok
}

// add records key as completed.
func (k *keySet) add(key string) {
	if key == "" {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, ok := k.seen[key]; ok {
		return
	}
	if old := k.ring[k.next]; old != "" {
		delete(k.seen, old)
	}
	k.ring[k.next] = key
	k.next = (k.next + 1) % len(k.ring)
	k.seen[key] = struct{}{}
}
