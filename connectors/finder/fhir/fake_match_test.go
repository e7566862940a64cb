package fhir

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Plain-map access for the fake, which reads patients as JSON maps.

func str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

func maps(m map[string]any, key string) []map[string]any {
	var out []map[string]any
	list, _ := m[key].([]any)
	for _, v := range list {
		if mm, ok := v.(map[string]any); ok {
			out = append(out, mm)
		}
	}
	return out
}

func strs(m map[string]any, key string) []string {
	var out []string
	list, _ := m[key].([]any)
	for _, v := range list {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// searchNorm is how R4 compares strings in a search: case and accents
// ignored (punctuation kept), as HAPI's normalised index does.
func searchNorm(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, _ := transform.String(t, s)
	return strings.ToUpper(strings.TrimSpace(out))
}

// searchMatches applies R4's search semantics for the parameters the
// fake knows.
func searchMatches(p map[string]any, q url.Values) bool {
	prefix := func(values []string, param string) bool {
		for _, v := range values {
			if strings.HasPrefix(searchNorm(v), searchNorm(param)) {
				return true
			}
		}
		return false
	}
	for name, vals := range q {
		v := vals[0]
		var ok bool
		switch name {
		case "_count":
			ok = true
		case "family", "given":
			var values []string
			for _, n := range maps(p, "name") {
				if name == "family" {
					values = append(values, str(n, "family"))
				} else {
					values = append(values, strs(n, "given")...)
				}
			}
			ok = prefix(values, v)
		case "birthdate":
			// eq: the record's (possibly partial) date contains the day.
			bd := str(p, "birthDate")
			ok = bd != "" && strings.HasPrefix(v, bd)
		case "address-postalcode":
			var values []string
			for _, a := range maps(p, "address") {
				values = append(values, str(a, "postalCode"))
			}
			ok = prefix(values, v)
		case "identifier":
			system, value, _ := strings.Cut(v, "|")
			unescape := strings.NewReplacer(`\|`, `|`, `\,`, `,`, `\$`, `$`, `\\`, `\`)
			for _, id := range maps(p, "identifier") {
				if str(id, "system") == unescape.Replace(system) && str(id, "value") == unescape.Replace(value) {
					ok = true
				}
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// matchKnobs make the fake's $match misbehave the ways servers do.
type matchKnobs struct {
	ignoreOnlyCertain bool              // returns probable and several certain records anyway
	noGrade           bool              // scores without the match-grade extension
	wrap              bool              // answers Parameters with the Bundle as "return"
	includeInactive   bool              // grades records marked inactive too (an index links them away)
	grade             map[string]string // record id → forced grade
	score             map[string]float64
}

// operation answers POST /fhir/Patient/$match like a simple master
// patient index: each of family, first given name, birth date and ZIP
// that agrees adds a quarter to the score; all four are certain, three
// probable, two possible.
func (f *fakeFHIR) operation(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("op") != "$match" {
		writeOutcome(w, http.StatusNotFound, "not-supported", "unknown operation")
		return
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), fhirJSON) {
		writeOutcome(w, http.StatusUnsupportedMediaType, "not-supported", "want application/fhir+json")
		return
	}
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || str(body, "resourceType") != "Parameters" {
		writeOutcome(w, http.StatusBadRequest, "structure", "want a Parameters resource")
		return
	}
	var query map[string]any
	onlyCertain, count := false, 0
	for _, p := range maps(body, "parameter") {
		switch str(p, "name") {
		case "resource":
			query, _ = p["resource"].(map[string]any)
		case "onlyCertainMatches":
			onlyCertain, _ = p["valueBoolean"].(bool)
		case "count":
			c, _ := p["valueInteger"].(float64)
			count = int(c)
		}
	}
	if query == nil || str(query, "resourceType") != "Patient" {
		writeOutcome(w, http.StatusUnprocessableEntity, "required", "the resource parameter must be a Patient")
		return
	}
	f.mu.Lock()
	f.lastMatch = body
	knobs, patients := f.match, f.patients
	f.mu.Unlock()

	type graded struct {
		p     map[string]any
		score float64
		grade string
	}
	var results []graded
	for _, p := range patients {
		if active, ok := p["active"].(bool); ok && !active && !knobs.includeInactive {
			continue
		}
		score := agreement(query, p)
		grade := map[float64]string{1: "certain", 0.75: "probable", 0.5: "possible"}[score]
		if g, ok := knobs.grade[str(p, "id")]; ok {
			grade = g
		}
		if s, ok := knobs.score[str(p, "id")]; ok {
			score = s
		}
		if grade != "" {
			results = append(results, graded{p, score, grade})
		}
	}
	sort.SliceStable(results, func(i, j int) bool { return results[i].score > results[j].score })
	if onlyCertain && !knobs.ignoreOnlyCertain {
		var certain []graded
		for _, g := range results {
			if g.grade == "certain" {
				certain = append(certain, g)
			}
		}
		results = nil
		if len(certain) == 1 { // several certain: none returned (R4 $match)
			results = certain
		}
	}
	if count > 0 && len(results) > count {
		results = results[:count]
	}
	var entries []any
	for _, g := range results {
		search := map[string]any{"mode": "match", "score": g.score}
		if !knobs.noGrade {
			search["extension"] = []any{map[string]any{"url": matchGradeURL, "valueCode": g.grade}}
		}
		entries = append(entries, map[string]any{"fullUrl": f.base() + "/Patient/" + str(g.p, "id"), "resource": g.p, "search": search})
	}
	out := map[string]any{"resourceType": "Bundle", "id": randomHex(8), "type": "searchset", "total": len(entries), "entry": entries}
	if knobs.wrap {
		writeJSON(w, http.StatusOK, map[string]any{"resourceType": "Parameters",
			"parameter": []any{map[string]any{"name": "return", "resource": out}}})
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// agreement is the fraction of the four details on which query and
// record agree (names folded as an index does: letters and digits only).
func agreement(query, p map[string]any) float64 {
	fold := func(s string) string {
		return strings.Map(func(r rune) rune {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				return r
			}
			return -1
		}, searchNorm(s))
	}
	qn := maps(query, "name")
	qa := maps(query, "address")
	if len(qn) == 0 || len(qa) == 0 || len(strs(qn[0], "given")) == 0 {
		return 0
	}
	family, given, zip := fold(str(qn[0], "family")), fold(strs(qn[0], "given")[0]), str(qa[0], "postalCode")
	var agree float64
	var famOK, givenOK, zipOK bool
	for _, n := range maps(p, "name") {
		famOK = famOK || fold(str(n, "family")) == family
		g := strs(n, "given")
		givenOK = givenOK || len(g) > 0 && fold(g[0]) == given
	}
	for _, a := range maps(p, "address") {
		zipOK = zipOK || strings.HasPrefix(str(a, "postalCode"), zip)
	}
	for _, ok := range []bool{famOK, givenOK, str(p, "birthDate") == str(query, "birthDate"), zipOK} {
		if ok {
			agree += 0.25
		}
	}
	return agree
}
