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
	writeJSON(w, http.StatusCreated, a.asText(t))
}

func (a *flowAPI) handleSandboxSay(w http.ResponseWriter, r *http.Request, who flowadmin.Actor) {
	var in struct {
		Text  string `json:"text"`
		Reply string `json:"reply"`
		// Choices are the quick replies the patient was last shown, when
		// the editor previews the flow as SMS: a typed "2" picks the
		// second, as on the SMS channel.
		Choices []bot.Reply `json:"choices"`
	}
	if !decodeBody(w, r, &in) {
		return
	}
	if choose := a.s.deps.SMS.Choose; choose != nil && in.Reply == "" && len(in.Choices) > 0 {
		if v, ok := choose(in.Text, in.Choices); ok {
			in.Text, in.Reply = "", v
		}
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
	writeJSON(w, http.StatusOK, a.asText(t))
}

// sandboxTurnJSON is a sandbox turn with, when the SMS channel is on,
// each message as it would be texted (SMS[i] for Messages[i]; none for
// the patient's), for the editor's "Preview as SMS".
type sandboxTurnJSON struct {
	flowadmin.SandboxTurn
	SMS [][]SMSPart `json:"sms,omitempty"`
}

func (a *flowAPI) asText(t flowadmin.SandboxTurn) sandboxTurnJSON {
	out := sandboxTurnJSON{SandboxTurn: t}
	preview := a.s.deps.SMS.Preview
	if preview == nil {
		return out
	}
	out.SMS = make([][]SMSPart, len(t.Messages))
	for i, m := range t.Messages {
		if m.From != string(bot.FromPatient) {
			out.SMS[i] = preview(bot.Message{Text: m.Text, Replies: m.Replies, Input: m.Input}, bot.English) // the sandbox speaks English
		}
	}
	return out
}

func (a *flowAPI) handleSandboxEnd(w http.ResponseWriter, r *http.Request, who flowadmin.Actor) {
	if err := a.flows.EndSandbox(r.PathValue("id"), who); err != nil {
		a.fail(w, err, "end sandbox")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
