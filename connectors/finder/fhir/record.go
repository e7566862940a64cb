package fhir

import (
	"strings"
	"time"
	"unicode"

	"github.com/portico-chat/portico/connectors/directory/remote"
	"github.com/portico-chat/portico/flows"
)

// maxMRNLength bounds an identifier value Portico passes on as an MRN.
const maxMRNLength = 64

// Uses of names, addresses, identifiers and contacts that no longer
// apply (FHIR's "old").
const useOld = "old"

// eligible reports whether a record may be a living patient's current
// one: records marked inactive (merged away, entered in error) and
// deceased patients' records never find anyone, whatever else matches.
func (p patient) eligible() bool {
	if p.Active != nil && !*p.Active {
		return false
	}
	return !(p.DeceasedBoolean != nil && *p.DeceasedBoolean) && p.DeceasedDateTime == ""
}

// sameDemographics reports whether the record has the patient's date of
// birth (the whole date: a record with a year alone does not match), a
// current address with the ZIP, and a current name with both names as
// typed, ignoring case, accents, spaces and punctuation.
func (p patient) sameDemographics(l remote.Lookup) bool {
	return p.BirthDate == l.DOB && p.hasZIP(l.ZIP) && p.hasName(l.FirstName, l.LastName)
}

func (p patient) hasZIP(zip string) bool {
	for _, a := range p.Address {
		if a.Use != useOld && zip5(a.PostalCode) == zip {
			return true
		}
	}
	return false
}

// hasName: the family name folds alike, and the first name folds like
// the first given name or like all given names together ("Mary Ann" for
// given ["Mary", "Ann"]).
func (p patient) hasName(first, last string) bool {
	first, last = flows.FoldName(first), flows.FoldName(last)
	if first == "" || last == "" {
		return false
	}
	for _, n := range p.Name {
		if n.Use == useOld || flows.FoldName(n.Family) != last || len(n.Given) == 0 {
			continue
		}
		if flows.FoldName(n.Given[0]) == first || flows.FoldName(strings.Join(n.Given, "")) == first {
			return true
		}
	}
	return false
}

// zip5 reads a US postal code as its five-digit ZIP ("02139-4307" and
// "021394307" are "02139"); anything else is returned trimmed.
func zip5(s string) string {
	s = strings.TrimSpace(s)
	switch {
	case len(s) == 5 && digits(s),
		len(s) == 9 && digits(s),
		len(s) == 10 && s[5] == '-' && digits(s[:5]) && digits(s[6:]):
		return s[:5]
	}
	return s
}

func digits(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }) < 0
}

// mrn returns the record's one current identifier value in system: none,
// or two different ones, is no MRN (the directory cannot be asked by a
// guess).
func (p patient) mrn(system string, now time.Time) (string, bool) {
	found := ""
	for _, id := range p.Identifier {
		if id.System != system || id.Use == useOld || !current(id.Period, now) {
			continue
		}
		v := strings.TrimSpace(id.Value)
		if v == "" || len(v) > maxMRNLength || strings.IndexFunc(v, unicode.IsControl) >= 0 {
			continue
		}
		if found != "" && found != v {
			return "", false
		}
		found = v
	}
	return found, found != ""
}

// hasIdentifier reports whether the record carries value in system, in
// an identifier not marked old.
func (p patient) hasIdentifier(system, value string) bool {
	for _, id := range p.Identifier {
		if id.System == system && id.Use != useOld && strings.TrimSpace(id.Value) == value {
			return true
		}
	}
	return false
}

// initial is a typed name's first letter, without its accent and in
// capitals ("N" for "núñez"). Portico searches by initials, date of birth
// and ZIP, and compares the whole names itself: a FHIR string search
// matches the start of a name ignoring case and accents, but not
// punctuation or spaces, so a longer prefix would miss "OBrien" typed
// for "O'Brien" or "Mary Ann" for "Maryann". Those details narrow the
// answer to the patient and the few who share their birthday, ZIP and
// initials.
func initial(name string) string {
	for _, r := range flows.FoldName(name) {
		return strings.ToUpper(string(r))
	}
	return ""
}
