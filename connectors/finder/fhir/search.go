package fhir

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/portico-chat/portico/connectors/directory/remote"
)

// Search limits.
const (
	// pageSize is the _count asked for: the server may send fewer.
	pageSize = 50
	// maxPages bounds one search: more candidates than fit in these
	// pages share one date of birth and ZIP (or one MRN) only on a server
	// Portico does not understand, not among patients to guess from.
	maxPages = 20
)

// search pages through GET [base]/Patient?q, following Bundle.link
// "next" on the same server, and returns every Patient the server
// answered as a match.
func (f *Finder) search(ctx context.Context, q url.Values) ([]patient, error) {
	q.Set("_count", strconv.Itoa(pageSize))
	r := request{method: http.MethodGet, path: "/Patient", target: f.cfg.base.String() + "/Patient?" + q.Encode()}
	var all []patient
	for page := 1; ; page++ {
		b, entries, err := f.bundle(ctx, r)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			all = append(all, e.patient)
		}
		next := b.next()
		if next == "" {
			return all, nil
		}
		if page == maxPages {
			return nil, fmt.Errorf("fhir %s: more than %d pages of candidates", r.name(), maxPages)
		}
		if r.target, err = f.sameServer(next); err != nil {
			return nil, err
		}
		r.path = "/Patient (page " + strconv.Itoa(page+1) + ")"
	}
}

// sameServer resolves a next link and refuses one that leaves the
// server's origin: the request carries Portico's token. A server behind a
// proxy that does not know its public address makes such links; the log
// names the host, which holds no patient data.
func (f *Finder) sameServer(link string) (string, error) {
	base := *f.cfg.base
	base.Path += "/"
	u, err := base.Parse(link)
	if err != nil {
		return "", remote.Unavailable("fhir GET /Patient: the next page's link does not parse")
	}
	if u.Scheme != base.Scheme || u.Host != base.Host || u.User != nil {
		f.log.Error().Str("link_host", u.Host).Str("base_host", base.Host).
			Msg("the FHIR server's next-page link points to another host: set the server's own base URL (e.g. HAPI's server_address) to the one in finder.fhir.url")
		return "", remote.Unavailable("fhir GET /Patient: the next page's link leaves the server")
	}
	return u.String(), nil
}

// bundle sends r and reads the answer's Bundle and its Patients.
func (f *Finder) bundle(ctx context.Context, r request) (bundle, []patientEntry, error) {
	a, err := f.do(ctx, r)
	if err != nil {
		return bundle{}, nil, err
	}
	b, err := readBundle(r, a.body)
	if err != nil {
		return bundle{}, nil, err
	}
	entries, err := b.entries(r)
	return b, entries, err
}

// readBundle decodes a searchset Bundle; $match may also answer a
// Parameters resource whose "return" is the Bundle.
func readBundle(r request, body []byte) (bundle, error) {
	var h resourceHeader
	if err := json.Unmarshal(body, &h); err != nil {
		return bundle{}, remote.Unavailable("fhir %s: the answer is not JSON", r.name())
	}
	if h.ResourceType == "Parameters" {
		var p parameters
		if err := json.Unmarshal(body, &p); err != nil {
			return bundle{}, remote.Unavailable("fhir %s: the Parameters answer does not decode", r.name())
		}
		body = nil
		for _, param := range p.Parameter {
			if param.Name == "return" {
				body = param.Resource
			}
		}
	}
	var b bundle
	if err := json.Unmarshal(body, &b); err != nil || b.ResourceType != "Bundle" {
		return bundle{}, remote.Unavailable("fhir %s: the answer is not a Bundle", r.name())
	}
	if b.Type != "searchset" {
		return bundle{}, remote.Unavailable("fhir %s: a %q Bundle, want searchset", r.name(), b.Type)
	}
	return b, nil
}

// patientEntry is a Patient from a Bundle with its search details.
type patientEntry struct {
	patient
	search *entrySearch
}

// entries returns the Bundle's Patients that the server answered as
// matches; included resources and OperationOutcomes (warnings) are
// skipped.
func (b bundle) entries(r request) ([]patientEntry, error) {
	var out []patientEntry
	for _, e := range b.Entry {
		if e.Search != nil && e.Search.Mode != "" && e.Search.Mode != "match" {
			continue
		}
		var h resourceHeader
		if json.Unmarshal(e.Resource, &h) != nil || h.ResourceType != "Patient" {
			continue
		}
		var p patient
		if err := json.Unmarshal(e.Resource, &p); err != nil {
			return nil, remote.Unavailable("fhir %s: a Patient in the answer does not decode", r.name())
		}
		out = append(out, patientEntry{patient: p, search: e.Search})
	}
	return out, nil
}

// searchEscape escapes a value for a FHIR search parameter: \ , $ and |
// have meanings there (R4 §3.1.1.5.7 "Escaping Search Parameters").
func searchEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `,`, `\,`, `$`, `\$`, `|`, `\|`).Replace(s)
}
