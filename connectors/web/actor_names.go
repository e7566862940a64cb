package web

import (
	"context"
	"strings"
)

// Audit actors and subjects, and the authors of flow drafts and versions,
// are stored as references: "admin:<id>", "agent:<id>", "user:<id>",
// "token:<id>". The admin pages show the names people know them by, with
// the reference on hover; the API answers carry a "names" map for that.

// maxNamesLooked bounds the lookups one answer makes.
const maxNamesLooked = 200

// names returns the display name of each reference it can resolve: a
// console account's name, or an API token's name. Unknown, deleted or
// malformed references are left out (the page shows them shortened).
func (con *console) names(ctx context.Context, refs ...string) map[string]string {
	out := map[string]string{}
	seen := map[string]bool{}
	var tokens map[string]string // by id, read once when needed
	for _, ref := range refs {
		if ref == "" || seen[ref] || len(seen) >= maxNamesLooked {
			continue
		}
		seen[ref] = true
		kind, id, ok := strings.Cut(ref, ":")
		if !ok || id == "" {
			continue
		}
		switch kind {
		case "admin", "agent", "user":
			if u, err := con.deps.Users.User(ctx, id); err == nil && u.Name != "" {
				out[ref] = u.Name
			}
		case "token":
			if tokens == nil {
				tokens = con.tokenNames(ctx)
			}
			if name, ok := tokens[id]; ok {
				out[ref] = name + " (API token)"
			}
		}
	}
	return out
}

// tokenNames maps API token ids to their names; empty without tokens.
func (con *console) tokenNames(ctx context.Context) map[string]string {
	out := map[string]string{}
	t := con.s.deps.Flows.Tokens
	if t == nil {
		return out
	}
	ts, err := t.APITokens(ctx)
	if err != nil {
		con.s.log.Error().Err(err).Msg("list API tokens for names")
		return out
	}
	for _, tok := range ts {
		out[tok.ID] = tok.Name
	}
	return out
}
