package web

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/gorilla/websocket"

	"github.com/portico-chat/portico/bot"
)

// handleAgentSocket serves GET /ws/agent. Every refusal happens before the
// upgrade: 403 for a foreign Origin, 401 without a live session.
func (con *console) handleAgentSocket(w http.ResponseWriter, r *http.Request) {
	s := con.s
	switch {
	case s.closing.Load():
		http.Error(w, "The server is restarting; try again shortly.", http.StatusServiceUnavailable)
		return
	case !con.same.allow(r):
		s.log.Info().Str("origin", clip(r.Header.Get("Origin"), 100)).Msg("agent socket refused: not our origin")
		http.Error(w, "Origin not allowed.", http.StatusForbidden)
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
	case !websocket.IsWebSocketUpgrade(r):
		http.Error(w, "This endpoint speaks WebSocket.", http.StatusBadRequest)
		return
	case !offers(r, Subprotocol):
		http.Error(w, "Offer the WebSocket subprotocol "+Subprotocol+".", http.StatusBadRequest)
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
	log := s.log.With().Str("conn", id).Str("agent", ss.user.ID).Logger()
	c := newAgentConn(ws, id, log, ss.user.Agent())
	if !con.register(c) {
		msg := websocket.FormatCloseMessage(websocket.CloseServiceRestart, "service restart")
		_ = ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(agentCloseWait))
		ws.Close()
		return
	}
	defer con.unregister(c)
	con.live.attach(ss.key, ss.user.ID, ss.row.ExpiresAt, later(ss.row.LastSeen, s.now()), c)
	defer con.live.detach(ss.key, c)

	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		c.writeLoop()
	}()
	go con.watchSession(ctx, c, ss)

	info := c.agent
	info.Away = r.URL.Query().Get("presence") == "away" // so no chat is assigned before the console says so
	if err := con.deps.Desk.AttachAgent(ctx, info, c); err != nil {
		f, _ := agentError(err, "")
		c.queue(mustJSON(f))
		log.Error().Err(err).Msg("attach agent")
		c.stop(websocket.CloseInternalServerErr, "attach failed")
	} else {
		log.Info().Msg("agent console attached")
		con.agentReadLoop(ctx, c, ss)
	}
	c.stop(websocket.CloseNormalClosure, "")
	<-writerDone
	con.deps.Desk.DetachAgent(c.agent.ID, c) // also after a failed attach, which may have half-happened
	log.Debug().Msg("agent socket closed")
}

// register tracks an open agent socket so that a graceful shutdown closes
// it with 1012 and waits for it; false when the server is shutting down.
// It shares the patient sockets' shutdown state and wait group.
func (con *console) register(c *agentConn) bool {
	s := con.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing.Load() {
		return false
	}
	con.onShutdown.Do(func() { s.http.RegisterOnShutdown(con.shutdown) })
	con.mu.Lock()
	con.sockets[c] = struct{}{}
	con.mu.Unlock()
	s.wg.Add(1)
	return true
}

func (con *console) unregister(c *agentConn) {
	con.mu.Lock()
	delete(con.sockets, c)
	con.mu.Unlock()
	con.s.wg.Done()
}

// shutdown closes every agent socket with 1012 (service restart): the
// consoles reconnect, and the agents keep their chats meanwhile.
func (con *console) shutdown() {
	con.mu.Lock()
	defer con.mu.Unlock()
	for c := range con.sockets {
		c.stop(websocket.CloseServiceRestart, "service restart")
	}
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
		case <-c.quit:
			return
		case <-t.C:
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
		c.log.Info().Str("why", outcome).Msg("agent session over: closing its sockets")
		con.endSession(ctx, nil, ss.hash, ss.user, outcome)
		c.stop(websocket.ClosePolicyViolation, "session ended")
		return
	}
}

// agentReadLoop reads and handles frames until the socket fails or is
// stopped. A panic in handling closes this connection only.
func (con *console) agentReadLoop(ctx context.Context, c *agentConn, ss *staffSession) {
	defer func() {
		if v := recover(); v != nil {
			c.log.Error().Str("panic", fmt.Sprint(v)).Bytes("stack", debug.Stack()).Msg("agent connection panicked")
			c.stop(websocket.CloseInternalServerErr, "internal error")
		}
	}()
	ws := c.ws
	ws.SetReadLimit(con.cfg.ReadLimit)
	ws.SetReadDeadline(time.Now().Add(agentPongWait))
	ws.SetPongHandler(func(string) error {
		ws.SetReadDeadline(time.Now().Add(agentPongWait))
		return nil
	})
	guard := newFloodGuard(con.cfg.RateFrames, con.cfg.RateWindow, con.cfg.RateBurst, con.s.now(),
		"Too many actions at once. Please wait a moment.")
	for {
		kind, data, err := ws.ReadMessage()
		if err != nil {
			con.agentReadFailed(c, err)
			return
		}
		ws.SetReadDeadline(time.Now().Add(agentPongWait))
		if ok, notice, flood := guard.admit(con.s.now()); !ok {
			if flood {
				c.log.Warn().Msg("agent socket closed: flooding")
				c.stop(websocket.ClosePolicyViolation, "too many frames")
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
		f, err := DecodeAgentFrame(data)
		if err != nil {
			fe := asFrameError(err)
			c.queue(mustJSON(AgentErrorFrame{ErrorFrame: errorFrame(fe.Code, fe.Message)}))
			continue
		}
		// Whatever the agent does is activity; the session lives on.
		if con.live.expired(ss.key, con.s.now(), con.cfg.SessionIdle) {
			c.stop(websocket.ClosePolicyViolation, "session ended")
			return
		}
		con.touch(ctx, ss)
		if err := con.dispatchAgent(ctx, c, f); err != nil {
			ef, known := agentError(err, f.Conversation)
			if !known {
				c.log.Error().Err(err).Str("frame", f.Type).Str("conversation", f.Conversation).Msg("desk call failed")
			}
			c.queue(mustJSON(ef))
		}
	}
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

// agentReadFailed logs why reading stopped.
func (con *console) agentReadFailed(c *agentConn, err error) {
	var ne net.Error
	switch {
	case errors.Is(err, websocket.ErrReadLimit):
		c.log.Info().Msg("agent socket closed: frame too large")
	case errors.As(err, &ne) && ne.Timeout():
		c.log.Info().Msg("agent socket closed: silent too long")
	case websocket.IsUnexpectedCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway, websocket.CloseNoStatusReceived):
		c.log.Debug().Err(err).Msg("agent socket read failed")
	}
}
