package sms

import (
	"context"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
)

// OutMetrics counts texts sent; connectors/metrics implements it.
type OutMetrics interface {
	SMSOut(segments int)
}

// Meter sends through Next and, for each text the provider accepted,
// records its segments (the cost metric) against its conversation and
// counts them.
type Meter struct {
	Next     Sender
	Sessions Sessions   // nil records nothing
	Metrics  OutMetrics // nil counts nothing
	Log      zerolog.Logger
}

// Send implements Sender.
func (m Meter) Send(ctx context.Context, d bot.Delivery) error {
	if err := m.Next.Send(ctx, d); err != nil {
		return err
	}
	segments := Measure(d.Text).Segments
	if m.Metrics != nil {
		m.Metrics.SMSOut(segments)
	}
	if m.Sessions != nil {
		if err := m.Sessions.RecordSMSSegments(ctx, conversationOf(d.Key), "out", segments, time.Now()); err != nil {
			m.Log.Warn().Err(err).Msg("sms: record segments")
		}
	}
	return nil
}

// conversationOf is the conversation a delivery key names: turn keys
// start with the conversation's ID ("<id>:<step>:…"); a keyword's reply
// belongs to none.
func conversationOf(key string) string {
	if strings.HasPrefix(key, replyKeyPrefix) {
		return ""
	}
	id, _, ok := strings.Cut(key, ":")
	if !ok {
		return ""
	}
	return id
}
