package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/flowadmin"
)

// adminFlowBodyLimit bounds a flow API request: a flow and its tests (each
// at most 256 KiB) in JSON, with room for escaping.
const adminFlowBodyLimit = 2 << 20

// FlowAdmin manages flows (flowadmin.Service implements it). Failures are
// *bot.Error codes: EINVALID, ENOTFOUND, ECONFLICT, ERATELIMITED.
type FlowAdmin interface {
	List(ctx context.Context) ([]flowadmin.Summary, error)
	Get(ctx context.Context, name string) (flowadmin.Detail, error)
	Validate(name string, src []byte) []flowadmin.Problem
	SaveDraft(ctx context.Context, name string, src, tests []byte, who flowadmin.Actor) (*flowadmin.DraftView, error)
	DiscardDraft(ctx context.Context, name string) error
	Publish(ctx context.Context, name string, who flowadmin.Actor) (flowadmin.PublishResult, error)
	Rollback(ctx context.Context, name string, version int, who flowadmin.Actor) (flowadmin.PublishResult, error)
	Versions(ctx context.Context, name string) ([]flowadmin.Release, error)
	Diff(ctx context.Context, name, from, to string) (flowadmin.Diff, error)
	Diagram(ctx context.Context, name, which string) ([]byte, error)
	RunTests(ctx context.Context, name string) (flowadmin.TestReport, []flowadmin.Problem, error)
	StartSandbox(ctx context.Context, name string, who flowadmin.Actor) (flowadmin.SandboxTurn, error)
	SandboxSay(ctx context.Context, id string, who flowadmin.Actor, text, reply string) (flowadmin.SandboxTurn, error)
	EndSandbox(id string, who flowadmin.Actor) error
}

// FlowAdminDeps are the flow management API's collaborators; without
// Flows the API is not served, without Tokens it takes no bearer tokens.
type FlowAdminDeps struct {
	Flows  FlowAdmin
	Tokens APITokens
}

// flowAPI serves the flow management API.
type flowAPI struct {
	s      *Server
	con    *console
	flows  FlowAdmin
	tokens APITokens
}

func (a *flowAPI) handleList(w http.ResponseWriter, r *http.Request, who flowadmin.Actor) {
	list, err := a.flows.List(r.Context())
	if err != nil {
		a.fail(w, err, "list flows")
		return
	}
	refs := make([]string, len(list))
	for i, f := range list {
		refs[i] = f.Editor
	}
	writeJSON(w, http.StatusOK, map[string]any{"flows": list, "names": a.names(r, who, refs...)})
}

// names resolves authors to people's names (actor_names.go) for an
// admin's page; an API token's caller gets the references alone.
func (a *flowAPI) names(r *http.Request, who flowadmin.Actor, refs ...string) map[string]string {
	if !strings.HasPrefix(who.Who, bot.RoleAdmin+":") {
		return map[string]string{}
	}
	return a.con.names(r.Context(), refs...)
}

// draftJSON is a draft with the names of its author.
type draftJSON struct {
	*flowadmin.DraftView
	Names map[string]string `json:"names"`
}

// flowSource is the body of validate and draft requests.
type flowSource struct {
	Name   string `json:"name"`
	Source string `json:"source"`
	Tests  string `json:"tests"`
}

func (a *flowAPI) handleValidate(w http.ResponseWriter, r *http.Request, _ flowadmin.Actor) {
	var in flowSource
	if !decodeBody(w, r, &in) {
		return
	}
	ps := a.flows.Validate(in.Name, []byte(in.Source))
	if ps == nil {
		ps = []flowadmin.Problem{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"valid": len(ps) == 0, "problems": ps})
}

func (a *flowAPI) handleGet(w http.ResponseWriter, r *http.Request, who flowadmin.Actor) {
	d, err := a.flows.Get(r.Context(), r.PathValue("name"))
	if err != nil {
		a.fail(w, err, "get flow")
		return
	}
	var author string
	if d.Draft != nil {
		author = d.Draft.Author
	}
	writeJSON(w, http.StatusOK, struct {
		flowadmin.Detail
		Names map[string]string `json:"names"`
	}{d, a.names(r, who, author)})
}

func (a *flowAPI) handleSaveDraft(w http.ResponseWriter, r *http.Request, who flowadmin.Actor) {
	var in flowSource
	if !decodeBody(w, r, &in) {
		return
	}
	d, err := a.flows.SaveDraft(r.Context(), r.PathValue("name"), []byte(in.Source), []byte(in.Tests), who)
	if err != nil {
		a.fail(w, err, "save draft")
		return
	}
	writeJSON(w, http.StatusOK, draftJSON{d, a.names(r, who, d.Author)})
}

