package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portico-chat/portico/connectors/directory/ldap/slapdtest"
	"github.com/portico-chat/portico/connectors/notify/smtptest"
)

// The FHIR record finder in front of a directory, through the whole
// product: the patient's demographics find their MRN on a FHIR R4 server
// (a small fake answering searchset Bundles), and the directory is asked
// by that MRN.

const fhirMRNSystem = "urn:oid:1.2.36.146.595.217.0.1"

// fhirPatient is a Patient resource as a US Core server sends one.
func fhirPatient(id, mrn, given, family, dob, zip string) map[string]any {
	return map[string]any{
		"resourceType": "Patient", "id": id, "active": true,
		"identifier": []any{map[string]any{"use": "usual", "system": fhirMRNSystem, "value": mrn,
			"type": map[string]any{"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}}}}},
		"name":      []any{map[string]any{"use": "official", "family": family, "given": []any{given}}},
		"birthDate": dob,
		"address":   []any{map[string]any{"use": "home", "line": []any{"1 Main St"}, "city": "Cambridge", "state": "MA", "postalCode": zip}},
	}
}

// fakeFHIR answers GET /Patient searches (family and given by prefix,
// birthdate exactly, address-postalcode by prefix) with searchset Bundles.
type fakeFHIR struct {
	srv      *httptest.Server
	patients []map[string]any
	searches atomic.Int64
	delayHit time.Duration // answers with a record are slowed this much
}

func startFHIR(t *testing.T, patients ...map[string]any) *fakeFHIR {
	f := &fakeFHIR{patients: patients}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeFHIR) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && r.URL.Path == "/fhir/metadata" {
		w.Header().Set("Content-Type", "application/fhir+json")
		http.ServeFile(w, r, "../../connectors/finder/fhir/testdata/metadata.json")
		return
	}
	if r.Method != http.MethodGet || r.URL.Path != "/fhir/Patient" {
		w.Header().Set("Content-Type", "application/fhir+json")
		w.WriteHeader(http.StatusNotFound)
		json.NewEncoder(w).Encode(map[string]any{"resourceType": "OperationOutcome",
			"issue": []any{map[string]any{"severity": "error", "code": "not-found"}}})
		return
	}
	f.searches.Add(1)
	q := r.URL.Query()
	prefix := func(s, p string) bool { return p == "" || strings.HasPrefix(strings.ToLower(s), strings.ToLower(p)) }
	var entries []any
	for _, p := range f.patients {
		name := p["name"].([]any)[0].(map[string]any)
		zip := p["address"].([]any)[0].(map[string]any)["postalCode"].(string)
		if !prefix(name["family"].(string), q.Get("family")) || !prefix(name["given"].([]any)[0].(string), q.Get("given")) ||
			(q.Get("birthdate") != "" && p["birthDate"] != q.Get("birthdate")) || !prefix(zip, q.Get("address-postalcode")) {
			continue
		}
		if id := q.Get("identifier"); id != "" {
			ident := p["identifier"].([]any)[0].(map[string]any)
			if id != ident["system"].(string)+"|"+ident["value"].(string) {
				continue
			}
		}
		entries = append(entries, map[string]any{"fullUrl": f.srv.URL + "/fhir/Patient/" + p["id"].(string),
			"resource": p, "search": map[string]any{"mode": "match"}})
	}
	if len(entries) > 0 && f.delayHit > 0 {
		time.Sleep(f.delayHit)
	}
	w.Header().Set("Content-Type", "application/fhir+json")
	json.NewEncoder(w).Encode(map[string]any{"resourceType": "Bundle", "type": "searchset", "total": len(entries),
		"link": []any{map[string]any{"relation": "self", "url": f.srv.URL + r.URL.String()}}, "entry": entries})
}

func fhirKeys(f *fakeFHIR, extra map[string]string) map[string]string {
	keys := map[string]string{
		"finder.driver":                 "fhir",
		"finder.fhir.url":               f.srv.URL + "/fhir",
		"finder.fhir.auth":              "none",
		"finder.fhir.identifier_system": fhirMRNSystem,
		"directory.min_latency":         "20ms",
	}
	for k, v := range extra {
		keys[k] = v
	}
	return keys
}

// TestFHIRFinderInFrontOfLocal: the EHR knows Olivia at her new ZIP,
// which the local directory does not: she is found by the FHIR record's
// MRN and resets her password; a patient the EHR does not know is a
// no-match like any other.
func TestFHIRFinderInFrontOfLocal(t *testing.T) {
	f := startFHIR(t, fhirPatient("p1", "DEMO-1011", "Olivia", "Activeuser", "1985-05-17", "02140"))
	mail := smtptest.Start(t)
	app := startApp(t, directoryKeys(mail, fhirKeys(f, nil)))
	if !strings.Contains(app.Logs.String(), `"finder":"fhir `) {
		t.Errorf("start-up log does not name the finder")
	}
	p := resetTo(t, app, mail, "Olivia", "Activeuser", "05/17/1985", "02140", "olivia.active@example.org")
	wantStatus(t, p.say("tulip harbor seven lanterns"), "closed", "resolved")
	if got := postSignIn(t, app.URL, "olivia.active", "tulip harbor seven lanterns"); got != http.StatusSeeOther {
		t.Errorf("sign-in with the new password: status %d, want 303", got)
	}
	if f.searches.Load() == 0 {
		t.Errorf("the FHIR server was never asked")
	}

	config := writeConfig(t, t.TempDir()+"/check.db", fhirKeys(f, nil))
	if out, err := runWith(t, config, "finder", "check"); err != nil || !strings.Contains(out, "supports search mode") {
		t.Errorf("finder check: %v\n%s", err, out)
	}
}

// TestFHIRFinderInFrontOfLDAP: the FHIR record's MRN finds the slapd
// entry; the reset is proved by a bind.
func TestFHIRFinderInFrontOfLDAP(t *testing.T) {
	s := slapdtest.Start(t, slapdtest.Options{})
	f := startFHIR(t, fhirPatient("p1", oliviaMRN, "Olivia", "Activeuser", "1985-05-17", "02140"))
	mail := smtptest.Start(t)
	app := startApp(t, directoryKeys(mail, ldapKeys(s.URL, fhirKeys(f, nil))))
	p := resetTo(t, app, mail, "Olivia", "Activeuser", "05/17/1985", "02140", "olivia.active@example.org")
	wantStatus(t, p.say("tulip harbor seven lanterns glow"), "closed", "resolved")
	if err := s.Bind(slapdtest.PatientDN(oliviaMRN), "tulip harbor seven lanterns glow"); err != nil {
		t.Errorf("bind with the new password: %v", err)
	}
}

// TestFHIREnumerationTiming: a FHIR server answering a search that finds
// the patient 40ms slower than one that does not cannot be told apart
// through the product (the directory behind it is the local one).
func TestFHIREnumerationTiming(t *testing.T) {
	if testing.Short() {
		t.Skip("timing")
	}
	f := startFHIR(t, fhirPatient("p1", "DEMO-1011", "Olivia", "Activeuser", "1985-05-17", "02139"))
	f.delayHit = 40 * time.Millisecond
	mail := smtptest.Start(t)
	olivia := [4]string{"Olivia", "Activeuser", "05/17/1985", "02139"}
	nobody := [4]string{"Nobody", "Notapatient", "01/01/1970", "99999"}
	bare := startApp(t, directoryKeys(mail, fhirKeys(f, map[string]string{"directory.min_latency": "0"})))
	bareHit, bareMiss := timeTurns(t, bare, 5, olivia, nobody)
	if hit, miss := bareHit, bareMiss; hit-miss < 30*time.Millisecond {
		t.Fatalf("unpadded: hit %v, miss %v; want the hit 40ms slower", hit, miss)
	}
	// The floor must cover the slower path, also on a loaded machine.
	floor := max(150*time.Millisecond, 2*bareHit)
	app := startApp(t, directoryKeys(mail, fhirKeys(f, map[string]string{"directory.min_latency": floor.String()})))
	checkTiming(t, app, olivia, nobody, floor, 15*time.Millisecond)
}
