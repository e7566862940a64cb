package web

import (
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
)

// Socket timing and buffering (gorilla/websocket examples/chat).
const (
	writeWait  = 10 * time.Second  // to write one frame
	pongWait   = 60 * time.Second  // silence allowed before the peer counts as gone
	pingPeriod = pongWait * 9 / 10 // how often we ping; must be less than pongWait
	sendBuffer = 64                // frames queued for a connected client
	holdLimit  = 2048              // frames held back until welcome is written (the replay)
	closeWait  = 2 * time.Second   // to write a close frame on the way out
	helloWait  = 10 * time.Second  // for the first frame, hello, to arrive
)

// WebSocket close codes the server uses besides gorilla's own 1009.
const (
	closeNormal        = websocket.CloseNormalClosure     // 1000
	closePolicy        = websocket.ClosePolicyViolation   // 1008: no hello in time, flooding
	closeInternal      = websocket.CloseInternalServerErr // 1011: a bug; reconnect
	closeServiceReboot = websocket.CloseServiceRestart    // 1012: graceful shutdown; reconnect
	closeTryLater      = websocket.CloseTryAgainLater     // 1013: the client fell behind; reconnect
)

// patientConn is one patient socket. The reader goroutine (servePatient)
// owns reading. Writing is owned by a writer goroutine that runs
// only while there is something to write (frames, a ping, the close
// frame) and ends when the queue is empty, so an idle socket costs one
// goroutine, not two (docs/performance.md). The engine reaches the socket
// only through Deliver, which never blocks.
type patientConn struct {
	ws *websocket.Conn
	id string
	// log is the server's logger, shared: every event adds "conn" itself,
	// since a logger of its own (zerolog's With) costs ~900 bytes per
	// socket.
	log   zerolog.Logger
	limit int           // frames queued for the writer before the client counts as too slow
	ping  time.Duration // between pings (pingPeriod)

	mu        sync.Mutex
	pending   [][]byte // frames for the writer, in order; nil while idle
	grace     int      // replayed frames still in pending, allowed beyond limit
	writing   bool     // a writer goroutine is running; only it writes frames
	pingDue   bool
	welcomed  bool     // welcome is queued: events go straight to pending
	held      [][]byte // events delivered before welcome (the replay, in order)
	stopped   bool
	closeCode int
	closeText string
	pinger    *time.Timer   // arms the next ping; stopped with the socket
	done      chan struct{} // closed once the close frame is sent and the socket closed
}

var _ bot.Client = (*patientConn)(nil)

func newPatientConn(ws *websocket.Conn, id string, log zerolog.Logger, buffer int, ping time.Duration) *patientConn {
	c := &patientConn{ws: ws, id: id, log: log, limit: buffer, ping: ping, done: make(chan struct{})}
	c.pinger = time.AfterFunc(ping, c.pingNow)
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
	case len(c.pending) >= c.limit+c.grace:
		c.log.Warn().Str("conn", c.id).Msg("slow consumer dropped")
		c.stopLocked(closeTryLater, "slow consumer")
		return false
	}
	c.pending = append(c.pending, b)
	c.kickLocked()
	return true
}

// queue puts a frame of the connection's own (welcome, error) on the
// queue. Only the reader goroutine calls it, at most once per frame the
// client sent, which the rate limit bounds; a client that lets twice the
// queue's limit pile up is not reading and is dropped.
func (c *patientConn) queue(b []byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return false
	}
	if len(c.pending) >= 2*c.limit+c.grace {
		c.stopLocked(closeTryLater, "slow consumer")
		return false
	}
	c.pending = append(c.pending, b)
	c.kickLocked()
	return true
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

// stop asks the writer to close the socket with code and reason. The first
// call wins; it never blocks.
func (c *patientConn) stop(code int, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopLocked(code, reason)
}

func (c *patientConn) stopLocked(code int, reason string) {
	if c.stopped {
		return
	}
	c.stopped = true
	c.closeCode, c.closeText = code, reason
	c.pinger.Stop()
	c.kickLocked() // the writer sends the close frame
}

// pingNow runs on the timer: the writer sends a ping.
func (c *patientConn) pingNow() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return
	}
	c.pingDue = true
	c.kickLocked()
}

// kickLocked starts the writer unless it runs. c.mu must be held.
func (c *patientConn) kickLocked() {
	if !c.writing {
		c.writing = true
		go c.writeLoop()
	}
}

// writeLoop writes what is queued, and a ping when one is due, until the
// queue is empty; after stop it sends the close frame and closes the
// socket, which ends the reader too.
func (c *patientConn) writeLoop() {
	for {
		c.mu.Lock()
		if c.stopped { // stopping wins over queued frames
			c.mu.Unlock()
			c.writeClose()
			return
		}
		batch, ping := c.pending, c.pingDue
		c.pending, c.pingDue = nil, false
		c.grace = max(0, c.grace-len(batch))
		if len(batch) == 0 && !ping {
			c.writing = false
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		if !c.write(batch, ping) {
			c.stop(closeNormal, "")
		}
	}
}

// write sends frames, then a ping if due; false on a write error.
func (c *patientConn) write(batch [][]byte, ping bool) bool {
	for _, b := range batch {
		c.ws.SetWriteDeadline(time.Now().Add(writeWait))
		if err := c.ws.WriteMessage(websocket.TextMessage, b); err != nil {
			return false
		}
	}
	if ping {
		c.ws.SetWriteDeadline(time.Now().Add(writeWait))
		if err := c.ws.WriteMessage(websocket.PingMessage, nil); err != nil {
			return false
		}
		c.mu.Lock()
		if !c.stopped { // a stopped socket's timer stays stopped
			c.pinger.Reset(c.ping)
		}
		c.mu.Unlock()
	}
	return true
}

// writeClose sends the close frame of stop, after what is already queued
// unless the client is being dropped for falling behind, then closes the
// socket.
func (c *patientConn) writeClose() {
	defer close(c.done)
	defer c.ws.Close()
	c.mu.Lock()
	code, text := c.closeCode, c.closeText
	rest := c.pending
	c.pending = nil
	c.mu.Unlock()
	if code != closeTryLater {
		c.flush(rest)
	}
	msg := websocket.FormatCloseMessage(code, text)
	_ = c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(closeWait))
}

// flush writes frames already queued (an error frame explaining the
// close, say), within closeWait in all.
func (c *patientConn) flush(frames [][]byte) {
	c.ws.SetWriteDeadline(time.Now().Add(closeWait))
	for _, b := range frames {
		if c.ws.WriteMessage(websocket.TextMessage, b) != nil {
			return
		}
	}
}

// closed is closed once the socket is closed.
func (c *patientConn) closed() <-chan struct{} { return c.done }

// dropHeld forgets events held back for a hello that failed.
func (c *patientConn) dropHeld() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.held = nil
}
