package web

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/gorilla/websocket"
	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
)

// handleAgentSocket serves GET /ws/agent. Every refusal happens before the
// upgrade: 403 for a foreign Origin, 401 without a live session.
func (con *console) handleAgentSocket(w http.ResponseWriter, r *http.Request) {
	s := con.s
	if s.refuseHandshake(w, r, con.same, "agent") {
		return
	}
	ss, err := con.currentSession(r)
	switch {
	case err != nil:
		s.log.Error().Err(err).Msg("agent socket session")
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	case ss == nil:
		http.Error(w, "Please sign in.", http.StatusUnauthorized)
		return
	case refuseNonSocket(w, r):
		return
	case con.deps.Desk == nil:
		http.Error(w, "The agent desk is not available.", http.StatusServiceUnavailable)
		return
	}
	con.touch(r.Context(), ss)
	up := s.upgrader
	up.CheckOrigin = con.same.allow
	ws, err := up.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered
	}
	id := newConnID()
	c := newAgentConn(con, ss, ws, id, s.pingPeriod)
	if !con.register(c) {
		refuse(ws)
		return
	}
	// As for a patient, the socket gets a goroutine of its own and this
	// handler returns (patient.go).
	away := r.URL.Query().Get("presence") == "away" // so no chat is assigned before the console says so
	go con.serveAgent(c, away)
}

// serveAgent is the console socket's reader goroutine: it attaches the
// agent to the desk, reads until the socket ends, then detaches.
func (con *console) serveAgent(c *agentConn, away bool) {
	ss := c.ss
	defer con.unregister(c)
	con.live.attach(ss.key, ss.user.ID, ss.row.ExpiresAt, later(ss.row.LastSeen, con.s.now()), c)
	defer con.live.detach(ss.key, c)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go con.watchSession(ctx, c, ss)

	info := c.agent
	info.Away = away
	if err := con.deps.Desk.AttachAgent(ctx, info, c); err != nil {
		f, _ := agentError(err, "")
		c.queue(mustJSON(f))
		c.log.Error().Str("conn", c.id).Err(err).Msg("attach agent")
		c.stop(closeInternal, "attach failed")
	} else {
		c.log.Info().Str("conn", c.id).Msg("agent console attached")
		c.ctx = ctx
		c.readLoop(c, readLimits{
			frameBytes: con.cfg.ReadLimit,
			rate:       rateLimit{frames: con.cfg.RateFrames, window: con.cfg.RateWindow, burst: con.cfg.RateBurst},
			rateText:   "Too many actions at once. Please wait a moment.",
			firstWait:  pongWait,
		}, con.s.now)
	}
	c.stop(closeNormal, "")
	<-c.closed()
	con.deps.Desk.DetachAgent(c.agent.ID, c) // also after a failed attach, which may have half-happened
	c.log.Debug().Str("conn", c.id).Msg("agent socket closed")
}

// register tracks an open agent socket: the server closes it with 1012 on
// a graceful shutdown and waits for it, and endUser finds it by its
// agent. False when the server is shutting down.
func (con *console) register(c *agentConn) bool {
	if !con.s.register(&c.socket, false) {
		return false
	}
	con.mu.Lock()
	con.sockets[c] = struct{}{}
	con.mu.Unlock()
	return true
}

func (con *console) unregister(c *agentConn) {
	con.mu.Lock()
	delete(con.sockets, c)
	con.mu.Unlock()
	con.s.unregister(&c.socket)
}

