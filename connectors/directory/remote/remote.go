// Package remote holds what every remote account directory driver shares
// (connectors/directory/bridge, connectors/directory/keycloak): the lookup
// and answer types of the directory seam, its error kinds, a circuit
// breaker and the HTTPS client set-up. It talks to nothing itself.
//
// The types mirror the seam the engine will use (bot.Directory after the
// architecture change), so that wiring a driver is a thin adapter.
package remote

import (
	"errors"
	"strings"
)

// Lookup finds a record. Exactly one of three forms is used, in this
// order: MRN alone; Username with DOB (and ZIP when the dialog asked for
// it); or first name, last name, DOB and ZIP. Lookups prove nothing: the
// proof is a code the patient holds.
type Lookup struct {
	FirstName string
	LastName  string
	DOB       string // YYYY-MM-DD
	ZIP       string // five digits
	Username  string
	MRN       string
}

// Lookup forms, as Kind returns them.
const (
	ByMRN          = "mrn"
	ByUsername     = "username"
	ByDemographics = "demographics"
)

// Kind says which form l is, or returns an error naming what is missing.
// The engine builds lookups, so an incomplete one is a bug, not a miss.
func (l Lookup) Kind() (string, error) {
	switch {
	case strings.TrimSpace(l.MRN) != "":
		return ByMRN, nil
	case strings.TrimSpace(l.Username) != "":
		if strings.TrimSpace(l.DOB) == "" {
			return "", errors.New("directory lookup: a username needs a date of birth")
		}
		return ByUsername, nil
	}
	var missing []string
	for _, f := range []struct{ name, v string }{
		{"first name", l.FirstName}, {"last name", l.LastName}, {"date of birth", l.DOB}, {"ZIP", l.ZIP},
	} {
		if strings.TrimSpace(f.v) == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return "", errors.New("directory lookup: missing " + strings.Join(missing, ", "))
	}
	return ByDemographics, nil
}

// Contacts are the ways to reach a patient that the directory has on file.
// Either may be empty.
type Contacts struct {
	Email string
	Phone string // E.164
}

// Status is a portal account's state.
type Status string

// Account states.
const (
	StatusPending  Status = "pending" // not activated yet
	StatusActive   Status = "active"
	StatusLocked   Status = "locked" // too many bad sign-ins
	StatusDisabled Status = "disabled"
)

// Valid reports whether s is one of the four states.
func (s Status) Valid() bool {
	switch s {
	case StatusPending, StatusActive, StatusLocked, StatusDisabled:
		return true
	}
	return false
}

// Account is a record's portal account.
type Account struct {
	Username string // empty while pending, unless the directory assigned one
	Status   Status
}
