package web

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/staff"
)

// Audit event types of API tokens.
const (
	auditTokenCreate = "token.create"
	auditTokenRevoke = "token.revoke"
)

// tokenView is a token as listed: never its value or hash.
type tokenView struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Scopes    []string   `json:"scopes"`
	CreatedBy string     `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
	LastUsed  *time.Time `json:"last_used,omitempty"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

func viewToken(t staff.APIToken) tokenView {
	v := tokenView{ID: t.ID, Name: t.Name, Scopes: t.Scopes, CreatedBy: t.CreatedBy, CreatedAt: t.CreatedAt}
	if !t.LastUsed.IsZero() {
		v.LastUsed = &t.LastUsed
	}
	if !t.RevokedAt.IsZero() {
		v.RevokedAt = &t.RevokedAt
	}
	return v
}

func (a *flowAPI) handleTokenList(w http.ResponseWriter, r *http.Request, _ *staffSession) {
	ts, err := a.tokens.APITokens(r.Context())
	if err != nil {
		a.fail(w, err, "list API tokens")
		return
	}
	out := make([]tokenView, len(ts))
	refs := make([]string, len(ts))
	for i, t := range ts {
		out[i], refs[i] = viewToken(t), t.CreatedBy
	}
	writeJSON(w, http.StatusOK, map[string]any{"tokens": out, "names": a.con.names(r.Context(), refs...)})
}

// handleTokenCreate makes a token and returns it once, in "token".
func (a *flowAPI) handleTokenCreate(w http.ResponseWriter, r *http.Request, ss *staffSession) {
	var in struct {
		Name   string   `json:"name"`
		Scopes []string `json:"scopes"`
	}
	if !decodeBody(w, r, &in) {
		return
	}
	name, err := staff.TokenName(in.Name)
	if err != nil {
		writeJSONError(w, http.StatusUnprocessableEntity, bot.EINVALID, bot.ErrorMessage(err))
		return
	}
	scopes, err := staff.ParseScopes(strings.Join(in.Scopes, ","))
	if err != nil {
		a.fail(w, err, "create API token")
		return
	}
	token, hash := staff.NewAPIToken()
	t := staff.APIToken{Name: name, Hash: hash, Scopes: scopes, CreatedBy: actor(ss.user), CreatedAt: a.s.now().UTC()}
	if err := a.tokens.CreateAPIToken(r.Context(), &t); err != nil {
		a.fail(w, err, "create API token")
		return
	}
	a.con.audit(r.Context(), r, auditTokenCreate, actor(ss.user), "ok", "token="+t.ID+" scopes="+strings.Join(scopes, ","))
	writeJSON(w, http.StatusCreated, map[string]any{"token": token, "info": viewToken(t)})
}

func (a *flowAPI) handleTokenRevoke(w http.ResponseWriter, r *http.Request, ss *staffSession) {
	id := r.PathValue("id")
	if err := a.tokens.RevokeAPIToken(r.Context(), id, a.s.now()); err != nil {
		a.fail(w, err, "revoke API token")
		return
	}
	a.con.audit(r.Context(), r, auditTokenRevoke, actor(ss.user), "ok", "token="+id)
	w.WriteHeader(http.StatusNoContent)
}

// APITokens finds and manages API tokens, kept by their SHA-256.
type APITokens interface {
	APITokenByHash(ctx context.Context, hash []byte) (staff.APIToken, error)
	TouchAPIToken(ctx context.Context, id string, at time.Time) error
	CreateAPIToken(ctx context.Context, t *staff.APIToken) error
	APITokens(ctx context.Context) ([]staff.APIToken, error)
	RevokeAPIToken(ctx context.Context, id string, at time.Time) error
}
