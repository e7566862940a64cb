package fhir

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// capabilityStatement is the part of the server's CapabilityStatement
// (GET [base]/metadata) that Check reads.
type capabilityStatement struct {
	ResourceType string `json:"resourceType"`
	FHIRVersion  string `json:"fhirVersion"`
	Rest         []struct {
		Mode     string `json:"mode"`
		Resource []struct {
			Type        string `json:"type"`
			Interaction []struct {
				Code string `json:"code"`
			} `json:"interaction"`
			SearchParam []struct {
				Name string `json:"name"`
			} `json:"searchParam"`
			Operation []struct {
				Name string `json:"name"`
			} `json:"operation"`
		} `json:"resource"`
	} `json:"rest"`
}

// Search parameters each use needs: Find in search mode; Matches and
// Contacts in either mode.
var (
	findParams     = []string{"family", "given", "birthdate", "address-postalcode"}
	matchesParams  = []string{"birthdate", "address-postalcode"}
	contactsParams = []string{"identifier"}
)

// Check asks the server whether it can do what the configuration needs:
// with SMART it gets a token first (discovery, key and client
// registration), then reads the CapabilityStatement. For `portico finder
// check` and the start-up log; it returns every problem found, or nil.
// Finding a patient does not depend on it: a server may do more than its
// statement says.
func (f *Finder) Check(ctx context.Context) error {
	r := request{method: http.MethodGet, path: "/metadata", target: f.cfg.base.String() + "/metadata"}
	a, err := f.do(ctx, r)
	if err != nil {
		return fmt.Errorf("fhir check: %w", err)
	}
	var cs capabilityStatement
	if err := json.Unmarshal(a.body, &cs); err != nil || cs.ResourceType != "CapabilityStatement" {
		return errors.New("fhir check: GET /metadata did not answer a CapabilityStatement: is finder.fhir.url the FHIR base?")
	}
	var problems []string
	if !strings.HasPrefix(cs.FHIRVersion, "4.0.") && !strings.HasPrefix(cs.FHIRVersion, "4.3.") {
		problems = append(problems, fmt.Sprintf("the server speaks FHIR %q; Portico reads R4 (4.0.x)", cs.FHIRVersion))
	}
	found := false
	for _, rest := range cs.Rest {
		for _, res := range rest.Resource {
			if rest.Mode != "server" || res.Type != "Patient" {
				continue
			}
			found = true
			var params, ops, interactions []string
			for _, p := range res.SearchParam {
				params = append(params, p.Name)
			}
			for _, o := range res.Operation {
				ops = append(ops, o.Name)
			}
			for _, i := range res.Interaction {
				interactions = append(interactions, i.Code)
			}
			problems = append(problems, f.missing(params, ops, interactions)...)
		}
	}
	if !found {
		problems = append(problems, "the CapabilityStatement lists no Patient resource")
	}
	if len(problems) > 0 {
		return fmt.Errorf("fhir check: %s", strings.Join(problems, "; "))
	}
	return nil
}

// missing lists what the Patient resource's statement lacks for the
// configured mode.
func (f *Finder) missing(params, ops, interactions []string) []string {
	var out []string
	if !slices.Contains(interactions, "search-type") {
		out = append(out, "Patient search (search-type) is not supported: Matches and Contacts need it")
	}
	need := append(slices.Clone(matchesParams), contactsParams...)
	if f.cfg.Mode == ModeSearch {
		need = append(need, findParams...)
	} else if !slices.Contains(ops, "match") && !slices.Contains(ops, "$match") {
		out = append(out, "the Patient $match operation is not listed: use mode search")
	}
	var lacking []string
	for _, p := range need {
		if !slices.Contains(params, p) && !slices.Contains(lacking, p) {
			lacking = append(lacking, p)
		}
	}
	if len(lacking) > 0 {
		out = append(out, "Patient search parameters not listed: "+strings.Join(lacking, ", "))
	}
	return out
}
