package web

import (
	"context"
	"fmt"
	"net/http"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/staff"
)

// Audit event types of the console's sessions.
const (
	auditSignIn  = "agent.signin"
	auditSignOut = "agent.signout"
)

// staffSession is a signed-in request's session and its user.
type staffSession struct {
	token string
	hash  []byte
	key   string
	row   staff.Session
	user  staff.User
}

// actor names the user in audit events: "agent:<id>" or "admin:<id>".
func actor(u staff.User) string { return u.Actor() }

// currentSession returns the request's live session, or nil. A session past
// its idle or absolute limit, or of a disabled or deleted user, is ended
// here and its sockets closed.
func (con *console) currentSession(r *http.Request) (*staffSession, error) {
	token := con.sessionToken(r)
	if token == "" {
		return nil, nil
	}
	ctx := r.Context()
	hash := staff.SessionTokenHash(token)
	row, err := con.deps.Sessions.StaffSession(ctx, hash)
	switch {
	case bot.ErrorCode(err) == bot.ENOTFOUND:
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("read session: %w", err)
	}
	key := sessionKey(hash)
	seen := row.LastSeen
	if t, ok := con.live.lastSeen(key); ok {
		seen = later(seen, t)
	}
	u, err := con.deps.Users.User(ctx, row.UserID)
	if err != nil && bot.ErrorCode(err) != bot.ENOTFOUND {
		return nil, fmt.Errorf("read session user: %w", err)
	}
	switch {
	case staff.SessionOver(row.ExpiresAt, seen, con.s.now(), con.cfg.SessionIdle):
		con.endSession(ctx, r, hash, u, "expired")
		return nil, nil
	case err != nil || u.Disabled:
		con.endSession(ctx, r, hash, u, "disabled")
		return nil, nil
	}
	return &staffSession{token: token, hash: hash, key: key, row: row, user: u}, nil
}

// touch records activity on the session, writing it through at most every
// sessionTouchEvery while a socket keeps it in memory.
func (con *console) touch(ctx context.Context, ss *staffSession) {
	now := con.s.now()
	if !con.live.touch(ss.key, now) {
		return
	}
	if err := con.deps.Sessions.TouchSession(ctx, ss.hash, now); err != nil {
		con.s.log.Error().Err(err).Msg("record session activity")
	}
}

// endSession deletes a session, closes its sockets with 1008 and audits
// why: "ok" for a sign-out, "expired", "disabled".
func (con *console) endSession(ctx context.Context, r *http.Request, hash []byte, u staff.User, outcome string) {
	ctx = context.WithoutCancel(ctx)
	if err := con.deps.Sessions.DeleteSession(ctx, hash); err != nil {
		con.s.log.Error().Err(err).Msg("delete session")
	}
	who := "unknown"
	if u.ID != "" {
		who = actor(u)
	}
	con.audit(ctx, r, auditSignOut, who, outcome, "")
	con.live.end(sessionKey(hash), "session ended")
}

// audit appends one event; a failure is logged, never shown.
func (con *console) audit(ctx context.Context, r *http.Request, typ, who, outcome, detail string) {
	if con.deps.Audit == nil {
		return
	}
	source := ""
	if r != nil {
		source = con.s.ips.of(r)
	}
	err := con.deps.Audit.AppendAudit(context.WithoutCancel(ctx), bot.AuditEvent{
		Type: typ, At: con.s.now().UTC(), Node: con.s.cfg.Node, Source: source, Actor: who,
		Outcome: outcome, Detail: detail,
	})
	if err != nil {
		con.s.log.Error().Err(err).Str("event", typ).Msg("audit")
	}
}
