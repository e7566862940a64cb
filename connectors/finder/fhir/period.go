package fhir

import (
	"time"
)

// current reports whether a period includes now. No period is always
// current. A date that does not parse makes the period not current: an
// entry Portico cannot date is not one to send a code to.
func current(p *period, now time.Time) bool {
	if p == nil {
		return true
	}
	if p.Start != "" {
		start, _, ok := parseDateTime(p.Start)
		if !ok || now.Before(start) {
			return false
		}
	}
	if p.End != "" {
		_, end, ok := parseDateTime(p.End)
		if !ok || !now.Before(end) {
			return false
		}
	}
	return true
}

// FHIR dateTime layouts (R4 §2.24.0.1 "dateTime"): a year, a month, a
// day, or an instant with seconds, optional fractions and a zone.
var dateTimeLayouts = []struct {
	layout string
	span   func(time.Time) time.Time // the first instant after the value
}{
	{"2006", func(t time.Time) time.Time { return t.AddDate(1, 0, 0) }},
	{"2006-01", func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }},
	{"2006-01-02", func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }},
	{time.RFC3339Nano, func(t time.Time) time.Time { return t.Add(time.Nanosecond) }},
}

// parseDateTime returns the interval a FHIR date or dateTime stands for:
// "2024" is all of 2024, so a period that ends in "2024" ends when 2025
// begins (R4 §2.24.0.11 "Period": a partial end date includes the whole
// unit). Dates without a zone are read in UTC; a day either way does not
// matter for a contact's period.
func parseDateTime(s string) (start, end time.Time, ok bool) {
	for _, l := range dateTimeLayouts {
		if t, err := time.Parse(l.layout, s); err == nil {
			return t, l.span(t), true
		}
	}
	return time.Time{}, time.Time{}, false
}
