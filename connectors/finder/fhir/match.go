package fhir

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/portico-chat/portico/connectors/directory/remote"
)

// matchGradeURL is the extension on Bundle.entry.search in which a
// $match answer grades each record: certain, probable, possible or
// certainly-not.
const matchGradeURL = "http://hl7.org/fhir/StructureDefinition/match-grade"

// matchCount is $match's count: two, so that a server that finds two
// certain records (which it should not return with onlyCertainMatches)
// shows the ambiguity instead of hiding it.
const matchCount = 2

// match asks POST [base]/Patient/$match with the patient's details and
// onlyCertainMatches=true, and returns the records the server graded
// certain that are eligible and have the patient's date of birth. Two
// certain answers are both returned, for the caller to refuse.
func (f *Finder) match(ctx context.Context, l remote.Lookup) ([]patient, error) {
	resource, err := json.Marshal(patient{
		ResourceType: "Patient",
		Name:         []humanName{{Family: l.LastName, Given: []string{l.FirstName}}},
		BirthDate:    l.DOB,
		Address:      []address{{PostalCode: l.ZIP}},
	})
	if err != nil {
		return nil, fmt.Errorf("fhir $match: encode: %w", err)
	}
	yes, count := true, matchCount
	body, err := json.Marshal(parameters{ResourceType: "Parameters", Parameter: []parameter{
		{Name: "resource", Resource: resource},
		{Name: "onlyCertainMatches", ValueBoolean: &yes},
		{Name: "count", ValueInteger: &count},
	}})
	if err != nil {
		return nil, fmt.Errorf("fhir $match: encode: %w", err)
	}
	r := request{method: http.MethodPost, path: "/Patient/$match", target: f.cfg.base.String() + "/Patient/$match", body: body}
	_, entries, err := f.bundle(ctx, r)
	if err != nil {
		return nil, err
	}
	var certainOnes []patient
	for _, e := range entries {
		if certain(e.search) && e.eligible() {
			certainOnes = append(certainOnes, e.patient)
		}
	}
	if len(certainOnes) == 1 && certainOnes[0].BirthDate != l.DOB {
		return nil, nil // the index is sure, but not of this date of birth
	}
	return certainOnes, nil
}

// certain reports whether a $match answer is a certain match: graded
// "certain" by the match-grade extension or, from a server that gives no
// grade, scored 1 (R4 Patient $match: "1 is the most certain match").
// A grade other than certain is never overridden by the score.
func certain(s *entrySearch) bool {
	if s == nil {
		return false
	}
	for _, e := range s.Extension {
		if e.URL == matchGradeURL {
			return e.ValueCode == "certain"
		}
	}
	return s.Score != nil && *s.Score >= 1
}
