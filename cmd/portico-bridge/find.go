package main

import (
	"net/http"
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// findRequest is one of three lookups (docs/bridge.md, "find").
type findRequest struct {
	MRN       string `json:"mrn"`
	Username  string `json:"username"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	DOB       string `json:"dob"`
	ZIP       string `json:"zip"`
}

// find answers every record that matches, never just the first: Portico
// refuses an ambiguous match itself. The work does not depend on whether
// anything matches: every candidate is compared.
func (s *server) find(w http.ResponseWriter, r *http.Request) {
	var req findRequest
	if err := decode(r, &req); err != nil {
		s.fail(w, err)
		return
	}
	var (
		recs []record
		err  error
	)
	switch {
	case req.MRN != "":
		recs, err = s.store.where(r.Context(), `mrn = ?`, req.MRN)
	case req.Username != "" && req.DOB != "":
		recs, err = s.store.where(r.Context(), `username = ? AND dob = ?`, req.Username, req.DOB)
		recs = keep(recs, func(rec record) bool { return req.ZIP == "" || rec.ZIP == req.ZIP })
	case req.FirstName != "" && req.LastName != "" && req.DOB != "" && req.ZIP != "":
		recs, err = s.store.where(r.Context(), `dob = ? AND zip = ?`, req.DOB, req.ZIP)
		first, last := fold(req.FirstName), fold(req.LastName)
		recs = keep(recs, func(rec record) bool {
			// Both compared every time: no early exit on the first name.
			f, l := fold(rec.FirstName) == first, fold(rec.LastName) == last
			return f && l
		})
	default:
		err = errBadRequest("want mrn; or username and dob; or first_name, last_name, dob and zip")
	}
	if err != nil {
		s.fail(w, err)
		return
	}
	writeIDs(w, recs)
}

// matches answers every record with the date of birth and ZIP.
func (s *server) matches(w http.ResponseWriter, r *http.Request) {
	var req struct {
		DOB string `json:"dob"`
		ZIP string `json:"zip"`
	}
	if err := decode(r, &req); err != nil {
		s.fail(w, err)
		return
	}
	if req.DOB == "" || req.ZIP == "" {
		s.fail(w, errBadRequest("want dob and zip"))
		return
	}
	recs, err := s.store.where(r.Context(), `dob = ? AND zip = ?`, req.DOB, req.ZIP)
	if err != nil {
		s.fail(w, err)
		return
	}
	writeIDs(w, recs)
}

func writeIDs(w http.ResponseWriter, recs []record) {
	ids := make([]string, 0, len(recs))
	for _, rec := range recs {
		ids = append(ids, rec.ID)
	}
	writeJSON(w, http.StatusOK, map[string][]string{"ids": ids})
}

func keep(recs []record, ok func(record) bool) []record {
	var out []record
	for _, r := range recs {
		if ok(r) {
			out = append(out, r)
		}
	}
	return out
}

// fold makes names comparable the way patients type them: case, accents,
// spaces and punctuation ignored ("José Núñez-García" = "jose nunez garcia").
func fold(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, out)
}
