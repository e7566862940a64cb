package web

import (
	"context"
	"fmt"
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
	frame(ctx context.Context, data []byte) bool
	// readFailed logs why reading stopped and may pick a close code.
	readFailed(err error)
	// tag adds the endpoint's own fields to a log event.
	tag(e *zerolog.Event) *zerolog.Event
}

// readLoop is the socket's reader: it reads frames until the socket
// fails or is stopped, applies the frame budget (floodGuard) and hands
// each text frame to the endpoint. A panic in handling closes this
// socket only.
func (c *socket) readLoop(ctx context.Context, ep endpoint, l readLimits, now func() time.Time) {
	defer func() {
		if v := recover(); v != nil {
			ep.tag(c.log.Error().Str("conn", c.id)).Str("panic", fmt.Sprint(v)).
				Bytes("stack", debug.Stack()).Msg(ep.name() + " connection panicked")
			c.stop(closeInternal, "internal error")
		}
	}()
	ws := c.ws
	ws.SetReadLimit(l.frameBytes)
	ws.SetReadDeadline(time.Now().Add(l.firstWait))
	ws.SetPongHandler(func(string) error {
		if ep.joined() { // before a patient's hello only firstWait counts
			ws.SetReadDeadline(time.Now().Add(pongWait))
		}
		return nil
	})
	guard := newFloodGuard(l.rate, now(), l.rateText)
	for {
		kind, data, err := ws.ReadMessage()
		if err != nil {
			ep.readFailed(err)
			return
		}
		joined := ep.joined()
		if joined {
			ws.SetReadDeadline(time.Now().Add(pongWait))
		}
		if ok, notice, flood := guard.admit(now()); !ok {
			if flood {
				ep.tag(c.log.Warn().Str("conn", c.id)).Msg(ep.name() + " socket closed: flooding")
				c.stop(closePolicy, "too many frames")
				return
			}
			if notice != nil {
				c.queue(notice)
			}
			continue
		}
		if kind != websocket.TextMessage {
			c.queue(mustJSON(errorFrame(CodeBadFrame, textNotText)))
			continue
		}
		if !ep.frame(ctx, data) {
			return
		}
		if !joined && ep.joined() { // hello: the patient's socket is live from now on
			ws.SetReadDeadline(time.Now().Add(pongWait))
		}
	}
}
