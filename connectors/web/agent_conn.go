package web

import (
	"context"
	"time"

	"github.com/gorilla/websocket"

	"github.com/portico-chat/portico/bot"
)

// agentSendBuffer is how many frames may wait for one agent console.
const agentSendBuffer = 256

// agentConn is one agent console socket (see socket) and the agent
// endpoint of its read loop (agent.go). The desk reaches it only through
// Deliver, which never blocks. A console that cannot keep up is dropped:
// it reconnects and is sent everything afresh.
type agentConn struct {
	socket
	con   *console
	ss    *staffSession // the session that opened it
	agent bot.AgentInfo
	ctx   context.Context // the console's, ended with it; the reader's
}

var _ bot.AgentClient = (*agentConn)(nil)

// newAgentConn makes the socket of a session's console. Consoles are few,
// so each has a logger of its own, naming the agent.
func newAgentConn(con *console, ss *staffSession, ws *websocket.Conn, id string, ping time.Duration) *agentConn {
	c := &agentConn{con: con, ss: ss, agent: ss.user.Agent()}
	log := con.s.log.With().Str("agent", ss.user.ID).Logger()
	c.init(ws, id, &log, agentSendBuffer, ping)
	return c
}

// Deliver queues an event for the console.
func (c *agentConn) Deliver(ev bot.AgentEvent) bool {
	b, err := encodeAgentEvent(ev)
	if err != nil {
		c.log.Error().Str("conn", c.id).Err(err).Msg("drop undeliverable agent event")
		return true
	}
	return c.push(b)
}
