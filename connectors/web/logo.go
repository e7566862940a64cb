package web

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// The widget shows its logo on every portal that embeds it, so the logo
// comes from this server (a path) or over https from a host the operator
// named (Config.LogoHosts, the configuration's widget.logo_hosts): an admin
// account cannot make every patient's browser fetch from anywhere.

// logoProblem says why raw may not be the widget's logo, "" when it may.
// It is shown to admins as is.
func logoProblem(raw string, hosts []string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || strings.ContainsAny(raw, "\\ \t\r\n"):
		return "The logo is a path on this server starting with /, or an https address."
	case u.Scheme == "" && u.Host == "" && strings.HasPrefix(u.Path, "/") && !strings.HasPrefix(raw, "//"):
		return ""
	case u.Scheme == "http":
		return "The logo's address must start with https://, or be a path on this server starting with /."
	case u.Scheme != "https" || u.Host == "" || u.User != nil:
		return "The logo is a path on this server starting with /, or an https address."
	case !slices.Contains(hosts, strings.ToLower(u.Host)):
		allowed := "none is allowed yet"
		if len(hosts) > 0 {
			allowed = "allowed: " + strings.Join(hosts, ", ")
		}
		return fmt.Sprintf("The logo's host %s is not on the list of allowed logo hosts (%s). Add it to widget.logo_hosts in the configuration, or use a path on this server.", u.Host, allowed)
	}
	return ""
}

// logoHostProblem says why an entry of widget.logo_hosts is not a host
// name (with an optional port), "" when it is.
func logoHostProblem(h string) string {
	u, err := url.Parse("https://" + h)
	if err != nil || h == "" || u.Host != h || u.Hostname() == "" || strings.ContainsAny(h, "/@?#*") {
		return fmt.Sprintf("logo host %q is not a host name like cdn.example.org (no scheme, path or wildcard)", h)
	}
	return ""
}

// normalizedHosts lower-cases the configured logo hosts.
func normalizedHosts(hosts []string) []string {
	out := make([]string, 0, len(hosts))
	for _, h := range hosts {
		out = append(out, strings.ToLower(strings.TrimSpace(h)))
	}
	return out
}
