// Package sms is the SMS channel: the inbound webhook of a
// Twilio-compatible provider (signature check, parsing, keywords, the
// suppression list, rate limits), and the rendering of bot messages as
// texts (numbered choices, GSM-7 and UCS-2 segments, splitting). Replies
// go out through the outbox and connectors/notify's SMS transport, behind
// Guard. See docs/sms.md.
package sms

import (
	"context"
	"errors"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
)

// InboundPath is where the provider posts inbound messages; the handler
// must be mounted there, since the signed URL is PublicURL + InboundPath.
const InboundPath = "/sms/inbound"

// Limits of the inbound endpoint.
const (
	// MaxInboundBytes caps a webhook body: 1,600 characters of text, URL
	// encoded, and the provider's other fields fit many times over.
	MaxInboundBytes = 64 << 10
	// InboundTimeout bounds the work on one message (store and engine).
	// The provider waits 15 seconds for an answer before giving up.
	InboundTimeout = 10 * time.Second
)

// formType is the Content-Type of the provider's webhook requests.
const formType = "application/x-www-form-urlencoded"

// emptyTwiML tells the provider to send nothing now: replies go out
// through the outbox, where they survive crashes and are retried.
const emptyTwiML = `<?xml version="1.0" encoding="UTF-8"?><Response></Response>`

// Inbox takes inbound messages whose signature checked. The engine
// implements it.
type Inbox interface {
	// Inbound records m in the conversation keyed by (m.To, m.From) —
	// a new one when the last is closed or idle longer than sms.session_idle
	// — queues m.Reply (if any) under m.ReplyKey, and when m.RunFlow runs
	// the dialog one turn. It returns only once all of that is durably
	// stored: the provider is then told 200 and will not send m again.
	//
	// The provider may deliver the same message more than once (a retry
	// after a timeout, a fallback URL): a message whose SID was already
	// recorded must be processed once, so a second delivery changes
	// nothing and returns nil.
	//
	// An error makes the handler answer 500, and the provider may then
	// deliver the message again.
	Inbound(ctx context.Context, m Message) error
}

// Config configures the inbound endpoint.
type Config struct {
	// PublicURL is the server's public base URL (http.public_url), as the
	// provider reaches it; the webhook's URL is PublicURL + InboundPath.
	PublicURL string
	// AuthToken is the provider account's auth token (sms.auth_token): the
	// key of HMAC-SHA1 signatures.
	AuthToken string
	// SharedKeys are webhook signing keys by id (sms.shared_keys), for an
	// account that signs with keys of its own and announces them in
	// SignatureSettingsHeader (HMAC-SHA256). Optional.
	SharedKeys map[string]string
	// Numbers are our numbers (sms.numbers), E.164; a message to any other
	// number is refused.
	Numbers []string
	Texts   Texts
	// Locale is the language of replies to the English keywords.
	Locale          string
	ProviderReplies bool      // see Gate.ProviderReplies
	RateLimit       RateLimit // DefaultRateLimit if zero
	Clock           bot.Clock // bot.SystemClock if nil
}

// Handler is the inbound webhook, POST InboundPath.
type Handler struct {
	url   string // the webhook's public URL, without query
	token string
	keys  map[string]string
	ours  map[string]bool
	gate  Gate
	inbox Inbox
	clock bot.Clock
	log   zerolog.Logger
}

// NewHandler returns the inbound endpoint. It refuses a configuration that
// could accept an unsigned request or a message to nobody's number.
func NewHandler(c Config, inbox Inbox, list Suppressions, rates RateStore, log zerolog.Logger) (*Handler, error) {
	hook, err := WebhookURL(c.PublicURL)
	if err != nil {
		return nil, err
	}
	if c.AuthToken == "" {
		return nil, bot.Errorf(bot.EINVALID, "sms.auth_token must be set: without it no inbound message can be verified")
	}
	for id, secret := range c.SharedKeys {
		if id == "" || secret == "" {
			return nil, bot.Errorf(bot.EINVALID, "sms.shared_keys: every key needs an id and a secret")
		}
	}
	if len(c.Numbers) == 0 {
		return nil, bot.Errorf(bot.EINVALID, "sms.numbers must list at least one number")
	}
	ours := map[string]bool{}
	for _, n := range c.Numbers {
		e164, err := NormalizeNumber(n)
		if err != nil {
			return nil, bot.Errorf(bot.EINVALID, "sms.numbers: %s", bot.ErrorMessage(err))
		}
		ours[e164] = true
	}
	if inbox == nil || list == nil || rates == nil {
		return nil, errors.New("sms handler: inbox, suppression list and rate store are required")
	}
	if c.RateLimit == (RateLimit{}) {
		c.RateLimit = DefaultRateLimit
	}
	if err := c.RateLimit.check(); err != nil {
		return nil, err
	}
	if c.Clock == nil {
		c.Clock = bot.SystemClock{}
	}
	return &Handler{
		url: hook, token: c.AuthToken, keys: c.SharedKeys, ours: ours, inbox: inbox, clock: c.Clock, log: log,
		gate: Gate{
			List: list, Limits: Limiter{Store: rates, Policy: c.RateLimit, Clock: c.Clock},
			Texts: c.Texts, Locale: c.Locale, ProviderReplies: c.ProviderReplies,
		},
	}, nil
}

