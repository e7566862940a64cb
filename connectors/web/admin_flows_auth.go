package web

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/flowadmin"
	"github.com/portico-chat/portico/bot/staff"
)

// APITokens finds and manages API tokens, kept by their SHA-256.
type APITokens interface {
	APITokenByHash(ctx context.Context, hash []byte) (staff.APIToken, error)
	TouchAPIToken(ctx context.Context, id string, at time.Time) error
	CreateAPIToken(ctx context.Context, t *staff.APIToken) error
	APITokens(ctx context.Context) ([]staff.APIToken, error)
	RevokeAPIToken(ctx context.Context, id string, at time.Time) error
}

// maxBearerLen bounds the Authorization header's token.
const maxBearerLen = 256

// auth lets a request through as an admin's session (the console's rules:
// agents 403, CSRF on state-changing requests) or, when it carries
// "Authorization: Bearer <token>", as a live API token with scope. A
// bearer token is never ambient, so it needs no CSRF token.
func (a *flowAPI) auth(scope string, h func(http.ResponseWriter, *http.Request, flowadmin.Actor)) http.Handler {
	session := a.con.admin(func(w http.ResponseWriter, r *http.Request, ss *staffSession) {
		h(w, r, flowadmin.Actor{Who: actor(ss.user), Source: a.s.ips.of(r)})
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		authz := r.Header.Get("Authorization")
		if authz == "" {
			session.ServeHTTP(w, r)
			return
		}
		token, ok := strings.CutPrefix(authz, "Bearer ")
		if !ok || a.tokens == nil || token == "" || len(token) > maxBearerLen {
			writeJSONError(w, http.StatusUnauthorized, bot.EUNAUTHORIZED, "Use Authorization: Bearer <API token>.")
			return
		}
		t, err := a.tokens.APITokenByHash(r.Context(), staff.APITokenHash(token))
		switch {
		case bot.ErrorCode(err) == bot.ENOTFOUND || err == nil && t.Revoked():
			writeJSONError(w, http.StatusUnauthorized, bot.EUNAUTHORIZED, "This API token is not valid or was revoked.")
			return
		case err != nil:
			a.fail(w, err, "check API token")
			return
		case !t.Allows(scope):
			writeJSONError(w, http.StatusForbidden, bot.EUNAUTHORIZED, "This API token does not have the "+scope+" scope.")
			return
		}
		if err := a.tokens.TouchAPIToken(r.Context(), t.ID, a.s.now()); err != nil {
			a.s.log.Error().Err(err).Msg("record API token use")
		}
		h(w, r, flowadmin.Actor{Who: "token:" + t.ID, Source: a.s.ips.of(r)})
	})
}
