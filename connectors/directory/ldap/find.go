package ldap

import (
	"context"
	"slices"
	"strings"
	"time"

	goldap "github.com/go-ldap/ldap/v3"
)

// Lookup is what a patient gave to find their record: exactly one of
// an MRN; a username and date of birth (and a ZIP, when given); or first
// name, last name, date of birth and ZIP. Dates are YYYY-MM-DD, ZIPs five
// digits (the dialog normalises both before).
type Lookup struct {
	FirstName string
	LastName  string
	DOB       string
	ZIP       string
	Username  string
	MRN       string
}

// lookupDate is the layout of dates in a Lookup and in Matches.
const lookupDate = "2006-01-02"

// dummyName is compared when no candidate is, so the comparing work does
// not depend on whether anything matched.
var dummyName = fold("\x00dummy")

// Find returns the record ID of the one entry matching l, or CodeNotFound
// when none or several match: ambiguity verifies no one. Every kind of
// lookup is one search, whether or not anything matches; a malformed
// lookup is CodeInvalid with ReasonLookup, before any search.
func (d *Directory) Find(ctx context.Context, l Lookup) (string, error) {
	a := d.cfg.Attributes
	var filter string
	var names bool
	switch {
	case strings.TrimSpace(l.MRN) != "":
		mrn := strings.TrimSpace(l.MRN)
		if len(mrn) > maxValueLen {
			return "", invalid(ReasonLookup)
		}
		filter = d.and(equal(a.MRN, mrn))
	case strings.TrimSpace(l.Username) != "":
		user := strings.TrimSpace(l.Username)
		dob, err := d.dobValue(l.DOB)
		if err != nil || len(user) > maxValueLen {
			return "", invalid(ReasonLookup)
		}
		clauses := []string{equal(a.Username, user), equal(a.DOB, dob)}
		if l.ZIP != "" {
			if !fiveDigits(l.ZIP) {
				return "", invalid(ReasonLookup)
			}
			clauses = append(clauses, zipClause(a.ZIP, l.ZIP))
		}
		filter = d.and(clauses...)
	default:
		dob, err := d.dobValue(l.DOB)
		if err != nil || !fiveDigits(l.ZIP) || fold(l.FirstName) == "" || fold(l.LastName) == "" {
			return "", invalid(ReasonLookup)
		}
		filter, names = d.and(equal(a.DOB, dob), zipClause(a.ZIP, l.ZIP)), true
	}
	var id string
	err := d.call(ctx, "find", func(c *conn) error {
		attrs := []string{a.MRN}
		limit := 1
		if names {
			attrs, limit = []string{a.MRN, a.FirstName, a.LastName}, maxCandidates
		}
		es, more, err := d.search(ctx, c, filter, limit, attrs)
		if err != nil {
			return err
		}
		if names {
			es = d.sameNames(es, fold(l.FirstName), fold(l.LastName))
		}
		if more || len(es) != 1 {
			return notFound()
		}
		if id = recordID(es[0], a.MRN); id == "" {
			return notFound()
		}
		return nil
	})
	return id, err
}

// sameNames keeps the entries whose first and last names fold to first and
// last. Every entry is compared, and one dummy besides.
func (d *Directory) sameNames(es []*goldap.Entry, first, last string) []*goldap.Entry {
	var out []*goldap.Entry
	for _, e := range es {
		f := anyName(e.GetAttributeValues(d.cfg.Attributes.FirstName), first)
		l := anyName(e.GetAttributeValues(d.cfg.Attributes.LastName), last)
		if f && l {
			out = append(out, e)
		}
	}
	_ = sameName(dummyName, first) && sameName(dummyName, last)
	return out
}

// anyName reports whether any of the values on file folds to want.
// (givenName and sn are multi-valued in inetOrgPerson.)
func anyName(values []string, want string) bool {
	match := false
	for _, v := range values {
		if sameName(fold(v), want) {
			match = true
		}
	}
	return match
}

// Matches returns the record IDs of every entry with this date of birth
// and ZIP, each once, at most maxMatches of them: the records a wrong
// activation code typed with these details counts against.
func (d *Directory) Matches(ctx context.Context, dob, zip string) ([]string, error) {
	v, err := d.dobValue(dob)
	if err != nil || !fiveDigits(zip) {
		return nil, invalid(ReasonLookup)
	}
	a := d.cfg.Attributes
	var ids []string
	err = d.call(ctx, "matches", func(c *conn) error {
		es, more, err := d.search(ctx, c, d.and(equal(a.DOB, v), zipClause(a.ZIP, zip)), maxMatches, []string{a.MRN})
		if err != nil {
			return err
		}
		if more {
			d.log.Warn().Int("limit", maxMatches).Msg("ldap directory: more records share a date of birth and ZIP than Matches returns")
		}
		for _, e := range es {
			if id := recordID(e, a.MRN); id != "" && !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
		return nil
	})
	return ids, err
}

// dobValue turns a YYYY-MM-DD date into the directory's form (dob_layout).
func (d *Directory) dobValue(dob string) (string, error) {
	t, err := time.Parse(lookupDate, strings.TrimSpace(dob))
	if err != nil {
		return "", err
	}
	return t.Format(d.cfg.DOBLayout), nil
}

func fiveDigits(s string) bool {
	if len(s) != 5 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
