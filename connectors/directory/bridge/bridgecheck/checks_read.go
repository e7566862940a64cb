package bridgecheck

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/portico-chat/portico/connectors/directory/bridge"
	"github.com/portico-chat/portico/connectors/directory/remote"
)

// idsFor sends a find or matches request and decodes the IDs it answers.
func (s *suite) idsFor(ctx context.Context, path string, req any) ([]string, answer, error) {
	a, err := s.p.send(ctx, http.MethodPost, path, req, nil)
	if err != nil || a.status != http.StatusOK {
		return nil, a, err
	}
	var out bridge.IDs
	if err := json.Unmarshal(a.body, &out); err != nil || out.IDs == nil {
		return nil, a, fmt.Errorf("answer is not {\"ids\": [...]}")
	}
	return out.IDs, a, nil
}

// expectIDs records whether a find or matches answered exactly want (in
// any order).
func (s *suite) expectIDs(ctx context.Context, op, check, path string, req any, want []string) {
	got, a, err := s.idsFor(ctx, path, req)
	switch {
	case err != nil:
		s.failf(op, check, "%v", err)
	case a.status != http.StatusOK:
		s.failf(op, check, "got %s, want 200", a)
	case !sameSet(got, want):
		s.failf(op, check, "got %d IDs %v, want %v", len(got), got, want)
	default:
		s.pass(op, check)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// find looks every fixture record up by MRN (which gives the IDs the rest
// of the run uses), then by names and by username.
func (s *suite) find(ctx context.Context) {
	s.ids = map[string]string{}
	for _, p := range s.fx.Records() {
		check := fmt.Sprintf("find by MRN %s answers one ID", p.MRN)
		got, a, err := s.idsFor(ctx, bridge.PathFind, bridge.FindRequest{MRN: p.MRN})
		switch {
		case err != nil:
			s.failf(OpFind, check, "%v", err)
		case a.status != http.StatusOK:
			s.failf(OpFind, check, "got %s, want 200", a)
		case len(got) != 1:
			s.failf(OpFind, check, "got %d IDs, want 1 (is the fixture loaded?)", len(got))
		default:
			s.pass(OpFind, check)
			s.ids[p.MRN] = got[0]
		}
	}
	act, ok := s.ids[s.fx.Active.MRN]
	if !ok {
		s.skip(OpFind, "find by names and by username", "the active fixture record was not found by MRN")
		return
	}
	a := s.fx.Active
	cases := []struct {
		check string
		req   bridge.FindRequest
		want  []string
	}{
		{"find by first name, last name, DOB and ZIP", bridge.FindRequest{FirstName: a.FirstName, LastName: a.LastName, DOB: a.DOB, ZIP: a.ZIP}, []string{act}},
		{"names match ignoring case, spaces and punctuation",
			bridge.FindRequest{FirstName: strings.ToUpper(a.FirstName), LastName: strings.ToLower(strings.ReplaceAll(a.LastName, "-", " ")), DOB: a.DOB, ZIP: a.ZIP}, []string{act}},
		{"find by username and DOB", bridge.FindRequest{Username: a.Username, DOB: a.DOB}, []string{act}},
		{"usernames match ignoring case", bridge.FindRequest{Username: strings.ToUpper(a.Username), DOB: a.DOB}, []string{act}},
		{"a wrong DOB finds nothing (200 with no IDs)", bridge.FindRequest{FirstName: a.FirstName, LastName: a.LastName, DOB: "1901-02-04", ZIP: a.ZIP}, []string{}},
		{"a username with a wrong DOB finds nothing", bridge.FindRequest{Username: a.Username, DOB: "1901-02-04"}, []string{}},
		{"two records with the same details are both answered (never just the first)",
			bridge.FindRequest{FirstName: s.fx.TwinA.FirstName, LastName: s.fx.TwinA.LastName, DOB: s.fx.TwinA.DOB, ZIP: s.fx.TwinA.ZIP},
			[]string{s.ids[s.fx.TwinA.MRN], s.ids[s.fx.TwinB.MRN]}},
	}
	for _, c := range cases {
		s.expectIDs(ctx, OpFind, c.check, bridge.PathFind, c.req, c.want)
	}
	ans, err := s.p.send(ctx, http.MethodPost, bridge.PathFind, map[string]string{}, nil)
	s.expect(OpFind, "an empty lookup is refused with 400", ans, err, http.StatusBadRequest, bridge.CodeBadRequest)
}

// matches answers every record with the DOB and ZIP: the whole fixture.
func (s *suite) matches(ctx context.Context) {
	var all []string
	for _, p := range s.fx.Records() {
		if id, ok := s.ids[p.MRN]; ok {
			all = append(all, id)
		}
	}
	if len(all) != len(s.fx.Records()) {
		s.skip(OpMatches, "matches answers every record with the DOB and ZIP", "not every fixture record was found by MRN")
	} else {
		s.expectIDs(ctx, OpMatches, "matches answers every record with the DOB and ZIP", bridge.PathMatches,
			bridge.MatchesRequest{DOB: s.fx.Active.DOB, ZIP: s.fx.Active.ZIP}, all)
	}
	s.expectIDs(ctx, OpMatches, "a DOB and ZIP of nobody answers no IDs", bridge.PathMatches,
		bridge.MatchesRequest{DOB: "1901-02-04", ZIP: s.fx.Active.ZIP}, []string{})
}

// record returns the ID of a fixture record, or skips the check.
func (s *suite) record(op, check string, p Person) (string, bool) {
	id, ok := s.ids[p.MRN]
	if !ok {
		s.skip(op, check, fmt.Sprintf("fixture record %s was not found", p.MRN))
	}
	return id, ok
}

func recordPath(id, suffix string) string {
	return "/records/" + url.PathEscape(id) + suffix
}

// getJSON GETs a record's sub-resource into v.
func (s *suite) getJSON(ctx context.Context, op, check, id, suffix string, v any) bool {
	a, err := s.p.send(ctx, http.MethodGet, recordPath(id, suffix), nil, nil)
	if err != nil || a.status != http.StatusOK {
		s.expect(op, check, a, err, http.StatusOK)
		return false
	}
	if err := json.Unmarshal(a.body, v); err != nil {
		s.failf(op, check, "answer is not the documented JSON: %v", err)
		return false
	}
	return true
}

func (s *suite) contacts(ctx context.Context) {
	const check = "contacts answers the email and the E.164 phone on file"
	if id, ok := s.record(OpContacts, check, s.fx.Active); ok {
		var c bridge.ContactsAnswer
		if s.getJSON(ctx, OpContacts, check, id, "/contacts", &c) {
			phone, e164 := remote.NormalizePhone(c.Phone)
			switch {
			case c.Email != s.fx.Active.Email:
				s.failf(OpContacts, check, "email: got %q, want %q", c.Email, s.fx.Active.Email)
			case !e164 || phone != c.Phone:
				s.failf(OpContacts, check, "phone %q is not E.164 (+ and 8 to 15 digits)", c.Phone)
			case c.Phone != s.fx.Active.Phone:
				s.failf(OpContacts, check, "phone: got %q, want %q", c.Phone, s.fx.Active.Phone)
			default:
				s.pass(OpContacts, check)
			}
		}
	}
	a, err := s.p.send(ctx, http.MethodGet, recordPath(noSuchRecord, "/contacts"), nil, nil)
	s.expect(OpContacts, "an unknown record answers 404 not_found", a, err, http.StatusNotFound, bridge.CodeNotFound)
}

func (s *suite) account(ctx context.Context) {
	for _, c := range []struct {
		p    Person
		want string
	}{
		{s.fx.Active, "active"}, {s.fx.Pending, "pending"}, {s.fx.Locked, "locked"}, {s.fx.Disabled, "disabled"},
	} {
		check := fmt.Sprintf("account of the %s record answers its username and status %s", c.want, c.want)
		id, ok := s.record(OpAccount, check, c.p)
		if !ok {
			continue
		}
		var acc bridge.AccountAnswer
		if !s.getJSON(ctx, OpAccount, check, id, "/account", &acc) {
			continue
		}
		switch {
		case acc.Status != c.want && (c.want == "pending" || c.want == "locked") && acc.Status == "active":
			s.skip(OpAccount, check, "it is active: changed by an earlier run? load the fixture again")
		case acc.Status != c.want:
			s.failf(OpAccount, check, "status: got %q, want %q", acc.Status, c.want)
		case !strings.EqualFold(acc.Username, c.p.Username):
			s.failf(OpAccount, check, "username: got %q, want %q", acc.Username, c.p.Username)
		default:
			s.pass(OpAccount, check)
		}
	}
	a, err := s.p.send(ctx, http.MethodGet, recordPath(noSuchRecord, "/account"), nil, nil)
	s.expect(OpAccount, "an unknown record answers 404 not_found", a, err, http.StatusNotFound, bridge.CodeNotFound)
}

func (s *suite) usernameCheck(ctx context.Context) {
	act, okA := s.ids[s.fx.Active.MRN]
	pend, okP := s.ids[s.fx.Pending.MRN]
	if !okA || !okP {
		s.skip(OpUsername, "username checks", "the active or pending fixture record was not found")
		return
	}
	cases := []struct {
		check  string
		id     string
		name   string
		status int
		code   string
	}{
		{"a record may keep its own username", act, s.fx.Active.Username, http.StatusNoContent, ""},
		{"another record's username is refused as username_taken", pend, s.fx.Active.Username, http.StatusUnprocessableEntity, remote.ReasonUsernameTaken},
		{"…also in other letter case", pend, strings.ToUpper(s.fx.Active.Username), http.StatusUnprocessableEntity, remote.ReasonUsernameTaken},
		{"a username with a space is refused as username_format", pend, "has space", http.StatusUnprocessableEntity, remote.ReasonUsernameFormat},
		{"an unknown record answers 404", noSuchRecord, "free.name", http.StatusNotFound, bridge.CodeNotFound},
	}
	for _, c := range cases {
		a, err := s.p.send(ctx, http.MethodPost, recordPath(c.id, "/username-check"), bridge.UsernameRequest{Username: c.name}, nil)
		if c.code == "" {
			s.expect(OpUsername, c.check, a, err, c.status)
		} else {
			s.expect(OpUsername, c.check, a, err, c.status, c.code)
		}
	}
}
