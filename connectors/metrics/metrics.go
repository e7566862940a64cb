// Package metrics exports Portico's operational metrics to Prometheus:
// it implements bot.Metrics with counters and a histogram, and reads the
// gauges (active conversations, queue lengths, open connections) when
// scraped. docs/operations.md lists every metric.
package metrics

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
)

// namespace prefixes every metric's name.
const namespace = "portico"

// turnBuckets are the turn latency histogram's upper bounds in seconds:
// fine below the 250 ms objective, coarse above it.
var turnBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5}

// Label values created at start, so that "nothing happened" reads as 0
// rather than as no series (alerts on increase() need the series).
var (
	codeChannels   = []string{"email", "sms"}
	codeOutcomes   = []string{"sent", "suppressed"}
	verifyMethods  = []string{"otp", "activation_code"}
	verifyOutcomes = []string{"ok", "failed", "expired"}
	resolutions    = []bot.Resolution{bot.Resolved, bot.Unresolved, bot.Abandoned, bot.HandedOff}
)

// Options are what the scrape-time gauges read. Nil fields leave their
// gauges out.
type Options struct {
	Store Gauges
	// Queues are exported with 0 when nobody waits in them.
	Queues []string
	// PatientSockets counts open patient WebSockets (web.Server.OpenSockets).
	PatientSockets func() int
	// Runtime adds the Go runtime and process collectors.
	Runtime bool
	// Node, when set, labels every series node="…", so that the nodes
	// sharing one database can be told apart (and summed) in Prometheus.
	Node string
}

// Prometheus is the Prometheus implementation of bot.Metrics with its own
// registry. Its methods are safe for concurrent use.
type Prometheus struct {
	reg *prometheus.Registry

	turns         prometheus.Histogram
	opened        prometheus.Counter
	closed        *prometheus.CounterVec
	codes         *prometheus.CounterVec
	verifications *prometheus.CounterVec
	lockouts      *prometheus.CounterVec
	handoffs      *prometheus.CounterVec
	httpConns     prometheus.Gauge
	channels      channelCounters
}

var _ bot.Metrics = (*Prometheus)(nil)

// New returns the metrics with every collector registered.
func New(o Options, log zerolog.Logger) *Prometheus {
	p := &Prometheus{
		reg: prometheus.NewRegistry(),
		turns: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: namespace, Name: "turn_duration_seconds", Buckets: turnBuckets,
			Help: "Time to run a patient's turn: from the say to the clients told, commit included.",
		}),
		opened: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Name: "conversations_opened_total", Help: "Conversations started.",
		}),
		closed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "conversations_closed_total", Help: "Conversations ended, by resolution.",
		}, []string{"resolution"}),
		codes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "codes_total",
			Help: "One-time code requests by channel and outcome (sent, suppressed, refused).",
		}, []string{"channel", "outcome"}),
		verifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "verifications_total",
			Help: "Identity verification attempts by method and outcome.",
		}, []string{"method", "outcome"}),
		lockouts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "verification_lockouts_total",
			Help: "Verification lockouts by scope (record, conversation, ip).",
		}, []string{"scope"}),
		handoffs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "handoffs_total",
			Help: "Handoffs to a person by queue, reason and outcome (queued, closed, timeout).",
		}, []string{"queue", "reason", "outcome"}),
		httpConns: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace, Name: "http_connections",
			Help: "Open TCP connections on the main listener, WebSockets included.",
		}),
	}
	reg := prometheus.Registerer(p.reg)
	if o.Node != "" {
		reg = prometheus.WrapRegistererWith(prometheus.Labels{"node": o.Node}, p.reg)
	}
	reg.MustRegister(p.turns, p.opened, p.closed, p.codes, p.verifications, p.lockouts, p.handoffs, p.httpConns)
	p.channels = newChannelCounters(reg)
	for _, ch := range codeChannels {
		for _, o := range codeOutcomes {
			p.codes.WithLabelValues(ch, o)
		}
	}
	for _, m := range verifyMethods {
		for _, o := range verifyOutcomes {
			p.verifications.WithLabelValues(m, o)
		}
	}
	for _, r := range resolutions {
		p.closed.WithLabelValues(string(r))
	}
	if o.Store != nil {
		reg.MustRegister(newStoreCollector(o.Store, o.Queues, log))
	}
	if o.PatientSockets != nil {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: namespace, Name: "websockets", Help: "Open WebSockets by kind.",
			ConstLabels: prometheus.Labels{"kind": "patient"},
		}, func() float64 { return float64(o.PatientSockets()) }))
	}
	reg.MustRegister(passwordPool()...)
	if o.Runtime {
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	return p
}

// Registry returns the registry, for tests and extra collectors.
func (p *Prometheus) Registry() *prometheus.Registry { return p.reg }

// Handler serves the registry in the Prometheus exposition format.
func (p *Prometheus) Handler() http.Handler {
	return promhttp.HandlerFor(p.reg, promhttp.HandlerOpts{
		Registry: p.reg, Timeout: scrapeTimeout, ErrorHandling: promhttp.ContinueOnError,
	})
}

// TurnDone observes a turn's latency.
func (p *Prometheus) TurnDone(d time.Duration) { p.turns.Observe(d.Seconds()) }

// ConversationOpened counts a new conversation.
func (p *Prometheus) ConversationOpened() { p.opened.Inc() }

// ConversationClosed counts an ended conversation.
func (p *Prometheus) ConversationClosed(r bot.Resolution) { p.closed.WithLabelValues(string(r)).Inc() }

// CodeIssued counts a code request.
func (p *Prometheus) CodeIssued(channel, outcome string) {
	if channel == "" {
		channel = "none"
	}
	p.codes.WithLabelValues(channel, outcome).Inc()
}

// Verified counts a verification attempt.
func (p *Prometheus) Verified(method, outcome string) {
	p.verifications.WithLabelValues(method, outcome).Inc()
}

// Locked counts a lockout.
func (p *Prometheus) Locked(scope string) { p.lockouts.WithLabelValues(scope).Inc() }

// HandedOff counts a handoff.
func (p *Prometheus) HandedOff(queue, reason, outcome string) {
	p.handoffs.WithLabelValues(queue, reason, outcome).Inc()
}

// scrapeContext bounds the database reads of one scrape.
func scrapeContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), scrapeTimeout)
}