func (a *flowAPI) handleDiscardDraft(w http.ResponseWriter, r *http.Request, _ flowadmin.Actor) {
	if err := a.flows.DiscardDraft(r.Context(), r.PathValue("name")); err != nil {
		a.fail(w, err, "discard draft")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *flowAPI) handlePublish(w http.ResponseWriter, r *http.Request, who flowadmin.Actor) {
	res, err := a.flows.Publish(r.Context(), r.PathValue("name"), who)
	a.published(w, res, err, "publish flow")
}

func (a *flowAPI) handleRollback(w http.ResponseWriter, r *http.Request, who flowadmin.Actor) {
	var in struct {
		Version int `json:"version"`
	}
	if !decodeBody(w, r, &in) {
		return
	}
	if in.Version < 1 {
		writeJSONError(w, http.StatusBadRequest, bot.EINVALID, "Give the version to roll back to.")
		return
	}
	res, err := a.flows.Rollback(r.Context(), r.PathValue("name"), in.Version, who)
	a.published(w, res, err, "roll back flow")
}

// published answers a publish or rollback: 200 with the new version, or
// the refusal's status with its problems and test results.
func (a *flowAPI) published(w http.ResponseWriter, res flowadmin.PublishResult, err error, what string) {
	if res.Problems == nil {
		res.Problems = []flowadmin.Problem{}
	}
	if err == nil {
		writeJSON(w, http.StatusOK, res)
		return
	}
	var be *bot.Error
	if !errors.As(err, &be) {
		a.fail(w, err, what)
		return
	}
	writeJSON(w, errorStatus(be.Code), map[string]any{
		"error": be.Code, "message": be.Message, "problems": res.Problems, "tests": res.Tests,
	})
}

func (a *flowAPI) handleVersions(w http.ResponseWriter, r *http.Request, who flowadmin.Actor) {
	vs, err := a.flows.Versions(r.Context(), r.PathValue("name"))
	if err != nil {
		a.fail(w, err, "list versions")
		return
	}
	refs := make([]string, 0, 2*len(vs))
	for _, v := range vs {
		refs = append(refs, v.Author, v.PublishedBy)
	}
	writeJSON(w, http.StatusOK, map[string]any{"versions": vs, "names": a.names(r, who, refs...)})
}

func (a *flowAPI) handleDiff(w http.ResponseWriter, r *http.Request, _ flowadmin.Actor) {
	q := r.URL.Query()
	d, err := a.flows.Diff(r.Context(), r.PathValue("name"), q.Get("from"), orDefault(q.Get("to"), "current"))
	if err != nil {
		a.fail(w, err, "diff flow")
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func (a *flowAPI) handleDiagram(w http.ResponseWriter, r *http.Request, _ flowadmin.Actor) {
	svg, err := a.flows.Diagram(r.Context(), r.PathValue("name"), orDefault(r.URL.Query().Get("version"), "current"))
	if err != nil {
		a.fail(w, err, "draw flow")
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(svg)
}

func (a *flowAPI) handleTest(w http.ResponseWriter, r *http.Request, _ flowadmin.Actor) {
	rep, problems, err := a.flows.RunTests(r.Context(), r.PathValue("name"))
	if err != nil {
		a.fail(w, err, "run flow tests")
		return
	}
	if len(problems) > 0 {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
			"error": bot.EINVALID, "message": "Fix the draft's problems to run its tests.", "problems": problems,
		})
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

// decodeBody reads a JSON body of at most adminFlowBodyLimit bytes,
// answering 400 or 413 itself when it cannot.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	r.Body = http.MaxBytesReader(w, r.Body, adminFlowBodyLimit)
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeJSONError(w, http.StatusRequestEntityTooLarge, bot.EINVALID, "The request is too large.")
			return false
		}
		writeJSONError(w, http.StatusBadRequest, bot.EINVALID, "The request is not valid JSON.")
		return false
	}
	return true
}

// errorStatus is the HTTP status of a domain error code.
func errorStatus(code string) int {
	switch code {
	case bot.EINVALID:
		return http.StatusUnprocessableEntity
	case bot.ENOTFOUND:
		return http.StatusNotFound
	case bot.ECONFLICT:
		return http.StatusConflict
	case bot.EUNAUTHORIZED:
		return http.StatusForbidden
	case bot.ERATELIMITED:
		return http.StatusTooManyRequests
	case bot.EEXPIRED:
		return http.StatusGone
	}
	return http.StatusInternalServerError
}

// fail answers a domain error with its status and message; anything else
// is logged and answered 500 without detail.
func (a *flowAPI) fail(w http.ResponseWriter, err error, what string) {
	var be *bot.Error
	if errors.As(err, &be) && be.Code != bot.EINTERNAL {
		writeJSONError(w, errorStatus(be.Code), be.Code, be.Message)
		return
	}
	a.s.log.Error().Err(err).Msg(what)
	writeJSONError(w, http.StatusInternalServerError, bot.EINTERNAL, "Something went wrong on our side.")
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
