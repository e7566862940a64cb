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
	holdFlush  = 32                // frames moved from the hold to the queue per lock
)

// WebSocket close codes the server uses besides gorilla's own 1009.
const (
	closeNormal        = websocket.CloseNormalClosure     // 1000
	closePolicy        = websocket.ClosePolicyViolation   // 1008: no hello in time, flooding
	closeInternal      = websocket.CloseInternalServerErr // 1011: a bug; reconnect
	closeServiceReboot = websocket.CloseServiceRestart    // 1012: graceful shutdown; reconnect
	closeTryLater      = websocket.CloseTryAgainLater     // 1013: the client fell behind; reconnect
)

// patientConn is one patient socket. The reader goroutine (the HTTP
// handler) owns reading; the writer goroutine owns writing; the engine
// reaches it only through Deliver, which never blocks.
type patientConn struct {
	ws  *websocket.Conn
	id  string
	log zerolog.Logger

	send chan []byte   // frames for the writer, bounded
	quit chan struct{} // closed by stop: the writer sends the close frame and ends

	mu        sync.Mutex
	welcomed  bool     // welcome is queued: events go straight to send
	held      [][]byte // events delivered before welcome (the replay, in order)
	stopped   bool
	closeCode int
	closeText string
}

var _ bot.Client = (*patientConn)(nil)

func newPatientConn(ws *websocket.Conn, id string, log zerolog.Logger, buffer int) *patientConn {
	return &patientConn{
		ws:   ws,
		id:   id,
		log:  log,
		send: make(chan []byte, buffer),
		quit: make(chan struct{}),
	}
}

// Deliver queues an event for the client. Until welcome is queued the
// events are held back so that they follow it; afterwards a full queue
// means the client cannot keep up, and it is dropped.
func (c *patientConn) Deliver(ev bot.Event) bool {
	b, err := encodeEvent(ev)
	if err != nil {
		c.log.Error().Err(err).Msg("drop undeliverable event")
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
	select {
	case c.send <- b:
		return true
	default:
		c.log.Warn().Msg("slow consumer dropped")
		c.stopLocked(closeTryLater, "slow consumer")
		return false
	}
}

// queue puts a frame of the connection's own (welcome, error) on the send
// queue, waiting for room: only the reader goroutine calls it.
func (c *patientConn) queue(b []byte) bool {
	select {
	case c.send <- b:
		return true
	case <-c.quit:
		return false
	}
}

// welcome queues the welcome frame (and whatever must come right before
// it), then the held events, then lets Deliver queue directly. Events that
// arrive meanwhile join the hold, so the order is kept.
func (c *patientConn) welcome(first ...[]byte) bool {
	for _, b := range first {
		if !c.queue(b) {
			return false
		}
	}
	for {
		c.mu.Lock()
		if len(c.held) == 0 {
			c.welcomed = true
			c.held = nil
			c.mu.Unlock()
			return true
		}
		n := min(len(c.held), holdFlush)
		batch := c.held[:n:n]
		c.held = c.held[n:]
		c.mu.Unlock()
		for _, b := range batch {
			if !c.queue(b) {
				return false
			}
		}
	}
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
	close(c.quit)
}

// writeLoop sends queued frames and pings until stop, then sends the close
// frame and closes the socket, which ends the reader too.
func (c *patientConn) writeLoop() {
	ticker := time.NewTicker(pingPeriod)
	defer func() {
		ticker.Stop()
		c.ws.Close()
	}()
	for {
		select {
		case <-c.quit: // stopping wins over queued frames
			c.writeClose()
			return
		default:
		}
		select {
		case b := <-c.send:
			c.ws.SetWriteDeadline(time.Now().Add(writeWait))
			if err := c.ws.WriteMessage(websocket.TextMessage, b); err != nil {
				c.stop(closeNormal, "")
				return
			}
		case <-ticker.C:
			c.ws.SetWriteDeadline(time.Now().Add(writeWait))
			if err := c.ws.WriteMessage(websocket.PingMessage, nil); err != nil {
				c.stop(closeNormal, "")
				return
			}
		case <-c.quit:
			c.writeClose()
			return
		}
	}
}

// writeClose sends the close frame of stop, after what is already queued
// unless the client is being dropped for falling behind.
func (c *patientConn) writeClose() {
	c.mu.Lock()
	code, text := c.closeCode, c.closeText
	c.mu.Unlock()
	if code != closeTryLater {
		c.flush()
	}
	msg := websocket.FormatCloseMessage(code, text)
	_ = c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(closeWait))
}

// flush writes what is already queued (an error frame explaining the
// close, say), within closeWait in all.
func (c *patientConn) flush() {
	c.ws.SetWriteDeadline(time.Now().Add(closeWait))
	for {
		select {
		case b := <-c.send:
			if c.ws.WriteMessage(websocket.TextMessage, b) != nil {
				return
			}
		default:
			return
		}
	}
}

// dropHeld forgets events held back for a hello that failed.
func (c *patientConn) dropHeld() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.held = nil
}
