package main

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/password"
	"github.com/portico-chat/portico/connectors/notify"
	"github.com/portico-chat/portico/connectors/web"
	"github.com/portico-chat/portico/storage/postgres"
)

// defaults lists every configuration key with its default. Every key has
// one so that PORTICO_* environment variables always bind (viper #188).
var defaults = map[string]any{
	"http.addr":                         ":8080",
	"http.public_url":                   "",
	"http.allowed_origins":              []string{},
	"http.trusted_proxies":              []string{},
	"http.tls.cert":                     "",
	"http.tls.key":                      "",
	"http.max_conns_per_ip":             100,
	"http.rate_frames":                  web.DefaultRateFrames,
	"http.rate_window":                  web.DefaultRateWindow.String(),
	"http.rate_burst":                   web.DefaultRateBurst,
	"http.new_conversations_per_minute": bot.DefaultLimits().NewConversations,
	"http.ipv6_prefix":                  web.DefaultIPv6Prefix,
	"storage.driver":                    "sqlite",
	"storage.sqlite.path":               "data/portico.db",
	"storage.postgres.url":              "",
	"storage.postgres.key_file":         "data/outbox.key",
	"storage.postgres.max_conns":        postgres.DefaultMaxConns,
	"storage.postgres.connect_timeout":  postgres.DefaultConnectTimeout.String(),
	"storage.postgres.query_timeout":    postgres.DefaultStatementTimeout.String(),
	"storage.postgres.lock_conns":       postgres.DefaultLockConns,
	"demo":                              false,
	"demo_second_addr":                  "127.0.0.1:8081", // the cross-origin demo site; "" for none
	"widget.title":                      "",
	"widget.greeting_en":                "",
	"widget.greeting_es":                "",
	"widget.color":                      "#0b5cad",
	"widget.logo_url":                   "",
	"widget.logo_hosts":                 []string{},
	"widget.position":                   "right",
	"node.name":                         "",
	"portal.name":                       "", // "Portico"; in demo mode the demo clinic\'s, "Sample Health"
	"portal.password_min_length":        15,
	"flows.dir":                         "",
	"notify.email.smtp.addr":            "",
	"notify.email.smtp.username":        "",
	"notify.email.smtp.password":        "",
	"notify.email.smtp.starttls":        true,
	"notify.email.from":                 "",
	"notify.sms.url":                    "",
	"notify.sms.account":                "",
	"notify.sms.token":                  "",
	"notify.sms.from":                   "",
	"retention.transcripts":             "2160h", // 90 days
	"retention.silent_conversations":    "24h",
	"notify.dev_outbox_cap":             notify.DevOutboxCap,
	"debug.addr":                        "",
	"metrics.enabled":                   true,
	"metrics.addr":                      "",
	"log.level":                         "info",
	"log.format":                        "", // "json"; in demo mode "console"
	"security.code_ttl":                 "10m",
	"console.session_idle":              "15m",
	"console.session_absolute":          "12h",
	"console.signin_failures":           5,
	"console.signin_lock":               "15m",
	"security.conversation_idle":        "30m",
	"security.hash_worker":              true,
	"sms.enabled":                       false,
	"sms.numbers":                       []string{},
	"sms.auth_token":                    "",
	"sms.shared_keys":                   []string{},
	"sms.session_idle":                  "30m",
	"sms.help_contact":                  "",
	"sms.provider_keyword_replies":      false,
}

// The portal's name in codes and notices when portal.name is not set.
const (
	defaultPortalName = "Portico"
	demoPortalName    = "Sample Health" // the demo portal's clinic (connectors/web/demotexts.go)
)

// secretKeys are masked by `config print`.
var secretKeys = map[string]bool{
	"notify.email.smtp.password": true,
	"notify.sms.token":           true,
	"sms.auth_token":             true,
	"sms.shared_keys":            true,
}

