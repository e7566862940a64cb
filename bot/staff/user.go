// Package staff is the rules about the people who sign in to the agent
// console and the admin pages: their accounts (one validation for the
// admin pages and `portico users`), sign-in with its lockout, sessions,
// API tokens, canned responses and the queries of the audit viewer and
// conversation search. connectors/web holds the HTTP; the rules are here.
// Passwords and tokens are never held in clear: only an argon2id PHC
// string and a SHA-256 hash.
package staff

import (
	"crypto/rand"
	"maps"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/password"
	"github.com/portico-chat/portico/flows"
)

// User is an agent's or an admin's console account.
type User struct {
	ID            string
	Email         string // lower-cased; unique
	Name          string // display name, shown to patients
	Role          string // bot.RoleAgent or bot.RoleAdmin
	PasswordHash  string // argon2id PHC string
	Capacity      int    // chats at once; 0 means the desk's default (handoff.capacity)
	Queues        []string
	Disabled      bool
	FailedSignIns int       // sign-ins reserved and not succeeded since the last success (wrong passwords)
	LockedUntil   time.Time // zero when not locked
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Agent is how the engine sees the user.
func (u User) Agent() bot.AgentInfo {
	return bot.AgentInfo{ID: u.ID, Name: u.Name, Role: u.Role, Capacity: u.Capacity, Queues: u.Queues}
}

// Actor names the user in audit events: "agent:<id>" or "admin:<id>".
func (u User) Actor() string { return u.Role + ":" + u.ID }

// Limits of an account, the same in the admin pages and `portico users`.
const (
	MaxEmailLen      = flows.MaxEmailLen
	MaxNameRunes     = 64
	MaxCapacity      = 50
	MaxQueues        = 50
	MinPasswordRunes = 15   // single-factor accounts (NIST SP 800-63B rev 4)
	MaxPasswordLen   = 1024 // bytes; a sign-in form's password is refused beyond it
)

// NormalizeEmail trims and lower-cases an email: accounts are found by it
// and it is unique ignoring case.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// UserInput is an account as an admin creates or edits it. Check
// normalises it in place.
type UserInput struct {
	Email    string
	Name     string
	Role     string
	Capacity int      // 0: the desk's default (handoff.capacity), resolved when used
	Queues   []string // empty: every queue
}

// Problems are what is wrong with an input, by field ("email", "name",
// "role", "capacity", "queues"), in words for the person who typed it.
type Problems map[string]string

// Err returns nil when there are no problems, or an EINVALID error
// listing them in field order.
func (p Problems) Err() error {
	if len(p) == 0 {
		return nil
	}
	var parts []string
	for _, f := range []string{"email", "name", "role", "capacity", "queues"} {
		if m, ok := p[f]; ok {
			parts = append(parts, f+": "+m)
		}
	}
	return bot.Errorf(bot.EINVALID, "%s", strings.Join(parts, "; "))
}

// CheckNew validates a new account: its email and role, then the fields
// an edit may change too (CheckWork).
func (in *UserInput) CheckNew() Problems {
	p := Problems{}
	in.Email = NormalizeEmail(in.Email)
	if at := strings.IndexByte(in.Email, '@'); at < 1 || at == len(in.Email)-1 || len(in.Email) > MaxEmailLen || strings.ContainsAny(in.Email, " \t\r\n") {
		p["email"] = "Give the person's email address; they sign in with it."
	}
	if in.Role != bot.RoleAgent && in.Role != bot.RoleAdmin {
		p["role"] = "The role is agent or admin."
	}
	maps.Copy(p, in.CheckWork())
	return p
}

// CheckWork validates the fields an edit may change: the display name,
// the capacity and the queues.
func (in *UserInput) CheckWork() Problems {
	p := Problems{}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || utf8.RuneCountInString(in.Name) > MaxNameRunes {
		p["name"] = "Give a display name of 1 to 64 characters; patients see it."
	}
	if err := CheckCapacity(in.Capacity); err != nil {
		p["capacity"] = bot.ErrorMessage(err)
	}
	if len(in.Queues) > MaxQueues {
		p["queues"] = "At most 50 queues."
	}
	var qs []string
	for _, q := range in.Queues {
		q = strings.TrimSpace(q)
		if q == "" {
			continue
		}
		if !bot.ValidQueueName(q) {
			p["queues"] = "Queue names are lower-case letters, digits, '.', '-' or '_'."
		}
		qs = append(qs, q)
	}
	in.Queues = qs
	return p
}

// CheckCapacity is the rule for an account's capacity, wherever it is
// set: 1 to MaxCapacity chats at once, or 0 for the desk's default
// (handoff.capacity). The refusal is EINVALID, worded for an admin.
func CheckCapacity(n int) error {
	if n < 0 || n > MaxCapacity {
		return bot.Errorf(bot.EINVALID, "Capacity is how many chats at once: 1 to %d, or empty for the desk's default.", MaxCapacity)
	}
	return nil
}

// NewUser returns the account in, checked with CheckNew, with a password
// hash; the password is never kept.
func NewUser(in UserInput, passwordHash string) (User, error) {
	if err := in.CheckNew().Err(); err != nil {
		return User{}, err
	}
	return User{Email: in.Email, Name: in.Name, Role: in.Role, PasswordHash: passwordHash,
		Capacity: in.Capacity, Queues: in.Queues}, nil
}

// CanDisable says whether the person by may disable the account u, given
// every account (all): nobody disables their own account, nor the last
// admin who can sign in, so that someone can always manage the others.
// The refusal is ECONFLICT, worded for the admin.
func CanDisable(by, u User, all []User) error {
	if u.ID == by.ID {
		return bot.Errorf(bot.ECONFLICT, "You cannot disable your own account.")
	}
	if u.Role != bot.RoleAdmin {
		return nil
	}
	for _, o := range all {
		if o.ID != u.ID && o.Role == bot.RoleAdmin && !o.Disabled {
			return nil
		}
	}
	return bot.Errorf(bot.ECONFLICT, "This is the last admin who can sign in.")
}

// NewPassword returns a generated password, 26 base32 characters from
// crypto/rand (130 bits), and its argon2id hash. It is shown once.
func NewPassword() (pw, hash string, err error) {
	pw = rand.Text()
	hash, err = password.Hash(pw)
	return pw, hash, err
}

// HashChosenPassword checks a password a person chose (read from stdin by
// `portico users`) and hashes it: 15 code points at least, since the
// console has no second factor, and at most MaxPasswordLen bytes.
func HashChosenPassword(pw string) (string, error) {
	if utf8.RuneCountInString(pw) < MinPasswordRunes || len(pw) > MaxPasswordLen {
		return "", bot.Errorf(bot.EINVALID, "the password must be %d to %d characters (a passphrase of a few words works well)",
			MinPasswordRunes, MaxPasswordLen)
	}
	return password.Hash(pw)
}
