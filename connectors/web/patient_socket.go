package web

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/gorilla/websocket"
	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
)

// Conversations is the dialog engine as the patient socket needs it
// (bot.Engine implements it).
type Conversations interface {
	// Hello opens or resumes a conversation and attaches c to it. Before
	// returning it delivers to c, in seq order, every stored message after
	// h.LastSeq (the replay); live events follow. The socket holds those
	// events back until it has queued the welcome, so welcome comes first.
	Hello(ctx context.Context, h bot.Hello, c bot.Client) (bot.Welcome, error)
	// Say runs the patient's turn: delivers Ack to c, then the resulting
	// messages to every attached client. A say id seen before is acked
	// again with its original seq, not re-run.
	Say(ctx context.Context, conversationID string, c bot.Client, s bot.Say) error
	Typing(ctx context.Context, conversationID string, on bool) error
	Seen(ctx context.Context, conversationID string, seq int64) error
	Bye(ctx context.Context, conversationID string) error
	// SetLocale switches the conversation's language; a question the bot
	// waits on is asked again in it.
	SetLocale(ctx context.Context, conversationID string, c bot.Client, locale, source string) error
	// Detach stops delivering to c; the socket calls it when it ends.
	Detach(conversationID string, c bot.Client)
}

// Subprotocol is the WebSocket subprotocol a client must offer.
const Subprotocol = "portico.v1"

// Patient-facing texts of error frames the socket makes itself.
const (
	textRateLimited = "You are sending messages too quickly. Please wait a moment and try again."
	textExpired     = "Your earlier chat has ended, so we started a new one."
	textInternal    = "Something went wrong on our side. Please try again."
	textNoHello     = "The first frame must be hello."
	textHelloTwice  = "This connection has already said hello."
)

// handlePatientSocket serves GET /ws. Every refusal happens before the
// upgrade, as a plain HTTP error.
func (s *Server) handlePatientSocket(w http.ResponseWriter, r *http.Request) {
	if s.refuseHandshake(w, r, s.origins, "patient") || refuseNonSocket(w, r) {
		return
	}
	ip, key := s.ips.of(r), s.ipKey(r)
	if !s.conns.acquire(key) {
		s.log.Warn().Str("ip", ip).Msg("patient socket refused: too many connections from one address")
		w.Header().Set("Retry-After", "30")
		http.Error(w, "Too many connections.", http.StatusTooManyRequests)
		return
	}
	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		s.conns.release(key)
		return // the upgrader has answered
	}
	id := newConnID()
	c := newPatientConn(s, ws, id, ip, s.sendBuffer, s.pingPeriod)
	if !s.register(&c.socket, true) {
		s.conns.release(key)
		refuse(ws)
		return
	}
	// The socket gets a goroutine of its own and this handler returns, so
	// that net/http lets go of the connection's 4 KiB read and write
	// buffers, the request and the handler's grown stack, which it would
	// otherwise keep for the socket's whole life (about 11 KiB per idle
	// patient; docs/performance.md).
	go c.serve(key)
}

// serve is the socket's reader goroutine: it reads until the socket ends,
// then releases the connection's slot (held under the client's limit
// key) and detaches it from its conversation. (The writer runs only while
// there is something to write; see socket.) Its own frame is all that
// sits below gorilla's read while the patient is idle, so it runs the
// read loop itself and only calls: see readLoop.
//
// The socket has no context of its own: the engine's calls run on this
// goroutine and return before it ends, so cancelling one when it ended
// stopped nothing, and it cost each idle patient its Done channel and the
// map of its children (about 0.4 KiB; docs/performance.md).
func (c *patientConn) serve(key string) {
	c.s.startPatient(c)
	for c.handleRead(c.ws.NextReader()) { // readLoop, without its frame
	}
	c.s.endPatient(c, key)
}

// startPatient readies a patient socket's reader.
func (s *Server) startPatient(c *patientConn) {
	c.startReading(c, readLimits{
		frameBytes: s.cfg.ReadLimit,
		rate:       rateLimit{frames: s.cfg.RateFrames, window: s.cfg.RateWindow, burst: s.cfg.RateBurst},
		rateText:   textRateLimited,
		firstWait:  s.helloWait,
	}, s.now)
}

// endPatient closes a patient socket whose reader has stopped, releases
// its slot and detaches it from its conversation.
func (s *Server) endPatient(c *patientConn, key string) {
	defer s.unregister(&c.socket)
	c.stop(closeNormal, "")
	<-c.closed()         // the writer has sent the close frame and closed the socket
	s.conns.release(key) // before Detach, so a closed socket's slot is free once the engine hears of it
	if c.conv != "" {
		s.conv.Detach(c.conv, c)
	}
	c.log.Debug().Str("conn", c.id).Str("conversation", c.conv).Msg("patient socket closed")
}

// The patient endpoint of the socket's read loop: hello first, then the
// conversation's frames to the engine.

