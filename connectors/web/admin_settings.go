package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/staff"
)

// The admin settings pages and their API: people, queues and office
// hours, canned responses, the widget's appearance, and the audit log
// viewer. docs/admin.md, "Settings and audit".
// Audit event types of the settings.
const (
	auditUserCreated  = "user.created"
	auditUserChanged  = "user.changed"
	auditUserDisabled = "user.disabled"
	auditUserEnabled  = "user.enabled"
	auditUserPassword = "user.password_reset"
	auditQueueChanged = "queue.changed"
	auditWidget       = "widget.changed"
	auditViewed       = "audit.viewed"
	auditExported     = "audit.exported"
	auditVerified     = "audit.verified"
)

// UserAdmin manages console accounts (storage/sqlite.DB implements it).
type UserAdmin interface {
	Users(ctx context.Context) ([]staff.User, error)
	User(ctx context.Context, id string) (staff.User, error)
	CreateUser(ctx context.Context, u *staff.User) error
	SetUserPassword(ctx context.Context, id, hash string) error
	SetUserDisabled(ctx context.Context, id string, disabled bool) error
	SetUserWork(ctx context.Context, id, name string, capacity int, queues []string) error
}

// QueueStore keeps the queues as admins edit them; EditQueueSpecs
// appends the audit events in the same write.
type QueueStore interface {
	QueueSpecs(ctx context.Context) ([]bot.QueueSpec, error)
	EditQueueSpecs(ctx context.Context, by string, fn func([]bot.QueueSpec) ([]bot.QueueSpec, error), audit ...bot.AuditEvent) ([]bot.QueueSpec, error)
}

// SettingsStore keeps settings as JSON documents by key; PutSetting
// appends the audit events in the same write. A key never stored is
// ENOTFOUND.
type SettingsStore interface {
	Setting(ctx context.Context, key string) ([]byte, error)
	PutSetting(ctx context.Context, key string, value []byte, by string, audit ...bot.AuditEvent) error
}

// AuditLog reads the audit log for the viewer.
type AuditLog interface {
	SearchAudit(ctx context.Context, f staff.AuditFilter) ([]bot.AuditEvent, error)
	CheckAudit(ctx context.Context) (staff.AuditCheck, error)
}

// LiveDesk applies settings to the running engine (bot.Engine implements
// it): queue edits without a restart, and an agent's new capacity and
// queues on their open consoles.
type LiveDesk interface {
	SetQueues(ctx context.Context, qs map[string]bot.Queue)
	UpdateAgent(ctx context.Context, info bot.AgentInfo)
}

// SettingsDeps are the settings pages' collaborators. Each part is served
// only when its store is set; Live may be nil (changes then wait for a
// restart). Settings also holds the widget's stored appearance, which
// overrides Config.Widget at /widget/config.
type SettingsDeps struct {
	Users    UserAdmin
	Queues   QueueStore
	Settings SettingsStore
	Audit    AuditLog
	Live     LiveDesk
}

// settings serves the admin settings and the audit viewer.
type settings struct {
	s         *Server
	con       *console
	deps      SettingsDeps
	pages     map[string]*template.Template // by path
	forbidden *template.Template
}

// adminSettingsRoutes mounts the settings pages and API, admins only.
func (s *Server) adminSettingsRoutes(mux *http.ServeMux, con *console) {
	st := &settings{s: s, con: con, deps: s.deps.Settings, pages: settingsTemplates(),
		forbidden: parseTemplates("templates/admin_forbidden.html")}
	page := func(path string) { mux.HandleFunc("GET "+path, st.handlePage) }
	page("/admin/settings/canned")
	if d := st.deps; d.Users != nil {
		page("/admin/settings/users")
		mux.Handle("GET /admin/api/users", con.admin(st.handleUsers))
		mux.Handle("POST /admin/api/users", con.admin(st.handleUserCreate))
		mux.Handle("PATCH /admin/api/users/{id}", con.admin(st.handleUserEdit))
		mux.Handle("POST /admin/api/users/{id}/disable", con.admin(st.handleUserDisable(true)))
		mux.Handle("POST /admin/api/users/{id}/enable", con.admin(st.handleUserDisable(false)))
		mux.Handle("POST /admin/api/users/{id}/password", con.admin(st.handleUserPassword))
	}
	if st.deps.Queues != nil {
		page("/admin/settings/queues")
		mux.Handle("GET /admin/api/queues", con.admin(st.handleQueues))
		mux.Handle("PUT /admin/api/queues/{name}", con.admin(st.handleQueuePut))
		mux.Handle("DELETE /admin/api/queues/{name}", con.admin(st.handleQueueDelete))
	}
	if st.deps.Settings != nil {
		page("/admin/settings/widget")
		mux.HandleFunc("GET /admin/settings/widget/preview", st.handleWidgetPreview)
		mux.Handle("GET /admin/api/widget", con.admin(st.handleWidget))
		mux.Handle("GET /admin/api/widget/contrast", con.admin(st.handleWidgetContrast))
		mux.Handle("PUT /admin/api/widget", con.admin(st.handleWidgetPut))
		mux.Handle("DELETE /admin/api/widget", con.admin(st.handleWidgetReset))
	}
	if st.deps.Audit != nil {
		page("/admin/audit")
		mux.Handle("GET /admin/api/audit", con.admin(st.handleAudit))
		mux.Handle("GET /admin/api/audit.csv", con.admin(st.handleAuditCSV))
		mux.Handle("POST /admin/api/audit/verify", con.admin(st.handleAuditVerify))
	}
}

