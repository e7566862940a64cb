package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/websocket"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/staff"
)

// userJSON is an account as the people page shows it: never its hash.
type userJSON struct {
	ID          string   `json:"id"`
	Email       string   `json:"email"`
	Name        string   `json:"name"`
	Role        string   `json:"role"`
	Capacity    int      `json:"capacity"`         // 0: the desk's default
	DeskDefault int      `json:"default_capacity"` // handoff.capacity, what 0 means
	Queues      []string `json:"queues"`           // empty: every queue
	Disabled    bool     `json:"disabled"`
	LockedUntil string   `json:"locked_until,omitempty"`
	CreatedAt   string   `json:"created_at"`
	UpdatedAt   string   `json:"updated_at"`
}

func (st *settings) viewUser(u staff.User) userJSON {
	v := userJSON{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role, Capacity: u.Capacity,
		Queues: nonNilStrings(u.Queues), Disabled: u.Disabled, CreatedAt: rfc3339(u.CreatedAt), UpdatedAt: rfc3339(u.UpdatedAt)}
	if st.s.now().Before(u.LockedUntil) {
		v.LockedUntil = rfc3339(u.LockedUntil)
	}
	v.DeskDefault = st.deskCapacity()
	return v
}

// deskCapacity is the capacity of an account that has none of its own:
// the running desk's (handoff.capacity), resolved now so that a change of
// it reaches those accounts.
func (st *settings) deskCapacity() int {
	if st.con.deps.Desk == nil {
		return bot.DefaultCapacity
	}
	chats, _ := st.con.deps.Desk.CapacityFor(bot.AgentInfo{})
	return chats
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (st *settings) handleUsers(w http.ResponseWriter, r *http.Request, _ *staffSession) {
	us, err := st.deps.Users.Users(r.Context())
	if err != nil {
		st.fail(w, err, "list users")
		return
	}
	out := make([]userJSON, len(us))
	for i, u := range us {
		out[i] = st.viewUser(u)
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": out, "default_capacity": st.deskCapacity()})
}

// userInput is the body of a create or an edit.
type userInput struct {
	Email    string   `json:"email"`
	Name     string   `json:"name"`
	Role     string   `json:"role"`
	Capacity int      `json:"capacity"`
	Queues   []string `json:"queues"`
}

// handleUserCreate adds an account with a generated password, returned
// here only: it is stored as an argon2id hash.
func (st *settings) handleUserCreate(w http.ResponseWriter, r *http.Request, ss *staffSession) {
	var in userInput
	if !st.decode(w, r, &in) {
		return
	}
	ui := staff.UserInput(in)
	if p := ui.CheckNew(); len(p) > 0 {
		invalidFields(w, p)
		return
	}
	password, hash, err := staff.NewPassword()
	if err != nil {
		st.fail(w, err, "hash password")
		return
	}
	u, err := staff.NewUser(ui, hash)
	if err != nil {
		st.fail(w, err, "new user")
		return
	}
	if err := st.deps.Users.CreateUser(r.Context(), &u); err != nil {
		if bot.ErrorCode(err) == bot.ECONFLICT {
			invalidFields(w, map[string]string{"email": "Someone already signs in with this email."})
			return
		}
		st.fail(w, err, "create user")
		return
	}
	st.audit(r, ss, auditUserCreated, "user:"+u.ID, "role="+u.Role)
	writeJSON(w, http.StatusCreated, map[string]any{"user": st.viewUser(u), "password": password})
}

// handleUserEdit changes an account's name, capacity and queues; an
// agent's open consoles take them at once.
func (st *settings) handleUserEdit(w http.ResponseWriter, r *http.Request, ss *staffSession) {
	u, ok := st.user(w, r)
	if !ok {
		return
	}
	in := userInput{Name: u.Name, Capacity: u.Capacity, Queues: u.Queues}
	if !st.decode(w, r, &in) {
		return
	}
	if in.Email != "" || in.Role != "" {
		invalidFields(w, map[string]string{"email": "Email and role cannot be changed; add a new account instead."})
		return
	}
	ui := staff.UserInput(in)
	if p := ui.CheckWork(); len(p) > 0 {
		invalidFields(w, p)
		return
	}
	in = userInput(ui)
	if err := st.deps.Users.SetUserWork(r.Context(), u.ID, in.Name, in.Capacity, in.Queues); err != nil {
		st.fail(w, err, "update user")
		return
	}
	st.audit(r, ss, auditUserChanged, "user:"+u.ID, "capacity="+strconv.Itoa(in.Capacity)+" queues="+strings.Join(in.Queues, ","))
	if u, ok = st.reread(w, r, u.ID); !ok {
		return
	}
	if st.deps.Live != nil {
		st.deps.Live.UpdateAgent(context.WithoutCancel(r.Context()), u.Agent())
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": st.viewUser(u)})
}

// handleUserDisable disables an account, ending its sessions and closing
// its open consoles with 1008, or enables it again. Admins cannot disable
// themselves, nor the last admin who can sign in.
func (st *settings) handleUserDisable(disable bool) func(http.ResponseWriter, *http.Request, *staffSession) {
	return func(w http.ResponseWriter, r *http.Request, ss *staffSession) {
		u, ok := st.user(w, r)
		if !ok {
			return
		}
		if disable {
			all, err := st.deps.Users.Users(r.Context())
			if err != nil {
				st.fail(w, err, "list users")
				return
			}
			if err := staff.CanDisable(ss.user, u, all); err != nil {
				writeJSONError(w, http.StatusConflict, bot.ECONFLICT, bot.ErrorMessage(err))
				return
			}
		}
		if err := st.deps.Users.SetUserDisabled(r.Context(), u.ID, disable); err != nil {
			st.fail(w, err, "disable user")
			return
		}
		typ := auditUserEnabled
		if disable {
			typ = auditUserDisabled
			st.endUser(u.ID, "account disabled")
		}
		st.audit(r, ss, typ, "user:"+u.ID, "")
		if u, ok = st.reread(w, r, u.ID); ok {
			writeJSON(w, http.StatusOK, map[string]any{"user": st.viewUser(u)})
		}
	}
}

// handleUserPassword sets a new generated password, returned only here,
// and ends every session of the account (its consoles close with 1008).
func (st *settings) handleUserPassword(w http.ResponseWriter, r *http.Request, ss *staffSession) {
	u, ok := st.user(w, r)
	if !ok {
		return
	}
	password, hash, err := staff.NewPassword()
	if err != nil {
		st.fail(w, err, "hash password")
		return
	}
	if err := st.deps.Users.SetUserPassword(r.Context(), u.ID, hash); err != nil {
		st.fail(w, err, "set password")
		return
	}
	st.endUser(u.ID, "password reset")
	st.audit(r, ss, auditUserPassword, "user:"+u.ID, "")
	writeJSON(w, http.StatusOK, map[string]any{"user": st.viewUser(u), "password": password})
}

// user reads the account named in the path, answering 404 when there is
// none.
func (st *settings) user(w http.ResponseWriter, r *http.Request) (staff.User, bool) {
	return st.reread(w, r, r.PathValue("id"))
}

func (st *settings) reread(w http.ResponseWriter, r *http.Request, id string) (staff.User, bool) {
	u, err := st.deps.Users.User(r.Context(), id)
	if err != nil {
		st.fail(w, err, "read user")
		return staff.User{}, false
	}
	return u, true
}

// endUser closes every open console of a user with 1008 and forgets their
// live sessions; the store has already deleted the sessions themselves.
func (st *settings) endUser(userID, reason string) {
	con := st.con
	con.live.mu.Lock()
	var keys []string
	for k, ls := range con.live.m {
		if ls.userID == userID {
			keys = append(keys, k)
		}
	}
	con.live.mu.Unlock()
	for _, k := range keys {
		con.live.end(k, reason)
	}
	con.mu.Lock()
	defer con.mu.Unlock()
	for c := range con.sockets {
		if c.agent.ID == userID {
			c.stop(websocket.ClosePolicyViolation, reason)
		}
	}
}