// Config is the validated configuration.
type Config struct {
	Addr                      string
	PublicURL                 string
	AllowedOrigins            []string
	TrustedProxies            []string
	TLSCert                   string
	TLSKey                    string
	MaxConnsPerIP             int
	RateFrames                int           // patient frames per RateWindow, per connection
	RateWindow                time.Duration //
	RateBurst                 int           // frames allowed at once
	NewConversationsPerMinute int           // new patient conversations per client address per minute
	IPv6Prefix                int           // bits of an IPv6 address per-IP limits count as one client
	DevOutboxCap              int           // deliveries the demo's dev outbox keeps
	DebugAddr                 string        // pprof and /debug/stats listener; "" for none
	MetricsEnabled            bool          // count Prometheus metrics
	HashWorker                bool          // hash passwords in a low-priority child process
	MetricsAddr               string        // /metrics listener; "" serves none
	Driver                    string
	SQLitePath                string
	Postgres                  PostgresSettings // when Driver is postgres
	Demo                      bool
	DemoSecondAddr            string     // listener of the cross-origin demo site (demo mode)
	Widget                    web.Widget // the widget's appearance
	LogoHosts                 []string   // hosts an https widget logo may come from
	Node                      string
	PortalName                string
	PasswordMin               int
	FlowsDir                  string
	SMTP                      SMTPSettings
	SMS                       SMSSettings
	SMSChannel                SMSChannelSettings // two-way SMS (sms.go)
	Transcripts               time.Duration
	SilentConversations       time.Duration // conversations the patient never wrote in are deleted after this
	LogLevel                  string
	LogFormat                 string
	CodeTTL                   time.Duration
	IdleTimeout               time.Duration
	Console                   ConsoleSettings
	Handoff                   HandoffSettings
	Directory                 DirectorySettings // directory.* and finder.* (directory_config.go)
}

// ConsoleSettings configure the agent console's sessions and sign-in
// lockout (SECURITY.md, "Sessions (agent and admin)").
type ConsoleSettings struct {
	SessionIdle, SessionAbsolute time.Duration
	SignInFailures               int
	SignInLock                   time.Duration
}

// SMTPSettings configure email delivery; empty Addr means none.
type SMTPSettings struct {
	Addr, Username, Password, From string
	StartTLS                       bool
}

// SMSSettings configure SMS delivery; empty URL means none.
type SMSSettings struct {
	URL, Account, Token, From string
}

// newViper returns a viper with every default, the PORTICO_ environment and
// the given flags bound.
func newViper(flags *pflag.FlagSet) *viper.Viper {
	v := viper.New()
	for k, d := range defaults {
		v.SetDefault(k, d)
	}
	v.SetEnvPrefix("PORTICO")
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()
	if flags != nil {
		bind := map[string]string{"demo": "demo", "addr": "http.addr", "db": "storage.sqlite.path", "log-level": "log.level"}
		for flag, key := range bind {
			if f := flags.Lookup(flag); f != nil {
				_ = v.BindPFlag(key, f)
			}
		}
	}
	return v
}

