package remote

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Masked stands for a secret in a configuration's String and JSON forms.
const Masked = "••••••"

// Mask returns Masked for a secret that is set, "" for one that is not
// (so `config print` still shows which secrets are missing).
func Mask(secret string) string {
	if secret == "" {
		return ""
	}
	return Masked
}

// ServiceURL checks the URL of a remote service given under key (named
// in the error): https, or plain http to a loopback address (development
// and tests); no user information, query or fragment. The path loses its
// trailing slash, so callers append "/…" to it.
func ServiceURL(key, raw string) (*url.URL, error) {
	if raw == "" {
		return nil, fmt.Errorf("%s is required", key)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%s %q: want https://host[:port][/path]", key, raw)
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && Loopback(u.Hostname())) {
		return nil, fmt.Errorf("%s %q: must be https (http only to a loopback address)", key, raw)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// Loopback reports whether host names this machine.
func Loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
