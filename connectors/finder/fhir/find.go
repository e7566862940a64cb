package fhir

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/portico-chat/portico/connectors/directory/remote"
)

// Find returns the MRN (the value in identifier_system) of the one
// record that certainly matches the patient's first and last name, date
// of birth and ZIP. None, several, or one without a single MRN is
// remote.ErrNotFound, so the engine treats it like any other no-match.
// A hit and a miss cost the same one search (or one $match): the
// caller pads the call (directory.min_latency) and asks the directory
// with a dummy MRN on a miss, as on any miss.
//
// In search mode the server is asked for candidates and every one is
// compared here in full (names folded: case, accents, spaces and
// punctuation ignored; the whole date of birth; a current address's
// ZIP). In match mode the server's master patient index decides, and
// only an answer graded certain counts (see certain); its date of birth
// must still be the patient's.
//
// Records marked inactive or deceased never match.
func (f *Finder) Find(ctx context.Context, l remote.Lookup) (string, error) {
	kind, err := l.Kind()
	if err != nil {
		return "", err
	}
	if kind != remote.ByDemographics {
		return "", errors.New("fhir find: needs first name, last name, date of birth and ZIP, without an MRN or username")
	}
	l = trimmed(l)
	var found []patient
	err = f.breaker.Do(ctx, func(ctx context.Context) error {
		var err error
		if f.cfg.Mode == ModeMatch {
			found, err = f.match(ctx, l)
			return err
		}
		all, err := f.search(ctx, url.Values{
			"family":             {searchEscape(initial(l.LastName))},
			"given":              {searchEscape(initial(l.FirstName))},
			"birthdate":          {l.DOB},
			"address-postalcode": {l.ZIP},
		})
		for _, p := range all {
			if p.eligible() && p.sameDemographics(l) {
				found = append(found, p)
			}
		}
		return err
	})
	if err != nil {
		return "", fmt.Errorf("find: %w", err)
	}
	if len(found) != 1 {
		return "", fmt.Errorf("find: %d records: %w", len(found), remote.ErrNotFound)
	}
	mrn, ok := found[0].mrn(f.cfg.IdentifierSystem, f.now())
	if !ok {
		f.log.Warn().Msg("a record matched but has no single current identifier in finder.fhir.identifier_system; treated as no match")
		return "", fmt.Errorf("find: the record has no single MRN: %w", remote.ErrNotFound)
	}
	return mrn, nil
}

// Matches returns the MRNs of every record with that date of birth and
// ZIP (a Patient search in either mode); records without a single MRN,
// inactive or deceased are left out.
func (f *Finder) Matches(ctx context.Context, dob, zip string) ([]string, error) {
	dob, zip = strings.TrimSpace(dob), strings.TrimSpace(zip)
	if dob == "" || zip == "" {
		return nil, errors.New("fhir matches: needs a date of birth and a ZIP")
	}
	var mrns []string
	err := f.breaker.Do(ctx, func(ctx context.Context) error {
		all, err := f.search(ctx, url.Values{"birthdate": {dob}, "address-postalcode": {zip}})
		now := f.now()
		for _, p := range all {
			if !p.eligible() || p.BirthDate != dob || !p.hasZIP(zip) {
				continue
			}
			if mrn, ok := p.mrn(f.cfg.IdentifierSystem, now); ok && !slices.Contains(mrns, mrn) {
				mrns = append(mrns, mrn)
			}
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("matches: %w", err)
	}
	return mrns, nil
}

func trimmed(l remote.Lookup) remote.Lookup {
	l.FirstName, l.LastName = strings.TrimSpace(l.FirstName), strings.TrimSpace(l.LastName)
	l.DOB, l.ZIP = strings.TrimSpace(l.DOB), strings.TrimSpace(l.ZIP)
	return l
}
