package fhir

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// mrnSystem is the identifier system of the test server's MRNs.
const mrnSystem = "urn:oid:1.2.36.146.595.217.0.1"

// fakeFHIR is a FHIR R4 server as the finder meets one: Patient search
// with R4's string, date and token semantics (a name or postal code
// matches by prefix ignoring case and accents; a birth date matches when
// the record's date contains the day asked; identifier is system|value),
// paging through HAPI-style next links, a graded Patient/$match, errors
// as OperationOutcome with 4xx and 5xx, the CapabilityStatement, and a
// SMART token endpoint that verifies client assertions
// (fake_smart_test.go). Its patients are testdata/patients.json read as
// plain maps: the fake shares no type with the finder.
type fakeFHIR struct {
	t     *testing.T
	srv   *httptest.Server
	smart *fakeSMART

	mu        sync.Mutex
	patients  []map[string]any
	auth      string // none, bearer or smart
	bearer    string
	requests  map[string]int // route → count
	pages     map[string][]map[string]any
	lastQuery url.Values
	lastMatch map[string]any // the last $match body
	lastAuth  string
	// Knobs a test may set.
	delay       func(r *http.Request) time.Duration
	fail        func(r *http.Request) int // forced status with an OperationOutcome, 0 for none
	unsupported map[string]bool           // search parameters the server does not know
	nextOrigin  string                    // replaces the origin of next links (a misconfigured proxy)
	match       matchKnobs
}

func newFakeFHIR(t *testing.T) *fakeFHIR {
	t.Helper()
	data, err := os.ReadFile("testdata/patients.json")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeFHIR{t: t, auth: AuthNone, requests: map[string]int{}, pages: map[string][]map[string]any{}, unsupported: map[string]bool{}}
	if err := json.Unmarshal(data, &f.patients); err != nil {
		t.Fatal(err)
	}
	f.smart = newFakeSMART(f)
	f.srv = httptest.NewServer(f.handler())
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeFHIR) base() string { return f.srv.URL + "/fhir" }

func (f *fakeFHIR) config() Config {
	return Config{URL: f.base(), Auth: AuthNone, IdentifierSystem: mrnSystem, Timeout: 2 * time.Second}
}

// newFinder starts the finder against the fake; change adjusts the
// config.
func newFinder(t *testing.T, f *fakeFHIR, change func(*Config)) *Finder {
	t.Helper()
	cfg := f.config()
	if change != nil {
		change(&cfg)
	}
	fd, err := New(cfg, zerolog.Nop())
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return fd
}

// add stores another patient.
func (f *fakeFHIR) add(p map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.patients = append(f.patients, p)
}

func (f *fakeFHIR) count(route string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests[route]
}

func (f *fakeFHIR) set(change func(f *fakeFHIR)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	change(f)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", fhirJSON+";charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeOutcome answers an OperationOutcome. Its diagnostics quote the
// request back, as real servers do: the finder must not log them.
func writeOutcome(w http.ResponseWriter, status int, code, diagnostics string) {
	writeJSON(w, status, map[string]any{
		"resourceType": "OperationOutcome",
		"text":         map[string]any{"status": "generated", "div": `<div xmlns="http://www.w3.org/1999/xhtml">` + diagnostics + `</div>`},
		"issue": []any{map[string]any{
			"severity": "error", "code": code, "diagnostics": diagnostics,
			"details": map[string]any{"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/operation-outcome", "code": "MSG_PARAM_UNKNOWN"}}},
		}},
	})
}

// handler routes the fake's endpoints behind delays, forced failures and
// the access-token check.
func (f *fakeFHIR) handler() http.Handler {
	mux := http.NewServeMux()
	for pattern, h := range map[string]http.HandlerFunc{
		"GET /fhir/Patient":                         f.search,
		"GET /fhir":                                 f.page,
		"POST /fhir/Patient/{op}":                   f.operation,
		"GET /fhir/metadata":                        f.metadata,
		"GET /fhir/.well-known/smart-configuration": f.smart.configuration,
		"POST /auth/token":                          f.smart.token,
	} {
		mux.Handle(pattern, f.wrap(pattern, h))
	}
	return mux
}