// settingsPageFiles are the settings pages: path → template and title.
var settingsPageFiles = map[string]struct{ file, title, nav string }{
	"/admin/settings/users":  {"templates/admin_settings_users.html", "People", "users"},
	"/admin/settings/queues": {"templates/admin_settings_queues.html", "Queues and office hours", "queues"},
	"/admin/settings/canned": {"templates/admin_settings_canned.html", "Canned responses", "canned"},
	"/admin/settings/widget": {"templates/admin_settings_widget.html", "Widget appearance", "widget"},
	"/admin/audit":           {"templates/admin_audit.html", "Audit log", "audit"},
}

// settingsTemplates parses each settings page with the admin layout: one
// set per page, so that every page's blocks stay its own.
func settingsTemplates() map[string]*template.Template {
	out := map[string]*template.Template{}
	for path, f := range settingsPageFiles {
		out[path] = parseAdminPage(f.file)
	}
	return out
}

// handlePage serves a settings page to an admin; without a session the
// browser goes to sign in, and an agent gets 403.
func (st *settings) handlePage(w http.ResponseWriter, r *http.Request) {
	ss, err := st.con.currentSession(r)
	switch {
	case err != nil:
		st.con.s.log.Error().Err(err).Msg("console session")
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	case ss == nil:
		http.Redirect(w, r, signInFor(r), http.StatusSeeOther)
		return
	}
	f := settingsPageFiles[r.URL.Path]
	page := adminPage{Title: f.title, Nav: f.nav, CSRF: csrfToken(ss.token), Name: ss.user.Name, Role: ss.user.Role}
	t, name, status := st.pages[r.URL.Path], "admin_layout.html", http.StatusOK
	if ss.user.Role != bot.RoleAdmin {
		t, name, status = st.forbidden, "admin_forbidden.html", http.StatusForbidden
	} else {
		st.con.touch(r.Context(), ss)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, page); err != nil {
		st.s.log.Error().Err(err).Str("page", r.URL.Path).Msg("render settings page")
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	buf.WriteTo(w)
}

// audit appends one settings event about subject ("user:<id>",
// "queue:<name>", "widget"), logged on failure. It returns the event's
// seq, or 0 when it could not be written.
func (st *settings) audit(r *http.Request, ss *staffSession, typ, subject, detail string) int64 {
	if st.con.deps.Audit == nil {
		return 0
	}
	ev := []bot.AuditEvent{st.event(r, ss, typ, subject, detail)}
	if err := st.con.deps.Audit.AppendAudit(context.WithoutCancel(r.Context()), ev...); err != nil {
		st.s.log.Error().Err(err).Str("event", typ).Msg("audit")
		return 0
	}
	return ev[0].Seq
}

// event is an audit event by the signed-in admin.
func (st *settings) event(r *http.Request, ss *staffSession, typ, subject, detail string) bot.AuditEvent {
	return bot.AuditEvent{Type: typ, At: st.s.now().UTC(), Node: st.s.cfg.Node, Source: st.s.ips.of(r),
		Actor: actor(ss.user), Subject: subject, Outcome: "ok", Detail: detail}
}

// decode reads a JSON body of at most consoleRequestBodyLimit bytes.
func (st *settings) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, consoleRequestBodyLimit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeJSONError(w, http.StatusRequestEntityTooLarge, bot.EINVALID, "The request is too large.")
			return false
		}
		writeJSONError(w, http.StatusBadRequest, bot.EINVALID, "The request is not the JSON object this endpoint takes.")
		return false
	}
	return true
}

// fail answers a domain error with its status; anything else is logged and
// answered 500.
func (st *settings) fail(w http.ResponseWriter, err error, what string) {
	var be *bot.Error
	if errors.As(err, &be) && be.Code != bot.EINTERNAL {
		writeJSONError(w, errorStatus(be.Code), be.Code, be.Message)
		return
	}
	st.con.internal(w, err, what)
}

// invalidFields answers 422 with a message per field.
func invalidFields(w http.ResponseWriter, fields map[string]string) {
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
		"error": bot.EINVALID, "message": "Some fields need another look.", "fields": fields,
	})
}
