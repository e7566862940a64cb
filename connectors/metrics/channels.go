package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/portico-chat/portico/bot"
)

// Messages and SMS segments by conversation channel (docs/sms.md).

var (
	channelNames = []string{bot.ChannelWeb, bot.ChannelSMS}
	directions   = []string{"in", "out"}
)

// channelCounters are the per-channel counters, registered by New.
type channelCounters struct {
	messages *prometheus.CounterVec
	segments *prometheus.CounterVec
}

func newChannelCounters(reg prometheus.Registerer) channelCounters {
	c := channelCounters{
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "channel_messages_total",
			Help: "Transcript messages by conversation channel and direction (in: the patient's; out: the bot's, agents' and system's).",
		}, []string{"channel", "direction"}),
		segments: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "channel_segments_total",
			Help: "Billed text message segments by channel and direction (in: as the provider counted them; out: accepted by the provider).",
		}, []string{"channel", "direction"}),
	}
	reg.MustRegister(c.messages, c.segments)
	for _, ch := range channelNames {
		for _, d := range directions {
			c.messages.WithLabelValues(ch, d)
		}
	}
	for _, d := range directions {
		c.segments.WithLabelValues(bot.ChannelSMS, d)
	}
	return c
}

// ChannelMessage implements bot.MessageMetrics.
func (p *Prometheus) ChannelMessage(channel, direction string) {
	p.channels.messages.WithLabelValues(channel, direction).Inc()
}

// SMSIn counts the segments of an inbound text (connectors/sms.Metrics).
func (p *Prometheus) SMSIn(segments int) {
	p.channels.segments.WithLabelValues(bot.ChannelSMS, "in").Add(float64(segments))
}

// SMSOut counts the segments of a text the provider accepted
// (connectors/sms.OutMetrics).
func (p *Prometheus) SMSOut(segments int) {
	p.channels.segments.WithLabelValues(bot.ChannelSMS, "out").Add(float64(segments))
}