// loadConfig reads the config file (explicit, or ./portico.yaml if present)
// and returns the validated configuration. Every problem names its key.
func loadConfig(v *viper.Viper, file string) (*Config, error) {
	if file != "" {
		v.SetConfigFile(file)
		if err := v.ReadInConfig(); err != nil {
			return nil, fmt.Errorf("config file %s: %w", file, err)
		}
	} else if _, err := os.Stat("portico.yaml"); err == nil {
		file = "portico.yaml"
		v.SetConfigFile(file)
		if err := v.ReadInConfig(); err != nil {
			return nil, fmt.Errorf("config file portico.yaml: %w", err)
		}
	}
	p := parser{v: v}
	p.unknownKeys(v, file, os.Environ()) // config_keys.go
	c := &Config{
		Addr:                      p.addr("http.addr"),
		PublicURL:                 p.url("http.public_url"),
		AllowedOrigins:            p.list("http.allowed_origins"),
		TrustedProxies:            p.list("http.trusted_proxies"),
		TLSCert:                   p.str("http.tls.cert"),
		TLSKey:                    p.str("http.tls.key"),
		MaxConnsPerIP:             p.positive("http.max_conns_per_ip"),
		RateFrames:                p.positive("http.rate_frames"),
		RateWindow:                p.duration("http.rate_window"),
		RateBurst:                 p.positive("http.rate_burst"),
		NewConversationsPerMinute: p.positive("http.new_conversations_per_minute"),
		IPv6Prefix:                p.positive("http.ipv6_prefix"),
		DevOutboxCap:              p.positive("notify.dev_outbox_cap"),
		DebugAddr:                 p.optionalAddr("debug.addr"),
		MetricsEnabled:            p.boolean("metrics.enabled"),
		HashWorker:                p.boolean("security.hash_worker"),
		MetricsAddr:               p.optionalAddr("metrics.addr"),
		Driver:                    p.oneOf("storage.driver", driverSQLite, driverPostgres),
		SQLitePath:                p.nonEmpty("storage.sqlite.path"),
		Demo:                      p.boolean("demo"),
		DemoSecondAddr:            p.optionalAddr("demo_second_addr"),
		Widget: web.Widget{
			Title: p.str("widget.title"), Color: p.str("widget.color"), LogoURL: p.str("widget.logo_url"),
			Position: p.oneOf("widget.position", "right", "left"),
			Greeting: greetings(p.str("widget.greeting_en"), p.str("widget.greeting_es")),
		},
		LogoHosts:   p.list("widget.logo_hosts"),
		Node:        p.str("node.name"),
		PortalName:  p.str("portal.name"),
		PasswordMin: p.positive("portal.password_min_length"),
		FlowsDir:    p.str("flows.dir"),
		SMTP: SMTPSettings{
			Addr: p.hostPort("notify.email.smtp.addr"), Username: p.str("notify.email.smtp.username"),
			Password: p.str("notify.email.smtp.password"), StartTLS: p.boolean("notify.email.smtp.starttls"),
			From: p.str("notify.email.from"),
		},
		SMS: SMSSettings{
			URL: p.url("notify.sms.url"), Account: p.str("notify.sms.account"),
			Token: p.str("notify.sms.token"), From: p.str("notify.sms.from"),
		},
		Transcripts:         p.duration("retention.transcripts"),
		SilentConversations: p.duration("retention.silent_conversations"),
		LogLevel:            p.oneOf("log.level", "debug", "info", "warn", "error"),
		LogFormat:           p.oneOf("log.format", "", "json", "console"),
		CodeTTL:             p.duration("security.code_ttl"),
		IdleTimeout:         p.duration("security.conversation_idle"),
		Console: ConsoleSettings{
			SessionIdle: p.duration("console.session_idle"), SessionAbsolute: p.duration("console.session_absolute"),
			SignInFailures: p.positive("console.signin_failures"), SignInLock: p.duration("console.signin_lock"),
		},
	}
	c.Handoff = p.handoff(v)
	c.Directory = p.directory()
	if c.Driver == driverPostgres {
		c.Postgres = p.postgres()
	}
	c.SMSChannel = p.smsChannel(c)
	if c.SMTP.Addr != "" && c.SMTP.From == "" {
		p.fail("notify.email.from", "is required when notify.email.smtp.addr is set")
	}
	if c.MetricsAddr != "" && !c.MetricsEnabled {
		p.fail("metrics.addr", "is set but metrics.enabled is false")
	}
	if c.SMS.URL != "" && (c.SMS.Account == "" || c.SMS.Token == "" || c.SMS.From == "") {
		p.fail("notify.sms.url", "needs notify.sms.account, notify.sms.token and notify.sms.from")
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		p.fail("http.tls.cert", "http.tls.cert and http.tls.key go together")
	}
	if c.PasswordMin > 0 && c.PasswordMin < 8 {
		p.fail("portal.password_min_length", "must be at least 8 (NIST SP 800-63B)")
	}
	if c.DevOutboxCap > notify.MaxDevOutboxCap {
		p.fail("notify.dev_outbox_cap", "may be at most %d", notify.MaxDevOutboxCap)
	}
	if c.Console.SessionIdle > 15*time.Minute {
		p.fail("console.session_idle", "may be at most 15m (automatic logoff)")
	}
	if c.Console.SessionAbsolute > 12*time.Hour {
		p.fail("console.session_absolute", "may be at most 12h")
	}
	if c.IPv6Prefix > 128 {
		p.fail("http.ipv6_prefix", "%d is more bits than an IPv6 address has (128)", c.IPv6Prefix)
	}
	if c.CodeTTL > 10*time.Minute {
		p.fail("security.code_ttl", "may be at most 10m")
	}
	if err := (web.Config{Widget: web.Widget{Color: c.Widget.Color}}).Validate(); err != nil {
		p.fail("widget.color", "%q is not a color like #0b5cad", c.Widget.Color)
	}
	for _, h := range c.LogoHosts {
		if err := (web.Config{LogoHosts: []string{h}}).Validate(); err != nil {
			p.fail("widget.logo_hosts", "%v", err)
		}
	}
	if err := (web.Config{Widget: web.Widget{LogoURL: c.Widget.LogoURL}, LogoHosts: c.LogoHosts}).Validate(); err != nil {
		p.fail("widget.logo_url", "%v", err)
	}
	for _, o := range c.AllowedOrigins {
		if err := (web.Config{AllowedOrigins: []string{o}}).Validate(); err != nil {
			p.fail("http.allowed_origins", "%v", err)
		}
	}
	for _, tp := range c.TrustedProxies {
		if err := (web.Config{TrustedProxies: []string{tp}}).Validate(); err != nil {
			p.fail("http.trusted_proxies", "%v", err)
		}
	}
	if c.Node == "" {
		c.Node, _ = os.Hostname()
	}
	if c.LogFormat == "" {
		c.LogFormat = "json"
		if c.Demo {
			c.LogFormat = "console"
		}
	}
	if c.PortalName == "" {
		// Codes and notices name the portal; the demo's is Sample Health.
		c.PortalName = defaultPortalName
		if c.Demo {
			c.PortalName = demoPortalName
		}
	}
	if len(p.errs) > 0 {
		return nil, fmt.Errorf("bad configuration:\n  %s", strings.Join(p.errs, "\n  "))
	}
	return c, nil
}

