package web

import (
	"encoding/hex"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/portico-chat/portico/bot/staff"
)

// liveSessions tracks the sessions that have open agent sockets: their
// activity, kept in memory between throttled writes to the store, and
// their sockets, so that ending a session closes every one of them.
type liveSessions struct {
	mu sync.Mutex
	m  map[string]*liveSession // by hex of the token hash
}

type liveSession struct {
	userID   string
	expires  time.Time // absolute end
	lastSeen time.Time // last activity
	saved    time.Time // lastSeen as last written to the store
	sockets  map[*agentConn]struct{}
}

func newLiveSessions() *liveSessions {
	return &liveSessions{m: make(map[string]*liveSession)}
}

func sessionKey(hash []byte) string { return hex.EncodeToString(hash) }

// attach registers a socket of a session.
func (l *liveSessions) attach(key, userID string, expires, lastSeen time.Time, c *agentConn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ls := l.m[key]
	if ls == nil {
		ls = &liveSession{userID: userID, expires: expires, lastSeen: lastSeen, saved: lastSeen,
			sockets: make(map[*agentConn]struct{})}
		l.m[key] = ls
	}
	ls.lastSeen = later(ls.lastSeen, lastSeen)
	ls.sockets[c] = struct{}{}
}

// detach forgets a socket, and the session once it has none.
func (l *liveSessions) detach(key string, c *agentConn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if ls := l.m[key]; ls != nil {
		delete(ls.sockets, c)
		if len(ls.sockets) == 0 {
			delete(l.m, key)
		}
	}
}

// lastSeen returns the session's last activity known in memory.
func (l *liveSessions) lastSeen(key string) (time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if ls := l.m[key]; ls != nil {
		return ls.lastSeen, true
	}
	return time.Time{}, false
}

// touch records activity at now and reports whether it is time to write it
// to the store (at most every sessionTouchEvery).
func (l *liveSessions) touch(key string, now time.Time) (save bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ls := l.m[key]
	if ls == nil {
		return true
	}
	ls.lastSeen = later(ls.lastSeen, now)
	if ls.lastSeen.Sub(ls.saved) < sessionTouchEvery {
		return false
	}
	ls.saved = ls.lastSeen
	return true
}

// expired reports whether a live session is over at now.
func (l *liveSessions) expired(key string, now time.Time, idle time.Duration) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	ls := l.m[key]
	return ls == nil || staff.SessionOver(ls.expires, ls.lastSeen, now, idle)
}

// end closes every socket of a session with code 1008 and forgets it.
func (l *liveSessions) end(key, reason string) {
	l.mu.Lock()
	ls := l.m[key]
	delete(l.m, key)
	l.mu.Unlock()
	if ls == nil {
		return
	}
	for c := range ls.sockets {
		c.stop(websocket.ClosePolicyViolation, reason)
	}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
