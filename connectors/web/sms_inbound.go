package web

import (
	"context"
	"net/http"

	"github.com/portico-chat/portico/bot"
)

// SMSDeps are the SMS channel's parts the server mounts; a nil field
// leaves its routes out.
type SMSDeps struct {
	// Inbound is the provider's webhook, POST /sms/inbound
	// (connectors/sms.Handler): it checks the request's signature before
	// it reads anything else, so the route has no guard of its own.
	Inbound http.Handler
	// Continue redeems the token of a link texted in place of a secret
	// question, and returns the resume token and language with which the
	// widget picks the conversation up at that question
	// (sms_continue.go). An EEXPIRED error means the link is dead.
	Continue func(ctx context.Context, token string) (resume, locale string, err error)
	// Measure is what a reply costs as texts, for the console
	// (console_sms_segments.go).
	Measure func(text string) SMSMeasure
	// Preview renders a bot message as the SMS channel would text it, and
	// Choose reads a texted answer to numbered choices: the flow editor's
	// sandbox previews a flow as SMS with them (admin_sandbox.go).
	Preview func(m bot.Message, locale string) []SMSPart
	Choose  func(text string, replies []bot.Reply) (string, bool)
}

// SMSPart is one text of a message as the SMS channel sends it.
type SMSPart struct {
	Text     string `json:"text"`
	Encoding string `json:"encoding"` // "GSM-7" or "UCS-2"
	Segments int    `json:"segments"`
}

// handleSMSInbound is POST /sms/inbound.
func (s *Server) handleSMSInbound(w http.ResponseWriter, r *http.Request) {
	s.deps.SMS.Inbound.ServeHTTP(w, r)
}