// parser reads keys strictly: a value that does not parse is an error that
// names the key, never a silent zero.
type parser struct {
	v    *viper.Viper
	errs []string
}

func (p *parser) fail(key, format string, args ...any) {
	p.errs = append(p.errs, key+": "+fmt.Sprintf(format, args...))
}

func (p *parser) str(key string) string { return strings.TrimSpace(p.v.GetString(key)) }

func (p *parser) nonEmpty(key string) string {
	s := p.str(key)
	if s == "" {
		p.fail(key, "must not be empty")
	}
	return s
}

func (p *parser) boolean(key string) bool {
	raw := p.v.Get(key)
	if b, ok := raw.(bool); ok {
		return b
	}
	b, err := strconv.ParseBool(strings.TrimSpace(fmt.Sprint(raw)))
	if err != nil {
		p.fail(key, "%q is not true or false", fmt.Sprint(raw))
	}
	return b
}

func (p *parser) positive(key string) int {
	n, err := strconv.Atoi(strings.TrimSpace(fmt.Sprint(p.v.Get(key))))
	if err != nil || n <= 0 {
		p.fail(key, "%q is not a positive whole number", fmt.Sprint(p.v.Get(key)))
	}
	return n
}

func (p *parser) duration(key string) time.Duration {
	s := p.str(key)
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		p.fail(key, "%q is not a positive duration like 10m or 90h", s)
	}
	return d
}

func (p *parser) oneOf(key string, allowed ...string) string {
	s := strings.ToLower(p.str(key))
	for _, a := range allowed {
		if s == a {
			return s
		}
	}
	p.fail(key, "%q is not one of %s", s, strings.Join(nonEmptyStrings(allowed), ", "))
	return s
}

func (p *parser) addr(key string) string {
	s := p.str(key)
	if _, port, err := net.SplitHostPort(s); err != nil || port == "" {
		p.fail(key, "%q is not an address like :8080 or 127.0.0.1:8080", s)
	}
	return s
}

// optionalAddr is addr, or "" when unset.
func (p *parser) optionalAddr(key string) string {
	if p.str(key) == "" {
		return ""
	}
	return p.addr(key)
}

func (p *parser) hostPort(key string) string {
	s := p.str(key)
	if s == "" {
		return ""
	}
	if host, port, err := net.SplitHostPort(s); err != nil || host == "" || port == "" {
		p.fail(key, "%q is not host:port", s)
	}
	return s
}

func (p *parser) url(key string) string {
	s := p.str(key)
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		p.fail(key, "%q is not an http(s) URL", s)
	}
	return strings.TrimRight(s, "/")
}

func (p *parser) list(key string) []string {
	var out []string
	for _, s := range p.v.GetStringSlice(key) {
		for _, part := range strings.Split(s, ",") { // env vars come comma-separated
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

// greetings maps the widget's greeting by language, leaving out empty ones.
func greetings(en, es string) map[string]string {
	m := map[string]string{}
	if en != "" {
		m["en"] = en
	}
	if es != "" {
		m["es"] = es
	}
	return m
}

func nonEmptyStrings(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// printConfig writes the effective configuration, secrets masked, keys
// sorted. A key whose default depends on others (log.format, portal.name,
// node) shows the value c took, not an empty default.
func printConfig(v *viper.Viper, c *Config, w *strings.Builder) {
	derived := map[string]string{"log.format": c.LogFormat, "portal.name": c.PortalName, "node.name": c.Node,
		"directory.min_latency": c.Directory.MinLatency.String()}
	keys := make([]string, 0, len(defaults))
	for k := range defaults {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		val := fmt.Sprint(v.Get(k))
		if d, ok := derived[k]; ok {
			val = d
		}
		if secretKeys[k] && val != "" && val != "[]" {
			val = "********"
		}
		if k == "storage.postgres.url" {
			val = postgres.Redact(val) // the host shown, the password not
		}
		fmt.Fprintf(w, "%s: %s\n", k, val)
	}
}

// passwordPolicy is Portico's password policy as configured, defaults
// filled in: the engine applies it first, and the local directory as its
// own.
func (c *Config) passwordPolicy() password.Policy {
	return password.Policy{MinLength: c.PasswordMin, PortalName: c.PortalName}.WithDefaults()
}
