package web

import (
	"fmt"
	"io"
	"runtime/debug"
	"time"

	"github.com/gorilla/websocket"
	"github.com/rs/zerolog"
)

// maxDroppedFrames is how many rate-limited frames in a row a client may
// send before it is disconnected as a flood.
const maxDroppedFrames = 50

// textNotText answers a binary frame on either endpoint.
const textNotText = "Frames must be JSON text frames."

// readLimits are what a socket's reader allows, from the endpoint's
// configuration.
type readLimits struct {
	frameBytes int64         // largest frame
	rate       rateLimit     // frames over time
	rateText   string        // what the rate_limited error says
	firstWait  time.Duration // for the first frame (a patient's hello), or between pongs
}

// rateLimit is a token bucket's size: frames per window, with bursts.
type rateLimit struct {
	frames int
	window time.Duration
	burst  int
}

// endpoint is what differs between the patient's and the agent's read
// loops: how a frame is handled, when the peer counts as joined, and how
// a failed read is explained.
type endpoint interface {
	// name is "patient" or "agent", for logs.
	name() string
	// joined reports whether the peer has joined (a patient after hello,
	// an agent at once): only then do pongs and frames extend the read
	// deadline by pongWait.
	joined() bool
	// frame handles one admitted text frame; false ends the loop.
	frame(data []byte) bool
	// readFailed logs why reading stopped and may pick a close code.
	readFailed(err error)
	// tag adds the endpoint's own fields to a log event.
	tag(e *zerolog.Event) *zerolog.Event
}

// readLoop is the socket's reader: it reads frames until the socket
// fails or is stopped, applies the frame budget (floodGuard) and hands
// each text frame to the endpoint. A panic in handling closes this
// socket only.
//
// The loop is what an idle socket's goroutine holds while blocked in
// gorilla's read, so it is only the read: everything else happens in
// handleRead, whose frame is gone again while the socket waits. A
// patient's goroutine runs this loop itself (patientConn.serve), so that
// its frames while blocked stay under 1,248 bytes (a quarter of 8 KiB,
// less the runtime's 800-byte guard), which lets the collector halve its
// stack to 4 KiB; with the frames of the loop before it stayed at 8 KiB
// (docs/performance.md, TestIdlePatientSocketMemory). NextReader rather
// than ReadMessage for the same reason: one frame less.
func (c *socket) readLoop(ep endpoint, l readLimits, now func() time.Time) {
	c.startReading(ep, l, now)
	for c.handleRead(c.ws.NextReader()) {
	}
}

// startReading readies the socket for its read loop: limits, the first read
// deadline, the pong handler and the frame budget.
func (c *socket) startReading(ep endpoint, l readLimits, now func() time.Time) {
	ws := c.ws
	ws.SetReadLimit(l.frameBytes)
	ws.SetReadDeadline(time.Now().Add(l.firstWait))
	ws.SetPongHandler(func(string) error {
		if ep.joined() { // before a patient's hello only firstWait counts
			ws.SetReadDeadline(time.Now().Add(pongWait))
		}
		return nil
	})
	c.reading = reading{ep: ep, now: now, guard: newFloodGuard(l.rate, now(), l.rateText)}
}

// recoverRead closes this socket only when handling a frame panicked.
func (c *socket) recoverRead() {
	if v := recover(); v != nil {
		ep := c.reading.ep
		ep.tag(c.log.Error().Str("conn", c.id)).Str("panic", fmt.Sprint(v)).
			Bytes("stack", debug.Stack()).Msg(ep.name() + " connection panicked")
		c.stop(closeInternal, "internal error")
	}
}

// handleRead reads the frame NextReader found and handles it; false ends
// the loop, as does a panic (recoverRead).
func (c *socket) handleRead(kind int, fr io.Reader, err error) (more bool) {
	defer c.recoverRead()
	var data []byte
	if err == nil {
		data, err = io.ReadAll(fr)
	}
	r := &c.reading
	ep := r.ep
	if err != nil {
		ep.readFailed(err)
		return false
	}
	ws := c.ws
	joined := ep.joined()
	if joined {
		ws.SetReadDeadline(time.Now().Add(pongWait))
	}
	if ok, notice, flood := r.guard.admit(r.now()); !ok {
		if flood {
			ep.tag(c.log.Warn().Str("conn", c.id)).Msg(ep.name() + " socket closed: flooding")
			c.stop(closePolicy, "too many frames")
			return false
		}
		if notice != nil {
			c.queue(notice)
		}
		return true
	}
	if kind != websocket.TextMessage {
		c.queue(mustJSON(errorFrame(CodeBadFrame, textNotText)))
		return true
	}
	if !ep.frame(data) {
		return false
	}
	if !joined && ep.joined() { // hello: the patient's socket is live from now on
		ws.SetReadDeadline(time.Now().Add(pongWait))
	}
	return true
}

// reading is the reader goroutine's state between frames, kept off its
// stack (see readLoop).
type reading struct {
	ep    endpoint
	now   func() time.Time
	guard *floodGuard
}