func (c *patientConn) name() string { return "patient" }
func (c *patientConn) joined() bool { return c.conv != "" }
func (c *patientConn) tag(e *zerolog.Event) *zerolog.Event {
	return e.Str("conversation", c.conv)
}

// frame handles one frame: hello once, then the conversation's frames.
func (c *patientConn) frame(data []byte) bool {
	s, ctx := c.s, context.Background() // see serve
	frame, err := DecodeClientFrame(data)
	if err != nil {
		fe := asFrameError(err)
		c.queue(mustJSON(errorFrame(fe.Code, fe.Message)))
		return true
	}
	if h, ok := frame.(HelloFrame); ok {
		if c.conv != "" {
			c.queue(mustJSON(errorFrame(CodeBadFrame, textHelloTwice)))
			return true
		}
		c.conv = s.hello(ctx, c, h, c.ip)
		return true
	}
	if c.conv == "" {
		c.queue(mustJSON(errorFrame(CodeBadFrame, textNoHello)))
		return true
	}
	if err := s.dispatch(ctx, c, c.conv, frame, c.ip); err != nil {
		c.queue(mustJSON(s.engineError(c, c.conv, err)))
	}
	return true
}

// hello attaches the connection to a conversation and queues the welcome
// before the replay. It returns the conversation's ID, or "" on failure.
func (s *Server) hello(ctx context.Context, c *patientConn, h HelloFrame, ip string) string {
	w, err := s.conv.Hello(ctx, bot.Hello{
		Resume: h.Resume, LastSeq: h.LastSeq, Locale: h.Locale, Start: h.Start, Source: ip, ResumeOnly: h.ResumeOnly,
	}, c)
	if err != nil {
		c.dropHeld()
		c.queue(mustJSON(s.engineError(c, "", err)))
		if bot.ErrorCode(err) == bot.EINTERNAL {
			c.stop(closeInternal, "internal error")
		}
		return ""
	}
	var first [][]byte
	if w.Expired {
		// Before welcome: the client drops its dead token and last_seq,
		// then keeps the new ones from welcome.
		first = append(first, mustJSON(errorFrame(CodeExpired, textExpired)))
	}
	first = append(first, mustJSON(welcomeFrame(w)))
	c.welcome(first...)
	c.log.Debug().Str("conn", c.id).Str("conversation", w.ConversationID).Bool("resumed", h.Resume != "" && !w.Expired).Msg("patient attached")
	return w.ConversationID
}

// dispatch hands a decoded frame to the engine.
func (s *Server) dispatch(ctx context.Context, c *patientConn, conv string, frame any, ip string) error {
	switch f := frame.(type) {
	case SayFrame:
		return s.conv.Say(ctx, conv, c, bot.Say{ID: f.ID, Text: f.Text, Reply: f.Reply, Source: ip})
	case TypingFrame:
		return s.conv.Typing(ctx, conv, f.On)
	case SeenFrame:
		return s.conv.Seen(ctx, conv, f.Seq)
	case ByeFrame:
		return s.conv.Bye(ctx, conv)
	case LocaleFrame:
		return s.conv.SetLocale(ctx, conv, c, f.Locale, ip)
	default:
		return fmt.Errorf("dispatch %T: no handler", frame)
	}
}

// engineError maps an engine error to its frame at the edge. Internal
// errors are logged with the ids (never the patient's words) and shown
// generically.
func (s *Server) engineError(c *patientConn, conv string, err error) ErrorFrame {
	msg := bot.ErrorMessage(err)
	switch bot.ErrorCode(err) {
	case bot.EINVALID:
		return errorFrame(CodeInvalid, msg)
	case bot.ERATELIMITED:
		f := errorFrame(CodeRateLimited, cmp.Or(msg, textRateLimited))
		if wait := bot.RetryAfter(err); wait > 0 {
			f.RetryAfterS = retryAfterSeconds(wait)
		}
		return f
	case bot.EEXPIRED:
		return errorFrame(CodeExpired, cmp.Or(msg, textExpired))
	default:
		c.log.Error().Str("conn", c.id).Err(err).Str("conversation", conv).Msg("engine call failed")
		return errorFrame(CodeInternal, textInternal)
	}
}

// readFailed logs why reading stopped and picks the close code.
func (c *patientConn) readFailed(err error) {
	conv := c.conv
	var ne net.Error
	switch {
	case errors.Is(err, websocket.ErrReadLimit):
		c.log.Info().Str("conn", c.id).Str("conversation", conv).Msg("patient socket closed: frame too large")
	case conv == "" && errors.As(err, &ne) && ne.Timeout():
		c.log.Info().Str("conn", c.id).Msg("patient socket closed: no hello in time")
		c.stop(closePolicy, "no hello")
	case websocket.IsUnexpectedCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway, websocket.CloseNoStatusReceived):
		c.log.Debug().Str("conn", c.id).Err(err).Str("conversation", conv).Msg("patient socket read failed")
	}
}

// newConnID names a connection in logs.
func newConnID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
