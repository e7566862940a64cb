package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"time"
)

// Defaults for the patient socket's limits (SECURITY.md, "WebSocket and HTTP").
const (
	DefaultReadLimit     = 8 << 10 // bytes per frame
	DefaultRateFrames    = 20      // frames allowed per DefaultRateWindow …
	DefaultRateWindow    = 10 * time.Second
	DefaultRateBurst     = 10  // … with bursts of up to this many
	DefaultMaxConnsPerIP = 100 // open patient sockets per client IP
	DefaultIPv6Prefix    = 64  // per-IP limits count an IPv6 /64 as one address
)

// Config is the web server's configuration. Zero limits take the defaults
// above.
type Config struct {
	Addr string // listen address, e.g. ":8080"
	// AllowedOrigins may open the patient socket: exact origins
	// ("https://portal.example.org") or a port wildcard
	// ("http://localhost:*"). Empty means the server's own origin, plus
	// localhost and 127.0.0.1 on any port in demo mode.
	AllowedOrigins []string
	// PublicURL is the server's own origin as browsers see it, e.g.
	// "https://chat.example.org". Without it the request's Host is used.
	PublicURL string
	Demo      bool // serve the demo portal, the chat box and the dev outbox
	// DemoSecondURL is the origin of the second demo site, which embeds
	// the widget from another origin; the demo portal links to it.
	DemoSecondURL string

	// Widget is the embeddable widget's appearance (/widget/config).
	Widget Widget
	// LogoHosts are the hosts an https logo URL may name (host or
	// host:port); a path on this server is always allowed.
	LogoHosts []string

	ReadLimit     int64         // largest patient frame in bytes
	RateFrames    int           // patient frames allowed per RateWindow
	RateWindow    time.Duration //
	RateBurst     int           // frames allowed at once
	MaxConnsPerIP int           // open patient sockets per client IP
	// IPv6Prefix is how many leading bits of an IPv6 address per-IP limits
	// count as one client (bot.IPKey); IPv4 addresses count one by one.
	IPv6Prefix int

	// TrustedProxies are the addresses (IPs or CIDR prefixes) of reverse
	// proxies whose X-Forwarded-For header is believed. Empty: the client
	// IP is always the connection's remote address.
	TrustedProxies []string

	Console ConsoleConfig // the agent console's sessions and socket limits

	TLSCertFile, TLSKeyFile string // both set: serve HTTPS with HSTS
	Node                    string // this server's name in logs
}

// SignIner signs a patient in to the demo portal. Any failure, whatever its
// cause, is shown to the patient the same way.
type SignIner interface {
	SignIn(ctx context.Context, username, password string) error
}

// Deps are the server's collaborators besides the conversation engine.
type Deps struct {
	SignIn SignIner     // demo portal sign-in; nil disables it
	Outbox http.Handler // dev outbox, mounted at /dev/outbox(.json) in demo mode only
	// Stats reports process and storage counters for the load generator,
	// mounted at /debug/stats in demo mode only; nil leaves it out.
	Stats  http.Handler
	Agents AgentDeps     // the agent console (/agent, /ws/agent); see console.go
	Flows  FlowAdminDeps // flow management API (/admin/api/flows…); see admin_flows.go
	// Settings serves the admin settings and audit viewer (/admin/settings…,
	// /admin/audit) and the widget's stored appearance; see admin_settings.go.
	Settings SettingsDeps
	// SMS mounts the SMS channel's routes (/sms/…); see sms_inbound.go.
	SMS SMSDeps
	// Ready reports whether the server can take traffic (storage open,
	// migrations applied). Nil means always ready.
	Ready func(ctx context.Context) error
}

// withDefaults returns c with zero limits replaced by the defaults.
func (c Config) withDefaults() Config {
	if c.ReadLimit <= 0 {
		c.ReadLimit = DefaultReadLimit
	}
	if c.RateFrames <= 0 {
		c.RateFrames = DefaultRateFrames
	}
	if c.RateWindow <= 0 {
		c.RateWindow = DefaultRateWindow
	}
	if c.RateBurst <= 0 {
		c.RateBurst = DefaultRateBurst
	}
	if c.MaxConnsPerIP <= 0 {
		c.MaxConnsPerIP = DefaultMaxConnsPerIP
	}
	if c.IPv6Prefix <= 0 {
		c.IPv6Prefix = DefaultIPv6Prefix
	}
	return c
}

// TLS reports whether the server is configured to serve HTTPS.
func (c Config) TLS() bool { return c.TLSCertFile != "" && c.TLSKeyFile != "" }

// Validate reports every malformed setting. New ignores such entries (which
// only narrows what is allowed), so call Validate first to fail loudly.
func (c Config) Validate() error {
	var errs []error
	if c.PublicURL != "" {
		if _, err := parseOrigin(c.PublicURL); err != nil {
			errs = append(errs, fmt.Errorf("public url: %w", err))
		}
	}
	for _, o := range c.AllowedOrigins {
		if _, err := parseOriginPattern(o); err != nil {
			errs = append(errs, fmt.Errorf("allowed origin %q: %w", o, err))
		}
	}
	for _, p := range c.TrustedProxies {
		if _, err := parsePrefix(p); err != nil {
			errs = append(errs, fmt.Errorf("trusted proxy %q: %w", p, err))
		}
	}
	for _, h := range c.LogoHosts {
		if p := logoHostProblem(strings.TrimSpace(h)); p != "" {
			errs = append(errs, errors.New(p))
		}
	}
	if err := c.Widget.validate(c.LogoHosts); err != nil {
		errs = append(errs, err)
	}
	if (c.TLSCertFile == "") != (c.TLSKeyFile == "") {
		errs = append(errs, errors.New("tls: set both the certificate and the key file, or neither"))
	}
	if c.ReadLimit < 0 || c.RateFrames < 0 || c.RateWindow < 0 || c.RateBurst < 0 || c.MaxConnsPerIP < 0 {
		errs = append(errs, errors.New("limits must not be negative"))
	}
	if c.IPv6Prefix < 0 || c.IPv6Prefix > 128 {
		errs = append(errs, fmt.Errorf("ipv6 prefix %d: want 1 to 128 bits", c.IPv6Prefix))
	}
	return errors.Join(errs...)
}

// parsePrefix reads an IP address or a CIDR prefix.
func parsePrefix(s string) (netip.Prefix, error) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("not an IP address or CIDR prefix")
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}
