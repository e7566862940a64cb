package ldap

import (
	"strings"

	goldap "github.com/go-ldap/ldap/v3"
)

// Filters. Every value a patient typed goes through goldap.EscapeFilter
// (RFC 4515: \2a for *, \28 and \29 for parentheses, \5c for backslash,
// \00 for NUL, and every byte above 0x7f), so no input can add a clause,
// a wildcard or a presence test. The user_filter from the configuration is
// the operator's and is used as written.

// equal returns (attr=value) with value escaped.
func equal(attr, value string) string {
	return "(" + attr + "=" + goldap.EscapeFilter(value) + ")"
}

// and joins the configured user filter and clauses into one conjunction.
func (d *Directory) and(clauses ...string) string {
	return "(&" + d.cfg.UserFilter + strings.Join(clauses, "") + ")"
}

// zipClause matches the five-digit ZIP or any ZIP+4 that starts with it:
// (|(postalCode=02139)(postalCode=02139-*)). zip is five digits already
// (checked by the caller), escaped all the same; only the trailing "-*"
// is a wildcard, and it is ours.
func zipClause(attr, zip string) string {
	z := goldap.EscapeFilter(zip)
	return "(|(" + attr + "=" + z + ")(" + attr + "=" + z + "-*))"
}

// compileFilter checks that a filter parses.
func compileFilter(f string) (any, error) { return goldap.CompileFilter(f) }
