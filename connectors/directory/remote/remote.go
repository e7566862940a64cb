// Package remote holds what every remote account directory driver shares
// (connectors/directory/bridge, connectors/directory/keycloak): the lookup
// and answer types of the directory seam, its error kinds, a circuit
// breaker and the HTTPS client set-up. It talks to nothing itself.
//
// Its lookup and answer types are the engine's own (bot.Lookup and the
// rest), so that wiring a driver as a bot.Directory is a thin adapter.
package remote

import "github.com/portico-chat/portico/bot"

// The seam's vocabulary is bot's (bot.Lookup, bot.Contacts, bot.Account,
// bot.AccountStatus): these names are aliases, so that a driver's answers
// are the engine's without a conversion.

// Lookup finds a record: MRN alone; Username with DOB (and ZIP when the
// dialog asked for it); or first name, last name, DOB and ZIP.
type Lookup = bot.Lookup

// Lookup forms, as Lookup.Kind returns them.
const (
	ByMRN          = bot.LookupByMRN
	ByUsername     = bot.LookupByUsername
	ByDemographics = bot.LookupByDemographics
)

// Contacts are the ways to reach a patient that the directory has on file.
// Either may be empty.
type Contacts = bot.Contacts

// Status is a portal account's state.
type Status = bot.AccountStatus

// Account states.
const (
	StatusPending  = bot.AccountPending // not activated yet
	StatusActive   = bot.AccountActive
	StatusLocked   = bot.AccountLocked // too many bad sign-ins
	StatusDisabled = bot.AccountDisabled
)

// Account is a record's portal account: Username (empty while pending,
// unless the directory assigned one) and Status, and the names on file
// for Portico's password policy when the directory has them.
type Account = bot.Account
