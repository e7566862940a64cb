package web

import (
	"bytes"
	"context"
	"html/template"
	"net/http"
	"sync"
	"time"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/staff"
)

// Defaults of the agent console (SECURITY.md, "Sessions (agent and admin)").
const (
	DefaultSessionIdle      = staff.DefaultSessionIdle // HIPAA automatic logoff
	DefaultSessionAbsolute  = staff.DefaultSessionAbsolute
	DefaultSessionCheck     = 15 * time.Second         // how often an open agent socket re-checks its session
	DefaultSignInFailures   = staff.DefaultMaxFailures // wrong passwords in a row before a lock …
	DefaultSignInLock       = staff.DefaultLockFor     // … of this long
	DefaultAgentReadLimit   = 32 << 10                 // bytes per agent frame
	DefaultAgentRateFrames  = 60                       // agent frames per DefaultAgentRateWindow …
	DefaultAgentRateWindow  = 10 * time.Second
	DefaultAgentRateBurst   = 30 // … with bursts of up to this many
	sessionTouchEvery       = 30 * time.Second
	consoleRequestBodyLimit = 64 << 10
)

// ConsoleConfig tunes the agent console. Zero values take the defaults
// above.
type ConsoleConfig struct {
	SessionIdle     time.Duration // a session unused this long ends
	SessionAbsolute time.Duration // a session ends this long after sign-in, used or not
	SessionCheck    time.Duration // how often open sockets re-check their session
	SignInFailures  int           // wrong passwords before the account locks
	SignInLock      time.Duration // how long it stays locked
	ReadLimit       int64         // largest agent frame in bytes
	RateFrames      int           // agent frames allowed per RateWindow
	RateWindow      time.Duration //
	RateBurst       int           // agent frames allowed at once
}

func (c ConsoleConfig) withDefaults() ConsoleConfig {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.SessionIdle, DefaultSessionIdle)
	def(&c.SessionAbsolute, DefaultSessionAbsolute)
	def(&c.SessionCheck, DefaultSessionCheck)
	def(&c.SignInLock, DefaultSignInLock)
	def(&c.RateWindow, DefaultAgentRateWindow)
	if c.SignInFailures <= 0 {
		c.SignInFailures = DefaultSignInFailures
	}
	if c.ReadLimit <= 0 {
		c.ReadLimit = DefaultAgentReadLimit
	}
	if c.RateFrames <= 0 {
		c.RateFrames = DefaultAgentRateFrames
	}
	if c.RateBurst <= 0 {
		c.RateBurst = DefaultAgentRateBurst
	}
	return c
}

// Desk is the engine's human side as the agent console needs it
// (bot.Engine implements it). Failures are *bot.Error codes: ECONFLICT,
// ENOTFOUND, EUNAUTHORIZED, EINVALID.
type Desk interface {
	// AttachAgent sends c the queue, then a conversation view of every
	// chat the agent holds; events follow.
	AttachAgent(ctx context.Context, a bot.AgentInfo, c bot.AgentClient) error
	// DetachAgent stops delivering to c; the agent's last connection gone
	// starts their grace period.
	DetachAgent(agentID string, c bot.AgentClient)
	SetPresence(ctx context.Context, agentID string, available bool) error
	// Claim and Transfer refuse with bot.ECAPACITY when the agent taking
	// the chat already holds their capacity, unless overCapacity asks to go
	// beyond it and the one acting may.
	Claim(ctx context.Context, agentID, conversationID string, overCapacity bool) error
	AgentSay(ctx context.Context, agentID, conversationID, id, text string) error
	AgentNote(ctx context.Context, agentID, conversationID, text string) error
	AgentTyping(ctx context.Context, agentID, conversationID string, on bool) error
	Transfer(ctx context.Context, agentID, conversationID, queue, toAgent, note string, overCapacity bool) error
	ToBot(ctx context.Context, agentID, conversationID, flow string) error
	CloseChat(ctx context.Context, agentID, conversationID string, resolution bot.Resolution) error
	// FollowupDone marks a message a patient left as answered; every console
	// gets the shorter list.
	FollowupDone(ctx context.Context, agentID, followupID string) error
	// ViewConversation returns any conversation's view, past ones too;
	// the engine audits every view.
	ViewConversation(ctx context.Context, agentID, conversationID string) (bot.ConversationView, error)
	// CapacityFor is how many chats an agent takes at once, and whether
	// they may knowingly go beyond a capacity.
	CapacityFor(a bot.AgentInfo) (chats int, mayExceed bool)
}

