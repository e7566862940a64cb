package fhir

import (
	"encoding/json"
	"strings"
)

// The FHIR R4 resources and data types the finder reads and sends, with
// only the elements it uses (docs/decisions.md says why these are written
// here rather than taken from a FHIR model package). encoding/json skips
// every other element, and codes are plain strings, so a server's
// extensions, narrative or a code Portico does not know never break a
// decode: an unknown code is simply not one Portico acts on.

// resourceHeader reads only a resource's type.
type resourceHeader struct {
	ResourceType string `json:"resourceType"`
}

// bundle is a searchset Bundle: a search's or $match's answer.
type bundle struct {
	ResourceType string        `json:"resourceType"`
	Type         string        `json:"type"`
	Link         []bundleLink  `json:"link"`
	Entry        []bundleEntry `json:"entry"`
}

type bundleLink struct {
	Relation string `json:"relation"`
	URL      string `json:"url"`
}

type bundleEntry struct {
	Resource json.RawMessage `json:"resource"`
	Search   *entrySearch    `json:"search"`
}

// entrySearch is Bundle.entry.search: why the entry is there and, from
// $match, how sure the server is.
type entrySearch struct {
	Mode      string      `json:"mode"` // match, include, outcome
	Score     *float64    `json:"score"`
	Extension []extension `json:"extension"`
}

type extension struct {
	URL       string `json:"url"`
	ValueCode string `json:"valueCode"`
}

// next returns the URL of the next page, or "".
func (b bundle) next() string {
	for _, l := range b.Link {
		if l.Relation == "next" {
			return l.URL
		}
	}
	return ""
}

// patient is the part of a Patient resource the finder reads, and the
// fragment it sends to $match.
type patient struct {
	ResourceType     string         `json:"resourceType"`
	ID               string         `json:"id,omitempty"`
	Active           *bool          `json:"active,omitempty"`
	Identifier       []identifier   `json:"identifier,omitempty"`
	Name             []humanName    `json:"name,omitempty"`
	Telecom          []contactPoint `json:"telecom,omitempty"`
	BirthDate        string         `json:"birthDate,omitempty"`
	DeceasedBoolean  *bool          `json:"deceasedBoolean,omitempty"`
	DeceasedDateTime string         `json:"deceasedDateTime,omitempty"`
	Address          []address      `json:"address,omitempty"`
}

type identifier struct {
	Use    string  `json:"use,omitempty"`
	System string  `json:"system,omitempty"`
	Value  string  `json:"value,omitempty"`
	Period *period `json:"period,omitempty"`
}

type humanName struct {
	Use    string   `json:"use,omitempty"`
	Family string   `json:"family,omitempty"`
	Given  []string `json:"given,omitempty"`
}

// contactPoint is a telecom entry. Rank 0 means none given (FHIR ranks
// start at 1, the most preferred).
type contactPoint struct {
	System string  `json:"system,omitempty"` // phone, fax, email, pager, url, sms, other
	Value  string  `json:"value,omitempty"`
	Use    string  `json:"use,omitempty"` // home, work, temp, old, mobile
	Rank   int     `json:"rank,omitempty"`
	Period *period `json:"period,omitempty"`
}

type address struct {
	Use        string `json:"use,omitempty"`
	PostalCode string `json:"postalCode,omitempty"`
}

type period struct {
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
}

// parameters is a Parameters resource: $match's input, and the wrapper
// some servers put around its output.
type parameters struct {
	ResourceType string      `json:"resourceType"`
	Parameter    []parameter `json:"parameter"`
}

type parameter struct {
	Name         string          `json:"name"`
	ValueBoolean *bool           `json:"valueBoolean,omitempty"`
	ValueInteger *int            `json:"valueInteger,omitempty"`
	Resource     json.RawMessage `json:"resource,omitempty"`
}

// operationOutcome is a server's account of an error. Only the coded
// parts are read: diagnostics may quote the patient's data back.
type operationOutcome struct {
	ResourceType string `json:"resourceType"`
	Issue        []struct {
		Severity string `json:"severity"`
		Code     string `json:"code"`
		Details  *struct {
			Coding []struct {
				Code string `json:"code"`
			} `json:"coding"`
		} `json:"details"`
	} `json:"issue"`
}

// codes lists the issues as severity/code[/detail code], for the
// operator's log.
func (o operationOutcome) codes() string {
	var out []string
	for _, i := range o.Issue {
		s := i.Severity + "/" + i.Code
		if i.Details != nil {
			for _, c := range i.Details.Coding {
				if c.Code != "" {
					s += "/" + c.Code
				}
			}
		}
		out = append(out, s)
	}
	return strings.Join(out, ",")
}

// outcomeCodes reads an OperationOutcome body's issue codes, or "".
func outcomeCodes(body []byte) string {
	var o operationOutcome
	if json.Unmarshal(body, &o) != nil || o.ResourceType != "OperationOutcome" {
		return ""
	}
	return o.codes()
}
