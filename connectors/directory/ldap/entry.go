package ldap

import (
	"context"
	"strings"

	goldap "github.com/go-ldap/ldap/v3"
)

// Status is a portal account's state, spelled as bot.AccountStatus.
type Status string

// Account states.
const (
	StatusPending  Status = "pending"  // not activated yet
	StatusActive   Status = "active"   // can sign in
	StatusLocked   Status = "locked"   // too many bad sign-ins; Unlock or a reset lifts it
	StatusDisabled Status = "disabled" // staff only: self-service refuses it
)

// Operational attributes the driver reads or writes, by flavor.
const (
	attrLockedTime    = "pwdAccountLockedTime"               // OpenLDAP ppolicy
	attrUAC           = "userAccountControl"                 // AD
	attrUACComputed   = "msDS-User-Account-Control-Computed" // AD, constructed: carries the live lockout bit
	attrLockoutTime   = "lockoutTime"                        // AD
	attrUnicodePwd    = "unicodePwd"                         // AD
	permanentlyLocked = "000001010000Z"                      // ppolicy: locked until an administrator unlocks
)

// byID returns the one entry whose MRN attribute is id, with attrs.
// No entry, or several, is CodeNotFound. One round trip.
func (d *Directory) byID(ctx context.Context, c *conn, id string, attrs ...string) (*goldap.Entry, error) {
	if id == "" || len(id) > maxValueLen {
		return nil, notFound()
	}
	es, more, err := d.search(ctx, c, d.and(equal(d.cfg.Attributes.MRN, id)), 1, append(attrs, d.cfg.Attributes.MRN))
	if err != nil {
		return nil, err
	}
	if more || len(es) != 1 || recordID(es[0], d.cfg.Attributes.MRN) != id {
		return nil, notFound()
	}
	return es[0], nil
}

// search runs one subtree search under the base DN and returns at most
// limit entries; more reports that the server had others (which callers
// treat as ambiguous). One round trip.
func (d *Directory) search(ctx context.Context, c *conn, filter string, limit int, attrs []string) (es []*goldap.Entry, more bool, err error) {
	res, err := c.search(ctx, &goldap.SearchRequest{
		BaseDN:       d.cfg.BaseDN,
		Scope:        goldap.ScopeWholeSubtree,
		DerefAliases: goldap.NeverDerefAliases,
		SizeLimit:    limit + 1,
		TimeLimit:    int(d.cfg.Timeout.Seconds() + 1),
		Filter:       filter,
		Attributes:   attrs,
	})
	switch {
	case goldap.IsErrorWithCode(err, goldap.LDAPResultSizeLimitExceeded):
		// The server stopped at limit+1: there are more.
		es, more = res.Entries, true
	case err != nil:
		return nil, false, err
	default:
		es = res.Entries
	}
	if len(es) > limit {
		es, more = es[:limit], true
	}
	return es, more, nil
}

// recordID returns the entry's MRN if it has exactly one, else "".
func recordID(e *goldap.Entry, attr string) string {
	if e == nil {
		return ""
	}
	vs := e.GetAttributeValues(attr)
	if len(vs) != 1 {
		return ""
	}
	return vs[0]
}

// stateAttrs are the attributes status needs.
func (d *Directory) stateAttrs() []string {
	a := []string{d.cfg.Attributes.Username}
	if d.cfg.Attributes.Status != "" {
		a = append(a, d.cfg.Attributes.Status)
	}
	if d.cfg.Flavor == FlavorAD {
		return append(a, attrUAC, attrUACComputed, attrLockoutTime)
	}
	return append(a, attrLockedTime)
}

// status works out an entry's account state.
//
// OpenLDAP: the status attribute says pending or active (any other value
// is disabled); an active account with a ppolicy lock is locked, and the
// permanent lock 000001010000Z, which only an administrator lifts, is
// disabled. With no status attribute configured, an entry with a username
// is active and one without is pending.
//
// AD: an account with ACCOUNTDISABLE set is pending if its status
// attribute says so, else disabled; an enabled account is locked while AD
// reports the lockout, else active.
func (d *Directory) status(e *goldap.Entry) Status {
	a := d.cfg.Attributes
	var st Status
	switch v := e.GetAttributeValue(a.Status); {
	case a.Status == "" && e.GetAttributeValue(a.Username) == "":
		st = StatusPending
	case a.Status == "":
		st = StatusActive
	case strings.EqualFold(v, d.cfg.StatusPending):
		st = StatusPending
	case strings.EqualFold(v, d.cfg.StatusActive):
		st = StatusActive
	default:
		st = StatusDisabled
	}
	if d.cfg.Flavor == FlavorAD {
		return adStatus(st, e.GetAttributeValue(attrUAC), e.GetAttributeValue(attrUACComputed), e.GetAttributeValue(attrLockoutTime))
	}
	switch locked := e.GetAttributeValue(attrLockedTime); {
	case locked == permanentlyLocked:
		return StatusDisabled
	case locked != "" && st == StatusActive:
		return StatusLocked
	}
	return st
}
