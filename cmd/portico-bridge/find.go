package main

import (
	"net/http"

	"github.com/portico-chat/portico/flows"
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

// fold makes names comparable the way patients type them, by Portico's
// one rule (flows.FoldName).
func fold(s string) string { return flows.FoldName(s) }