// WebhookURL is the address to give the provider for inbound messages:
// the public base URL followed by InboundPath. The base must be https
// (http only for a loopback host, in tests and development), with no query
// or fragment.
func WebhookURL(publicURL string) (string, error) {
	base := strings.TrimRight(strings.TrimSpace(publicURL), "/")
	u, err := url.Parse(base)
	switch {
	case base == "":
		return "", bot.Errorf(bot.EINVALID, "http.public_url must be set: the provider signs the webhook's public address")
	case err != nil || u.Host == "" || u.Opaque != "":
		return "", bot.Errorf(bot.EINVALID, "http.public_url %q is not an absolute URL", publicURL)
	case u.RawQuery != "" || u.Fragment != "" || u.User != nil:
		return "", bot.Errorf(bot.EINVALID, "http.public_url must not have a query, a fragment or credentials")
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopback(u.Hostname()):
	default:
		return "", bot.Errorf(bot.EINVALID, "http.public_url must be https for SMS (http only to a loopback address)")
	}
	return base + InboundPath, nil
}

// isLoopback reports whether an HTTP host is this machine.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// URL returns the webhook's public URL.
func (h *Handler) URL() string { return h.url }

// ServeHTTP takes one inbound message. Nothing in the request is used
// before its signature checks.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		refuse(w, http.StatusMethodNotAllowed, "POST only")
		return
	}
	if r.Header.Get(SignatureHeader) == "" {
		h.log.Warn().Str("remote", r.RemoteAddr).Msg("sms inbound: no signature")
		refuse(w, http.StatusForbidden, "signature required")
		return
	}
	if ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || ct != formType {
		refuse(w, http.StatusUnsupportedMediaType, "form-encoded body required")
		return
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxInboundBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			refuse(w, http.StatusRequestEntityTooLarge, "body too large")
			return
		}
		refuse(w, http.StatusBadRequest, "unreadable body")
		return
	}
	// The body alone: the query is part of the signed URL, not a form.
	form, err := url.ParseQuery(string(raw))
	if err != nil {
		refuse(w, http.StatusBadRequest, "malformed form")
		return
	}
	if !h.verify(r, form) {
		h.log.Warn().Str("remote", r.RemoteAddr).Msg("sms inbound: bad signature")
		refuse(w, http.StatusForbidden, "bad signature")
		return
	}
	m, err := parseMessage(form, h.ours)
	if err != nil {
		h.log.Warn().Str("reason", bot.ErrorMessage(err)).Msg("sms inbound: refused")
		refuse(w, http.StatusBadRequest, bot.ErrorMessage(err))
		return
	}
	m.Received = h.clock.Now().UTC()

	// The provider may hang up; the message is still processed once.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), InboundTimeout)
	defer cancel()
	admitted, err := h.gate.Route(ctx, &m)
	if err == nil && admitted {
		err = h.inbox.Inbound(ctx, m)
	}
	if err != nil {
		h.log.Error().Err(err).Str("sid", m.SID).Msg("sms inbound: not processed")
		refuse(w, http.StatusInternalServerError, "not processed")
		return
	}
	if !admitted {
		h.log.Warn().Str("sid", m.SID).Str("from", bot.MaskPhone(m.From)).Msg("sms inbound: over the rate limit, dropped")
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, emptyTwiML)
}

// verify checks the request's signature against the configured public
// URL (and the request's query, which the provider signs as part of it).
func (h *Handler) verify(r *http.Request, form url.Values) bool {
	u := h.url
	if r.URL.RawQuery != "" {
		u += "?" + r.URL.RawQuery
	}
	sig := r.Header.Get(SignatureHeader)
	settings := r.Header.Get(SignatureSettingsHeader)
	if settings == "" {
		return Verify(h.token, u, form, sig)
	}
	id, alg, err := ParseSignatureSettings(settings)
	if err != nil {
		h.log.Warn().Err(err).Msg("sms inbound: signature settings")
		return false
	}
	secret, ok := h.keys[id]
	if !ok {
		h.log.Warn().Msg("sms inbound: signed with a shared key not in sms.shared_keys")
		return false
	}
	return VerifyWith(alg, secret, u, form, sig)
}

// refuse answers with a status and a short reason that quotes nothing
// from the request.
func refuse(w http.ResponseWriter, status int, reason string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	io.WriteString(w, reason+"\n")
}
