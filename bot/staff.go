package bot

import "time"

// The people who sign in to the agent console, their sessions, the canned
// responses they insert, and the summaries of past conversations they
// search. Passwords and session tokens are never held here in clear: only
// an argon2id PHC string and a SHA-256 hash.

// DefaultCapacity is how many chats an agent holds at once unless their
// account says otherwise.
const DefaultCapacity = 3

// User is an agent's or an admin's console account.
type User struct {
	ID            string
	Email         string // lower-cased; unique
	Name          string // display name, shown to patients
	Role          string // RoleAgent or RoleAdmin
	PasswordHash  string // argon2id PHC string
	Capacity      int    // chats at once; 0 means DefaultCapacity
	Queues        []string
	Disabled      bool
	FailedSignIns int       // sign-ins reserved and not succeeded since the last success (wrong passwords)
	LockedUntil   time.Time // zero when not locked
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Agent is how the engine sees the user.
func (u User) Agent() AgentInfo {
	return AgentInfo{ID: u.ID, Name: u.Name, Role: u.Role, Capacity: u.Capacity, Queues: u.Queues}
}

// SignInAttempt is a console sign-in to count before its password is
// compared (argon2id is the expensive work the limits guard).
type SignInAttempt struct {
	UserID string    // the account the email names; "" when none does
	Source string    // the client's address, as IPKey groups it
	At     time.Time // now

	MaxFailures  int           // failures in a row that lock the account …
	LockFor      time.Duration // … for this long
	SourceMax    int           // sign-ins one address may try per SourceWindow
	SourceWindow time.Duration
}

// SignInReservation says what a reserved sign-in may do.
type SignInReservation struct {
	// SourceOK is false when the address has tried SourceMax sign-ins in
	// the window; then nothing was recorded.
	SourceOK bool
	// Reserved is true when the account was not locked: the attempt is
	// counted as a failure (and locks the account if it is the
	// MaxFailures-th in a row) until SignInSucceeded clears it. False for a
	// locked account, or none: compare nothing that could succeed.
	Reserved bool
}

// StaffSession is a signed-in console session. Only the SHA-256 of its
// token is stored; the token lives in the browser's cookie.
type StaffSession struct {
	TokenHash []byte
	UserID    string
	CreatedAt time.Time
	LastSeen  time.Time // last activity, for the idle timeout
	ExpiresAt time.Time // absolute end
	Source    string    // client IP at sign-in
}

// CannedResponse is a prepared reply an agent inserts by typing
// "/shortcut".
type CannedResponse struct {
	Shortcut  string
	Title     string
	Text      string
	UpdatedBy string // user ID of the admin who last saved it
	UpdatedAt time.Time
}

// ConversationFilter selects past conversations. Zero fields match all.
type ConversationFilter struct {
	From, To   time.Time // created at or after From, before To
	Queue      string
	Resolution Resolution
	Limit      int // page size
	Offset     int
}

// ConversationSummary is one row of a conversation search: no transcript,
// no slots, nothing about the patient.
type ConversationSummary struct {
	ID         string
	Status     Status
	Resolution Resolution
	Queue      string
	Flow       string
	Reason     string
	Locale     string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}
