package web

import (
	"net/http"
	"strings"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/flowadmin"
)

// The flow editor's sandbox: a conversation with a draft on test patients.
//
//	POST   /admin/api/flows/{name}/sandbox  start one
//	POST   /admin/api/sandbox/{id}/say      say something in it
//	DELETE /admin/api/sandbox/{id}          end it

func (a *flowAPI) handleSandboxStart(w http.ResponseWriter, r *http.Request, who flowadmin.Actor) {
	t, err := a.flows.StartSandbox(r.Context(), r.PathValue("name"), who)
	if err != nil {
		a.fail(w, err, "start sandbox")
		return
	}
	writeJSON(w, http.StatusCreated, t)
}

func (a *flowAPI) handleSandboxSay(w http.ResponseWriter, r *http.Request, who flowadmin.Actor) {
	var in struct {
		Text  string `json:"text"`
		Reply string `json:"reply"`
	}
	if !decodeBody(w, r, &in) {
		return
	}
	if strings.TrimSpace(in.Text) == "" && in.Reply == "" {
		writeJSONError(w, http.StatusBadRequest, bot.EINVALID, "Say something: text or a reply.")
		return
	}
	t, err := a.flows.SandboxSay(r.Context(), r.PathValue("id"), who, in.Text, in.Reply)
	if err != nil {
		a.fail(w, err, "sandbox say")
		return
	}
	writeJSON(w, http.StatusOK, t)
}

func (a *flowAPI) handleSandboxEnd(w http.ResponseWriter, r *http.Request, who flowadmin.Actor) {
	if err := a.flows.EndSandbox(r.PathValue("id"), who); err != nil {
		a.fail(w, err, "end sandbox")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