func (f *fakeFHIR) wrap(pattern string, h http.HandlerFunc) http.Handler {
	public := pattern == "GET /fhir/metadata" || strings.Contains(pattern, "well-known") || strings.Contains(pattern, "token")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.requests[pattern]++
		f.lastAuth = r.Header.Get("Authorization")
		delay, fail := f.delay, f.fail
		f.mu.Unlock()
		if delay != nil {
			select {
			case <-time.After(delay(r)):
			case <-r.Context().Done():
				return
			}
		}
		if fail != nil {
			if status := fail(r); status != 0 {
				writeOutcome(w, status, "exception", "forced failure for "+r.URL.RawQuery)
				return
			}
		}
		if !public && !f.authorized(r) {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			writeOutcome(w, http.StatusUnauthorized, "login", "the access token is missing, unknown or expired")
			return
		}
		h(w, r)
	})
}

func (f *fakeFHIR) authorized(r *http.Request) bool {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	f.mu.Lock()
	auth, bearer := f.auth, f.bearer
	f.mu.Unlock()
	switch auth {
	case AuthBearer:
		return ok && token == bearer
	case AuthSMART:
		return ok && f.smart.valid(token)
	}
	return true
}

func (f *fakeFHIR) metadata(w http.ResponseWriter, _ *http.Request) {
	data, err := os.ReadFile("testdata/metadata.json")
	if err != nil {
		f.t.Error(err)
	}
	w.Header().Set("Content-Type", fhirJSON)
	_, _ = w.Write(data)
}

// searchParams are the Patient search parameters the fake knows.
var searchParams = map[string]bool{"family": true, "given": true, "birthdate": true, "address-postalcode": true, "identifier": true, "_count": true}

func (f *fakeFHIR) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f.mu.Lock()
	f.lastQuery = q
	unsupported := f.unsupported
	patients := f.patients
	f.mu.Unlock()
	strict := r.Header.Get("Prefer") == "handling=strict"
	for name, v := range q {
		if searchParams[name] && !unsupported[name] {
			continue
		}
		if strict {
			writeOutcome(w, http.StatusBadRequest, "not-supported",
				fmt.Sprintf("Unknown search parameter %q for resource type Patient (value %q)", name, v))
			return
		}
		q.Del(name) // lenient: ignored, as R4 allows
	}
	var results []map[string]any
	for _, p := range patients {
		if searchMatches(p, q) {
			results = append(results, p)
		}
	}
	count, _ := strconv.Atoi(q.Get("_count"))
	if count <= 0 {
		count = 20
	}
	f.writePage(w, results, count, 0)
}

// page answers a next link: GET /fhir?_getpages=…&_getpagesoffset=….
func (f *fakeFHIR) page(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f.mu.Lock()
	results, ok := f.pages[q.Get("_getpages")]
	f.mu.Unlock()
	offset, _ := strconv.Atoi(q.Get("_getpagesoffset"))
	count, _ := strconv.Atoi(q.Get("_count"))
	if !ok || count <= 0 {
		writeOutcome(w, http.StatusGone, "not-found", "search results expired")
		return
	}
	f.writePage(w, results, count, offset)
}

// writePage answers one page of a searchset, with a next link when more
// follow and an informational OperationOutcome entry, as HAPI sends.
func (f *fakeFHIR) writePage(w http.ResponseWriter, results []map[string]any, count, offset int) {
	end := min(offset+count, len(results))
	entries := []any{map[string]any{
		"resource": map[string]any{"resourceType": "OperationOutcome", "issue": []any{map[string]any{
			"severity": "information", "code": "informational", "diagnostics": "search processed"}}},
		"search": map[string]any{"mode": "outcome"},
	}}
	for _, p := range results[offset:end] {
		entries = append(entries, map[string]any{
			"fullUrl": f.base() + "/Patient/" + str(p, "id"), "resource": p, "search": map[string]any{"mode": "match"},
		})
	}
	links := []any{map[string]any{"relation": "self", "url": f.base() + "/Patient"}}
	if end < len(results) {
		id := randomHex(8)
		f.mu.Lock()
		f.pages[id] = results
		origin := f.srv.URL
		if f.nextOrigin != "" {
			origin = f.nextOrigin
		}
		f.mu.Unlock()
		links = append(links, map[string]any{"relation": "next",
			"url": fmt.Sprintf("%s/fhir?_getpages=%s&_getpagesoffset=%d&_count=%d&_bundletype=searchset", origin, id, end, count)})
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"resourceType": "Bundle", "id": randomHex(8), "meta": map[string]any{"lastUpdated": time.Now().UTC().Format(time.RFC3339)},
		"type": "searchset", "total": len(results), "link": links, "entry": entries,
	})
}
