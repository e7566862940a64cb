package local

import (
	"context"
	"crypto/subtle"
	"fmt"
	"strings"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/patients"
	"github.com/portico-chat/portico/flows"
)

// minNameComparisons is how many name comparisons a lookup by name makes
// at least: one candidate (the usual match) and none (no match) cost the
// same.
const minNameComparisons = 2

// dummyPatient stands in when a lookup finds no candidate, so that the same
// comparisons run whether or not a record matches.
var dummyPatient = patients.Patient{
	FirstName: "\x00dummy", LastName: "\x00dummy", DOB: "0000-00-00", ZIP: "00000",
}

// Find returns the ID of the one record whose names, date of birth and ZIP
// match l, or whose username and date of birth (and ZIP, when given)
// match, or whose MRN is l.MRN. Names are compared ignoring case, accents, spaces and punctuation;
// the date and ZIP exactly. Zero matches and several matches are both
// ENOTFOUND. The work done does not depend on whether a record matches:
// every candidate of the indexed lookup is compared, plus dummies up to
// at least two comparisons, so one candidate costs what none does.
func (l *Local) Find(ctx context.Context, d bot.Lookup) (string, error) {
	dob, zip := strings.TrimSpace(d.DOB), patients.NormalizeZIP(d.ZIP)
	if mrn := strings.TrimSpace(d.MRN); mrn != "" {
		return l.findByMRN(ctx, mrn)
	}
	if strings.TrimSpace(d.Username) != "" {
		return l.findByUsername(ctx, strings.TrimSpace(d.Username), dob, zip)
	}
	first, last := flows.FoldName(d.FirstName), flows.FoldName(d.LastName)
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

// findByMRN finds the record with the clinic's medical record number: a
// lookup staff systems make (a record finder's answer), not one a
// patient types.
func (l *Local) findByMRN(ctx context.Context, mrn string) (string, error) {
	p, err := l.records.PatientByMRN(ctx, mrn)
	switch {
	case bot.ErrorCode(err) == bot.ENOTFOUND:
		return "", notFound()
	case err != nil:
		return "", fmt.Errorf("find patient by MRN: %w", err)
	}
	return p.RecordID, nil
}

// namesMatch compares folded names in constant time (for a given length).
func namesMatch(p patients.Patient, first, last string) bool {
	f := equal(flows.FoldName(p.FirstName), first)
	l := equal(flows.FoldName(p.LastName), last)
	return f && l
}

func equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

func notFound() error {
	return &bot.Error{Code: bot.ENOTFOUND, Message: "no matching record"}
}

// Matches returns the IDs of the records with this date of birth and ZIP:
// the records an activation code guessed with them was aimed at.
func (l *Local) Matches(ctx context.Context, dob, zip string) ([]string, error) {
	ps, err := l.records.PatientsByDOBZIP(ctx, strings.TrimSpace(dob), patients.NormalizeZIP(zip))
	if err != nil {
		return nil, fmt.Errorf("records by date of birth and ZIP: %w", err)
	}
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.RecordID
	}
	return ids, nil
}
