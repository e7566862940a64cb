package fhir

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/portico-chat/portico/connectors/directory/remote"
)

func TestFindByMatch(t *testing.T) {
	f := newFakeFHIR(t)
	fd := newFinder(t, f, func(c *Config) { c.Mode = ModeMatch })
	for _, tc := range findCases {
		t.Run(tc.name, func(t *testing.T) { checkFind(t, fd, tc.l, tc.want) })
	}
	if n := f.count("GET /fhir/Patient"); n != 0 {
		t.Errorf("match mode searched %d times, want 0", n)
	}
}

// TestMatchSendsParameters: the Parameters resource as R4's $match
// defines it, with the patient's details as typed.
func TestMatchSendsParameters(t *testing.T) {
	f := newFakeFHIR(t)
	fd := newFinder(t, f, func(c *Config) { c.Mode = ModeMatch })
	_, _ = fd.Find(context.Background(), lookup("Olivia", "Núñez-García", "1975-11-30", "10001"))
	f.mu.Lock()
	body := f.lastMatch
	f.mu.Unlock()
	params := map[string]map[string]any{}
	for _, p := range maps(body, "parameter") {
		params[str(p, "name")] = p
	}
	if len(params) != 3 {
		t.Fatalf("parameters %v: want resource, onlyCertainMatches and count", body)
	}
	if v, _ := params["onlyCertainMatches"]["valueBoolean"].(bool); !v {
		t.Errorf("onlyCertainMatches: got %v, want true", params["onlyCertainMatches"])
	}
	if v, _ := params["count"]["valueInteger"].(float64); v != 2 {
		t.Errorf("count: got %v, want 2", params["count"])
	}
	res, _ := params["resource"]["resource"].(map[string]any)
	name := maps(res, "name")
	addr := maps(res, "address")
	if str(res, "resourceType") != "Patient" || str(res, "birthDate") != "1975-11-30" ||
		len(name) != 1 || str(name[0], "family") != "Núñez-García" || strs(name[0], "given")[0] != "Olivia" ||
		len(addr) != 1 || str(addr[0], "postalCode") != "10001" {
		t.Errorf("resource: got %v", res)
	}
}

// TestMatchCountsOnlyCertainAnswers: a server's grades and scores, and
// the ways servers get $match wrong.
func TestMatchCountsOnlyCertainAnswers(t *testing.T) {
	olivia := lookup("Olivia", "Núñez-García", "1975-11-30", "10001")
	for _, tc := range []struct {
		name  string
		knobs matchKnobs
		l     remote.Lookup
		want  string
	}{
		{"graded certain", matchKnobs{}, olivia, "MRN-1002"},
		{"wrapped in Parameters", matchKnobs{wrap: true}, olivia, "MRN-1002"},
		{"graded probable, even scored 1", matchKnobs{grade: map[string]string{"olivia": "probable"}, score: map[string]float64{"olivia": 1}}, olivia, ""},
		{"graded possible", matchKnobs{grade: map[string]string{"olivia": "possible"}}, olivia, ""},
		{"no grade, scored 1", matchKnobs{noGrade: true}, olivia, "MRN-1002"},
		{"no grade, scored 0.9", matchKnobs{noGrade: true, score: map[string]float64{"olivia": 0.9}}, olivia, ""},
		{"certain, but of another birth date", matchKnobs{grade: map[string]string{"olivia": "certain"}},
			lookup("Olivia", "Núñez-García", "1975-11-03", "10001"), ""},
		{"a server returning both twins despite onlyCertainMatches", matchKnobs{ignoreOnlyCertain: true},
			lookup("Sam", "Twin", "2001-01-01", "30301"), ""},
		{"a server returning a probable beside the certain one", matchKnobs{ignoreOnlyCertain: true, grade: map[string]string{"ada": "probable"}},
			olivia, "MRN-1002"},
		{"a certain record that is inactive", matchKnobs{includeInactive: true, grade: map[string]string{"leo": "possible"}},
			lookup("Leo", "Park", "1990-05-06", "60601"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeFHIR(t)
			f.set(func(f *fakeFHIR) { f.match = tc.knobs })
			fd := newFinder(t, f, func(c *Config) { c.Mode = ModeMatch })
			checkFind(t, fd, tc.l, tc.want)
		})
	}
}

func TestCertain(t *testing.T) {
	one, half := 1.0, 0.5
	grade := func(code string) []extension { return []extension{{URL: matchGradeURL, ValueCode: code}} }
	for _, tc := range []struct {
		name string
		s    *entrySearch
		want bool
	}{
		{"no search element", nil, false},
		{"certain", &entrySearch{Extension: grade("certain")}, true},
		{"certain with a low score", &entrySearch{Extension: grade("certain"), Score: &half}, true},
		{"probable with score 1", &entrySearch{Extension: grade("probable"), Score: &one}, false},
		{"certainly-not", &entrySearch{Extension: grade("certainly-not")}, false},
		{"score 1 alone", &entrySearch{Score: &one}, true},
		{"score 0.5 alone", &entrySearch{Score: &half}, false},
		{"another extension only", &entrySearch{Extension: []extension{{URL: "http://example.org/x", ValueCode: "certain"}}}, false},
	} {
		if got := certain(tc.s); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestMatchModeErrorsAreUnavailable(t *testing.T) {
	f := newFakeFHIR(t)
	fd := newFinder(t, f, func(c *Config) { c.Mode = ModeMatch })
	f.set(func(f *fakeFHIR) { f.fail = func(*http.Request) int { return 422 } })
	_, err := fd.Find(context.Background(), lookup("Olivia", "Núñez-García", "1975-11-30", "10001"))
	if !errors.Is(err, remote.ErrUnavailable) {
		t.Errorf("got %v, want ErrUnavailable", err)
	}
}
