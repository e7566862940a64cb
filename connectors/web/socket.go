package web

import (
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/rs/zerolog"
)

// Socket timing, the same for both endpoints (gorilla/websocket
// examples/chat).
const (
	writeWait  = 10 * time.Second  // to write one frame
	pongWait   = 60 * time.Second  // silence allowed before the peer counts as gone
	pingPeriod = pongWait * 9 / 10 // how often we ping; must be less than pongWait
	closeWait  = 2 * time.Second   // to write the close frame on the way out
)

// WebSocket close codes the server uses besides gorilla's own 1009.
const (
	closeNormal        = websocket.CloseNormalClosure     // 1000
	closePolicy        = websocket.ClosePolicyViolation   // 1008: no hello in time, flooding, session over
	closeInternal      = websocket.CloseInternalServerErr // 1011: a bug; reconnect
	closeServiceReboot = websocket.CloseServiceRestart    // 1012: graceful shutdown; reconnect
	closeTryLater      = websocket.CloseTryAgainLater     // 1013: the client fell behind; reconnect
)

// socket is one WebSocket, a patient's (/ws) or an agent console's
// (/ws/agent). Its reader goroutine (readLoop) owns reading. Writing is
// owned by a writer goroutine that runs only while there is something to
// write (frames, a ping, the close frame) and ends when the queue is
// empty, so an idle socket costs one goroutine, not two
// (docs/performance.md). Everything else reaches the socket through push,
// queue and stop, which never block. patientConn and agentConn add what
// their endpoint needs.
type socket struct {
	ws *websocket.Conn
	id string
	// log is shared, not the socket's own: every event adds "conn"
	// itself, since a logger of its own (zerolog's With) costs ~900 bytes
	// per socket. A pointer: a zerolog.Logger is 112 bytes, a third of
	// the patient's connection struct (docs/performance.md).
	log   *zerolog.Logger
	limit int           // frames queued for the writer before the client counts as too slow
	ping  time.Duration // between pings (pingPeriod)

	mu        sync.Mutex
	pending   [][]byte // frames for the writer, in order; nil while idle
	grace     int      // frames in pending allowed beyond limit (a patient's replay)
	writing   bool     // a writer goroutine is running; only it writes frames
	pingDue   bool
	stopped   bool
	finished  bool // the close frame is sent and the socket closed
	closeCode int
	closeText string
	pinger    *time.Timer // arms the next ping; stopped with the socket
	// done is closed once finished; made only when someone waits (closed),
	// which for a patient is once its reader has ended: an idle socket
	// saves the channel (96 bytes).
	done chan struct{}

	reading reading // the reader goroutine's own (socket_read.go)
}

// init readies a socket and arms its first ping. The socket is a field
// of its endpoint's connection, so one allocation holds both.
func (c *socket) init(ws *websocket.Conn, id string, log *zerolog.Logger, limit int, ping time.Duration) {
	c.ws, c.id, c.log, c.limit, c.ping = ws, id, log, limit, ping
	c.pinger = time.AfterFunc(ping, c.pingNow)
}

// pushLocked queues a frame from elsewhere (the engine, the desk). A full
// queue means the client cannot keep up: it is dropped, not waited on.
// c.mu must be held.
func (c *socket) pushLocked(b []byte) bool {
	switch {
	case c.stopped:
		return false
	case len(c.pending) >= c.limit+c.grace:
		c.log.Warn().Str("conn", c.id).Msg("slow consumer dropped")
		c.stopLocked(closeTryLater, "slow consumer")
		return false
	}
	c.pending = append(c.pending, b)
	c.kickLocked()
	return true
}

// push is pushLocked with the lock taken.
func (c *socket) push(b []byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pushLocked(b)
}

// queue puts a frame of the socket's own (an answer to what the client
// sent: an error, a welcome, an opened conversation) on the queue. Only
// the reader goroutine calls it, at most once per frame the client sent,
// which the rate limit bounds; a client that lets twice the queue's limit
// pile up is not reading and is dropped.
func (c *socket) queue(b []byte) bool {
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

// stop asks the writer to close the socket with code and reason. The first
// call wins; it never blocks.
func (c *socket) stop(code int, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopLocked(code, reason)
}

func (c *socket) stopLocked(code int, reason string) {
	if c.stopped {
		return
	}
	c.stopped = true
	c.closeCode, c.closeText = code, reason
	c.pinger.Stop()
	c.kickLocked() // the writer sends the close frame
}

// isStopped reports whether stop was called.
func (c *socket) isStopped() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stopped
}

// pingNow runs on the timer: the writer sends a ping.
func (c *socket) pingNow() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return
	}
	c.pingDue = true
	c.kickLocked()
}

// kickLocked starts the writer unless it runs. c.mu must be held.
func (c *socket) kickLocked() {
	if !c.writing {
		c.writing = true
		go c.writeLoop()
	}
}

// writeLoop writes what is queued, and a ping when one is due, until the
// queue is empty; after stop it sends the close frame and closes the
// socket, which ends the reader too.
func (c *socket) writeLoop() {
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
func (c *socket) write(batch [][]byte, ping bool) bool {
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
// (an error frame explaining the close, say) unless the client is being
// dropped for falling behind, then closes the socket.
func (c *socket) writeClose() {
	defer c.finish()
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

// flush writes frames already queued within closeWait in all.
func (c *socket) flush(frames [][]byte) {
	c.ws.SetWriteDeadline(time.Now().Add(closeWait))
	for _, b := range frames {
		if c.ws.WriteMessage(websocket.TextMessage, b) != nil {
			return
		}
	}
}

// closed is closed once the socket is closed.
func (c *socket) closed() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done == nil {
		c.done = make(chan struct{})
		if c.finished {
			close(c.done)
		}
	}
	return c.done
}

// finish marks the socket closed and wakes whoever waits in closed.
func (c *socket) finish() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.finished = true
	if c.done != nil {
		close(c.done)
	}
}

// refuse closes a socket that was upgraded while the server began to
// shut down: 1012, so the client tries again elsewhere or later.
func refuse(ws *websocket.Conn) {
	msg := websocket.FormatCloseMessage(closeServiceReboot, "service restart")
	_ = ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(closeWait))
	ws.Close()
}
