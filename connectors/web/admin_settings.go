package web

import (
	"context"
	"encoding/json"
	"errors"
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

// settings serves the admin settings' API and the audit viewer's; their
// pages are admin_pages.go's.
type settings struct {
	s    *Server
	con  *console
	deps SettingsDeps
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
