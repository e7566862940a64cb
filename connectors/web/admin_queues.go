package web

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/portico-chat/portico/bot"
)

// queueJSON is a stored queue with whether it is open now.
type queueJSON struct {
	bot.QueueSpec
	OpenNow bool `json:"open_now"`
}

func (st *settings) viewQueues(specs []bot.QueueSpec) []queueJSON {
	now := st.s.now()
	out := make([]queueJSON, 0, len(specs))
	for _, s := range specs {
		s.Hours, s.Holidays = nonNilStrings(s.Hours), nonNilStrings(s.Holidays)
		open := true
		if q, err := s.Queue(); err == nil {
			open = q.Hours.Open(now)
		}
		out = append(out, queueJSON{QueueSpec: s, OpenNow: open})
	}
	slices.SortFunc(out, func(a, b queueJSON) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func (st *settings) handleQueues(w http.ResponseWriter, r *http.Request, _ *staffSession) {
	specs, err := st.deps.Queues.QueueSpecs(r.Context())
	if err != nil && bot.ErrorCode(err) != bot.ENOTFOUND {
		st.fail(w, err, "list queues")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"queues": st.viewQueues(specs)})
}

// handleQueuePut creates or replaces the queue named in the path. Every
// field is checked with bot.ParseHours and problems are answered by
// field; a saved change goes to the engine at once.
func (st *settings) handleQueuePut(w http.ResponseWriter, r *http.Request, ss *staffSession) {
	var in bot.QueueSpec
	if !st.decode(w, r, &in) {
		return
	}
	name := r.PathValue("name")
	if in.Name != "" && in.Name != name {
		invalidFields(w, map[string]string{"name": "A queue cannot be renamed: add the new one and delete the old."})
		return
	}
	in.Name = name
	in.Timezone, in.Describe = strings.TrimSpace(in.Timezone), strings.TrimSpace(in.Describe)
	in.Hours, in.Holidays = trimLines(in.Hours), trimLines(in.Holidays)
	if p := in.Problems(); len(p) > 0 {
		invalidFields(w, p)
		return
	}
	detail := "saved"
	st.editQueues(w, r, ss, name, detail, func(specs []bot.QueueSpec) ([]bot.QueueSpec, error) {
		i := slices.IndexFunc(specs, func(s bot.QueueSpec) bool { return s.Name == name })
		if i < 0 {
			return append(specs, in), nil
		}
		specs[i] = in
		return specs, nil
	})
}

// handleQueueDelete removes a queue: it is then always open, priority 0,
// like any queue not listed.
func (st *settings) handleQueueDelete(w http.ResponseWriter, r *http.Request, ss *staffSession) {
	name := r.PathValue("name")
	st.editQueues(w, r, ss, name, "deleted", func(specs []bot.QueueSpec) ([]bot.QueueSpec, error) {
		i := slices.IndexFunc(specs, func(s bot.QueueSpec) bool { return s.Name == name })
		if i < 0 {
			return nil, bot.Errorf(bot.ENOTFOUND, "No queue %q.", name)
		}
		return slices.Delete(specs, i, i+1), nil
	})
}

// editQueues stores an edit with its audit event in one write, then
// hands the new queues to the engine.
func (st *settings) editQueues(w http.ResponseWriter, r *http.Request, ss *staffSession, name, detail string, fn func([]bot.QueueSpec) ([]bot.QueueSpec, error)) {
	var live map[string]bot.Queue
	specs, err := st.deps.Queues.EditQueueSpecs(r.Context(), actor(ss.user), func(specs []bot.QueueSpec) ([]bot.QueueSpec, error) {
		out, err := fn(specs)
		if err != nil {
			return nil, err
		}
		live, err = bot.QueuesOf(out)
		return out, err
	}, st.event(r, ss, auditQueueChanged, "queue:"+name, detail))
	if err != nil {
		st.fail(w, err, "save queues")
		return
	}
	if st.deps.Live != nil {
		st.deps.Live.SetQueues(context.WithoutCancel(r.Context()), live)
	}
	if detail == "deleted" {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	for _, q := range st.viewQueues(specs) {
		if q.Name == name {
			writeJSON(w, http.StatusOK, map[string]any{"queue": q})
			return
		}
	}
}

// trimLines drops blank lines and trims the others.
func trimLines(lines []string) []string {
	out := []string{}
	for _, l := range lines {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