// watchSession closes the socket with 1008 once its session is over: idle,
// past its absolute end, or ended elsewhere (sign-out in another tab, a
// password change or a disabled account from the CLI).
func (con *console) watchSession(ctx context.Context, c *agentConn, ss *staffSession) {
	t := time.NewTicker(con.cfg.SessionCheck)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.closed():
			return
		case <-t.C:
		}
		if c.isStopped() {
			return
		}
		over := con.live.expired(ss.key, con.s.now(), con.cfg.SessionIdle)
		if !over {
			_, err := con.deps.Sessions.StaffSession(ctx, ss.hash)
			if bot.ErrorCode(err) != bot.ENOTFOUND {
				continue // a store failure is not a sign-out
			}
		}
		outcome := "expired"
		if !over {
			outcome = "ended"
		}
		c.log.Info().Str("conn", c.id).Str("why", outcome).Msg("agent session over: closing its sockets")
		con.endSession(ctx, nil, ss.hash, ss.user, outcome)
		c.stop(closePolicy, "session ended")
		return
	}
}

// The agent endpoint of the socket's read loop: every frame is an action
// of a live session, handed to the desk.

func (c *agentConn) name() string                        { return "agent" }
func (c *agentConn) joined() bool                        { return true }
func (c *agentConn) tag(e *zerolog.Event) *zerolog.Event { return e }

// frame decodes an agent frame and hands it to the desk.
func (c *agentConn) frame(data []byte) bool {
	ctx := c.ctx
	con, ss := c.con, c.ss
	f, err := DecodeAgentFrame(data)
	if err != nil {
		fe := asFrameError(err)
		c.queue(mustJSON(AgentErrorFrame{ErrorFrame: errorFrame(fe.Code, fe.Message)}))
		return true
	}
	// Whatever the agent does is activity; the session lives on.
	if con.live.expired(ss.key, con.s.now(), con.cfg.SessionIdle) {
		c.stop(closePolicy, "session ended")
		return false
	}
	con.touch(ctx, ss)
	if err := con.dispatchAgent(ctx, c, f); err != nil {
		ef, known := agentError(err, f.Conversation)
		if !known {
			c.log.Error().Str("conn", c.id).Err(err).Str("frame", f.Type).Str("conversation", f.Conversation).Msg("desk call failed")
		}
		c.queue(mustJSON(ef))
	}
	return true
}

// dispatchAgent hands a decoded frame to the desk.
func (con *console) dispatchAgent(ctx context.Context, c *agentConn, f AgentFrame) error {
	d, me := con.deps.Desk, c.agent.ID
	switch f.Type {
	case typeClaim:
		return d.Claim(ctx, me, f.Conversation, f.OverCapacity)
	case typeSay:
		return d.AgentSay(ctx, me, f.Conversation, f.ID, f.Text)
	case typeNote:
		return d.AgentNote(ctx, me, f.Conversation, f.Text)
	case typeTyping:
		return d.AgentTyping(ctx, me, f.Conversation, f.On)
	case typeTransfer:
		return d.Transfer(ctx, me, f.Conversation, f.Queue, f.Agent, f.Note, f.OverCapacity)
	case typeToBot:
		return d.ToBot(ctx, me, f.Conversation, f.Flow)
	case typeClose:
		return d.CloseChat(ctx, me, f.Conversation, bot.Resolution(f.Resolution))
	case typePresence:
		return d.SetPresence(ctx, me, f.Available)
	case typeOpen:
		v, err := d.ViewConversation(ctx, me, f.Conversation)
		if err != nil {
			return err
		}
		c.queue(mustJSON(conversationFrame(v)))
		return nil
	case typeActive:
		return nil
	case typeFollowupDone:
		return d.FollowupDone(ctx, me, f.ID)
	default:
		return fmt.Errorf("dispatch agent frame %q: no handler", f.Type)
	}
}

// readFailed logs why reading stopped.
func (c *agentConn) readFailed(err error) {
	var ne net.Error
	switch {
	case errors.Is(err, websocket.ErrReadLimit):
		c.log.Info().Str("conn", c.id).Msg("agent socket closed: frame too large")
	case errors.As(err, &ne) && ne.Timeout():
		c.log.Info().Str("conn", c.id).Msg("agent socket closed: silent too long")
	case websocket.IsUnexpectedCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway, websocket.CloseNoStatusReceived):
		c.log.Debug().Str("conn", c.id).Err(err).Msg("agent socket read failed")
	}
}
