package web

import (
	"time"

	"github.com/gorilla/websocket"

	"github.com/portico-chat/portico/bot"
)

// Patient socket buffering.
const (
	sendBuffer = 64               // frames queued for a connected patient
	holdLimit  = 2048             // frames held back until welcome is queued (the replay)
	helloWait  = 10 * time.Second // for the first frame, hello, to arrive
)

// patientConn is one patient socket (see socket) and the patient
// endpoint of its read loop (patient.go). The engine reaches it only
// through Deliver, which never blocks. Until welcome is queued the events
// the engine delivers (the replay of a resumed conversation) are held
// back, so that welcome comes first.
type patientConn struct {
	socket
	s    *Server
	ip   string // the client's address, for the engine's per-address limits
	conv string // the attached conversation's ID once hello succeeded; the reader's

	welcomed bool     // welcome is queued: events go straight to the queue; guarded by mu
	held     [][]byte // events delivered before welcome (the replay, in order); guarded by mu
}

var _ bot.Client = (*patientConn)(nil)

func newPatientConn(s *Server, ws *websocket.Conn, id, ip string, buffer int, ping time.Duration) *patientConn {
	c := &patientConn{s: s, ip: ip}
	c.init(ws, id, &s.log, buffer, ping)
	return c
}

// Deliver queues an event for the client. Until welcome is queued the
// events are held back so that they follow it; afterwards a full queue
// means the client cannot keep up, and it is dropped.
func (c *patientConn) Deliver(ev bot.Event) bool {
	b, err := encodeEvent(ev)
	if err != nil {
		c.log.Error().Str("conn", c.id).Err(err).Msg("drop undeliverable event")
		return true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.stopped:
		return false
	case !c.welcomed:
		if len(c.held) >= holdLimit {
			c.stopLocked(closeTryLater, "replay too long")
			return false
		}
		c.held = append(c.held, b)
		return true
	}
	return c.pushLocked(b)
}

// welcome queues the welcome frame (and whatever must come right before
// it), then the held events, then lets Deliver queue directly, all under
// one lock, so the order is kept.
func (c *patientConn) welcome(first ...[]byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return false
	}
	c.pending = append(c.pending, first...)
	c.pending = append(c.pending, c.held...)
	c.grace = len(c.pending) // the replay may exceed the live queue's limit
	c.held = nil
	c.welcomed = true
	c.kickLocked()
	return true
}

// dropHeld forgets events held back for a hello that failed.
func (c *patientConn) dropHeld() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.held = nil
}