// StaffUsers finds console accounts and counts their sign-ins.
type StaffUsers interface {
	staff.Users
	User(ctx context.Context, id string) (staff.User, error)
}

// StaffSessions keeps console sessions by their token's hash.
type StaffSessions interface {
	CreateSession(ctx context.Context, s staff.Session) error
	StaffSession(ctx context.Context, tokenHash []byte) (staff.Session, error)
	TouchSession(ctx context.Context, tokenHash []byte, at time.Time) error
	DeleteSession(ctx context.Context, tokenHash []byte) error
}

// CannedStore keeps the canned responses.
type CannedStore interface {
	CannedResponses(ctx context.Context) ([]staff.CannedResponse, error)
	PutCannedResponse(ctx context.Context, c staff.CannedResponse) error
	DeleteCannedResponse(ctx context.Context, shortcut string) error
}

// ConversationSearch lists past conversations.
type ConversationSearch interface {
	SearchConversations(ctx context.Context, f staff.ConversationFilter) ([]staff.ConversationSummary, error)
}

// Auditor appends audit events (bot.Store does).
type Auditor interface {
	AppendAudit(ctx context.Context, events ...bot.AuditEvent) error
}

// AgentDeps are the agent console's collaborators. Without Users and
// Sessions the console is not served; without Desk its socket answers 503.
type AgentDeps struct {
	Desk     Desk
	Users    StaffUsers
	Sessions StaffSessions
	Canned   CannedStore
	Search   ConversationSearch
	Audit    Auditor
}

// console serves the staff: sign-in and sessions, the agent console and
// its socket, and the session side of the admin pages.
type console struct {
	s     *Server
	cfg   ConsoleConfig
	deps  AgentDeps
	pages *template.Template
	live  *liveSessions
	same  originPolicy // the server's own origin only

	mu      sync.Mutex
	sockets map[*agentConn]struct{} // open agent sockets, by agent for endUser
}

// newConsole makes the console of s, or nil when its stores (users and
// sessions) are not configured: then neither the console nor the admin
// pages are served.
func newConsole(s *Server) *console {
	d := s.deps.Agents
	if d.Users == nil || d.Sessions == nil {
		return nil
	}
	return &console{
		s:       s,
		cfg:     s.cfg.Console.withDefaults(),
		deps:    d,
		pages:   parseTemplates("templates/console*.html"),
		live:    newLiveSessions(),
		same:    newOriginPolicy(Config{PublicURL: s.cfg.PublicURL}),
		sockets: make(map[*agentConn]struct{}),
	}
}

// consolePage is what the console templates get.
type consolePage struct {
	Title string
	Error string
	Email string // kept in the sign-in form after a failure
	CSRF  string // the sign-in form's, or the session's
	Next  string // the page a sign-in returns to (signin_return.go)
	Name  string
	Role  string
	Admin bool
}

// render writes a console page with status.
func (con *console) render(w http.ResponseWriter, status int, name string, data consolePage) {
	var buf bytes.Buffer
	if err := con.pages.ExecuteTemplate(&buf, name, data); err != nil {
		con.s.log.Error().Err(err).Str("page", name).Msg("render console page")
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	buf.WriteTo(w)
}

// internal answers 500 and logs the cause.
func (con *console) internal(w http.ResponseWriter, err error, what string) {
	con.s.log.Error().Err(err).Msg(what)
	writeJSONError(w, http.StatusInternalServerError, bot.EINTERNAL, "Something went wrong on our side.")
}

// readForm reads a form the staff post (sign-in, sign-out), bounded: 400
// for a bad body, 403 unless it comes from this site. It reports whether
// the handler may go on.
func (con *console) readForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, consoleRequestBodyLimit)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "Bad form.", http.StatusBadRequest)
		return false
	}
	if !con.same.allow(r) {
		http.Error(w, "Cross-origin request refused.", http.StatusForbidden)
		return false
	}
	return true
}
