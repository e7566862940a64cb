package web

import (
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
)

// Agent socket timing (gorilla/websocket examples/chat). Consoles are few,
// so each keeps a writer goroutine for its whole life.
const (
	agentWriteWait  = 10 * time.Second       // to write one frame
	agentPongWait   = 60 * time.Second       // silence allowed before the console counts as gone
	agentPingPeriod = agentPongWait * 9 / 10 // must be less than agentPongWait
	agentCloseWait  = 2 * time.Second        // to write the close frame on the way out
)

// agentConn is one agent console socket: the reader goroutine (the HTTP
// handler) owns reading, one writer goroutine owns writing, and the desk
// reaches it only through Deliver, which never blocks. A console that
// cannot keep up is dropped: it reconnects and is sent everything afresh.
type agentConn struct {
	ws    *websocket.Conn
	id    string
	log   zerolog.Logger
	agent bot.AgentInfo

	send chan []byte   // frames for the writer, bounded
	quit chan struct{} // closed by stop: the writer sends the close frame and ends

	mu        sync.Mutex
	stopped   bool
	closeCode int
	closeText string
}

var _ bot.AgentClient = (*agentConn)(nil)

func newAgentConn(ws *websocket.Conn, id string, log zerolog.Logger, agent bot.AgentInfo) *agentConn {
	return &agentConn{ws: ws, id: id, log: log, agent: agent,
		send: make(chan []byte, agentSendBuffer), quit: make(chan struct{})}
}

// Deliver queues an event for the console.
func (c *agentConn) Deliver(ev bot.AgentEvent) bool {
	b, err := encodeAgentEvent(ev)
	if err != nil {
		c.log.Error().Err(err).Msg("drop undeliverable agent event")
		return true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return false
	}
	select {
	case c.send <- b:
		return true
	default:
		c.log.Warn().Msg("slow agent console dropped")
		c.stopLocked(websocket.CloseTryAgainLater, "slow consumer")
		return false
	}
}

// queue puts a frame of the connection's own (an error, an opened
// conversation) on the send queue, waiting for room: only the reader
// goroutine calls it.
func (c *agentConn) queue(b []byte) bool {
	select {
	case c.send <- b:
		return true
	case <-c.quit:
		return false
	}
}

// stop asks the writer to close the socket with code and reason. The first
// call wins; it never blocks.
func (c *agentConn) stop(code int, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopLocked(code, reason)
}

func (c *agentConn) stopLocked(code int, reason string) {
	if c.stopped {
		return
	}
	c.stopped = true
	c.closeCode, c.closeText = code, reason
	close(c.quit)
}

// writeLoop sends queued frames and pings until stop, then sends the close
// frame and closes the socket, which ends the reader too.
func (c *agentConn) writeLoop() {
	ticker := time.NewTicker(agentPingPeriod)
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
			c.ws.SetWriteDeadline(time.Now().Add(agentWriteWait))
			if err := c.ws.WriteMessage(websocket.TextMessage, b); err != nil {
				c.stop(websocket.CloseNormalClosure, "")
				return
			}
		case <-ticker.C:
			c.ws.SetWriteDeadline(time.Now().Add(agentWriteWait))
			if err := c.ws.WriteMessage(websocket.PingMessage, nil); err != nil {
				c.stop(websocket.CloseNormalClosure, "")
				return
			}
		case <-c.quit:
			c.writeClose()
			return
		}
	}
}

// writeClose sends the close frame of stop, after what is already queued
// (an error frame explaining the close, say) unless the console is being
// dropped for falling behind.
func (c *agentConn) writeClose() {
	c.mu.Lock()
	code, text := c.closeCode, c.closeText
	c.mu.Unlock()
	if code != websocket.CloseTryAgainLater {
		c.ws.SetWriteDeadline(time.Now().Add(agentCloseWait))
	flush:
		for {
			select {
			case b := <-c.send:
				if c.ws.WriteMessage(websocket.TextMessage, b) != nil {
					break flush
				}
			default:
				break flush
			}
		}
	}
	msg := websocket.FormatCloseMessage(code, text)
	_ = c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(agentCloseWait))
}
