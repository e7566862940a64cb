package portal

import (
	"context"
	"crypto/subtle"
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/portico-chat/portico/bot"
)

// minNameComparisons is how many name comparisons a lookup by name makes
// at least: one candidate (the usual match) and none (no match) cost the
// same.
const minNameComparisons = 2

// dummyPatient stands in when a lookup finds no candidate, so that the same
// comparisons run whether or not a record matches.
var dummyPatient = Patient{
	FirstName: "\x00dummy", LastName: "\x00dummy", DOB: "0000-00-00", ZIP: "00000",
}

// Find returns the ID of the one record whose names, date of birth and ZIP
// match d, or whose username and date of birth (and ZIP, when given)
// match. Names are compared ignoring case, accents, spaces and punctuation;
// the date and ZIP exactly. Zero matches and several matches are both
// ENOTFOUND. The work done does not depend on whether a record matches:
// every candidate of the indexed lookup is compared, plus dummies up to
// at least two comparisons, so one candidate costs what none does.
func (l *Local) Find(ctx context.Context, d bot.Demographics) (string, error) {
	dob, zip := strings.TrimSpace(d.DOB), normalizeZIP(d.ZIP)
	if strings.TrimSpace(d.Username) != "" {
		return l.findByUsername(ctx, strings.TrimSpace(d.Username), dob, zip)
	}
	first, last := foldName(d.FirstName), foldName(d.LastName)
	candidates, err := l.records.PatientsByDOBZIP(ctx, dob, zip)
	if err != nil {
		return "", fmt.Errorf("find patient: %w", err)
	}
	match, matches := "", 0
	for _, p := range candidates {
		if namesMatch(p, first, last) && first != "" && last != "" {
			match = p.RecordID
			matches++
		}
	}
	for range max(1, minNameComparisons-len(candidates)) {
		namesMatch(dummyPatient, first, last)
	}
	if matches != 1 {
		return "", notFound()
	}
	return match, nil
}

func (l *Local) findByUsername(ctx context.Context, username, dob, zip string) (string, error) {
	p, err := l.records.PatientByUsername(ctx, username)
	found := err == nil
	switch {
	case bot.ErrorCode(err) == bot.ENOTFOUND:
		p = dummyPatient
	case err != nil:
		return "", fmt.Errorf("find patient by username: %w", err)
	}
	ok := equal(p.DOB, dob)
	if zip != "" {
		ok = equal(p.ZIP, zip) && ok
	}
	if !found || !ok || dob == "" {
		return "", notFound()
	}
	return p.RecordID, nil
}

// namesMatch compares folded names in constant time (for a given length).
func namesMatch(p Patient, first, last string) bool {
	f := equal(foldName(p.FirstName), first)
	l := equal(foldName(p.LastName), last)
	return f && l
}

func equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

func notFound() error {
	return &bot.Error{Code: bot.ENOTFOUND, Message: "no matching record"}
}

// foldName reduces a name to the form names are compared in: compatibility
// decomposed, accents dropped, case folded, spaces and punctuation removed.
// "José  Núñez-García" and "jose nunez garcia" fold alike.
func foldName(s string) string {
	t := transform.Chain(norm.NFKD,
		runes.Remove(runes.In(unicode.Mn)),
		runes.Remove(runes.Predicate(func(r rune) bool {
			return unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsControl(r)
		})),
		norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		// Only invalid input gets here; fall back to the plain string so a
		// comparison still happens and simply fails to match.
		out = s
	}
	return cases.Fold().String(out)
}

// Matches returns the IDs of the records with d's date of birth and ZIP:
// the records an activation code guessed with them was aimed at.
func (l *Local) Matches(ctx context.Context, d bot.Demographics) ([]string, error) {
	ps, err := l.records.PatientsByDOBZIP(ctx, strings.TrimSpace(d.DOB), normalizeZIP(d.ZIP))
	if err != nil {
		return nil, fmt.Errorf("records by date of birth and ZIP: %w", err)
	}
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.RecordID
	}
	return ids, nil
}
