package bot

import (
	"cmp"
	"strings"
	"time"
)

// Metrics receives the engine's operational events, for an adapter to count
// (connectors/metrics exports them to Prometheus). Every method must be
// cheap and must not block: they are called on the turn's goroutine. Labels
// are small fixed sets (channels, outcomes, resolutions, flow-defined queue
// and reason names); none carries an identifier or patient data.
type Metrics interface {
	// TurnDone reports how long a patient's turn took, from receiving the
	// say to telling the clients, commit included.
	TurnDone(d time.Duration)
	// ConversationOpened counts a new conversation.
	ConversationOpened()
	// ConversationClosed counts a conversation that ended, by resolution.
	ConversationClosed(r Resolution)
	// CodeIssued counts a one-time code request by channel ("email",
	// "sms", "" when refused before a channel was chosen) and outcome:
	// "sent", "suppressed" (no match, no contact, paused or throttled:
	// nothing delivered, the patient is told the same) or "refused" (the
	// conversation asked for too many).
	CodeIssued(channel, outcome string)
	// Verified counts a verification attempt by method ("otp" or
	// "activation_code") and outcome ("ok", "failed", "expired").
	Verified(method, outcome string)
	// Locked counts a verification lockout by scope: "record",
	// "conversation" or "ip".
	Locked(scope string)
	// HandedOff counts a handoff by queue, reason and outcome: "queued",
	// "closed" (the queue was closed; the patient was offered to leave a
	// message) or "timeout" (nobody took it in time).
	HandedOff(queue, reason, outcome string)
}

// NoMetrics counts nothing; it is the engine's default.
type NoMetrics struct{}

func (NoMetrics) TurnDone(time.Duration)           {}
func (NoMetrics) ConversationOpened()              {}
func (NoMetrics) ConversationClosed(Resolution)    {}
func (NoMetrics) CodeIssued(string, string)        {}
func (NoMetrics) Verified(string, string)          {}
func (NoMetrics) Locked(string)                    {}
func (NoMetrics) HandedOff(string, string, string) {}

var _ Metrics = NoMetrics{}

// MessageMetrics is an optional Metrics capability: transcript messages
// counted by conversation channel and direction ("in" for the patient's,
// "out" for the rest).
type MessageMetrics interface {
	ChannelMessage(channel, direction string)
}

// observe counts what a committed turn did, and tells Deps.Held of codes
// held back. It reads the turn's audit events, so the metrics count
// exactly what the audit log records.
func (e *Engine) observe(t *Turn) {
	m := e.metrics
	if mm, ok := m.(MessageMetrics); ok && t.Conversation != nil {
		for i := range t.Messages {
			dir := "out"
			if t.Messages[i].From == FromPatient {
				dir = "in"
			}
			mm.ChannelMessage(cmp.Or(t.Conversation.Channel, ChannelWeb), dir)
		}
	}
	for _, a := range t.Audit {
		switch a.Type {
		case "conversation.opened":
			m.ConversationOpened()
		case "conversation.closed":
			m.ConversationClosed(Resolution(a.Outcome))
		case "code.issued":
			channel := a.Detail // "sent" names the channel; the others a reason
			if a.Outcome != "sent" {
				channel = ""
				if a.Outcome == "suppressed" && t.Conversation != nil {
					channel = t.Conversation.Slots[slotChannel]
				}
			}
			m.CodeIssued(channel, a.Outcome)
			if a.Outcome == "suppressed" && a.Subject != "" && e.held != nil {
				e.held(HeldCode{Record: a.Subject, Channel: channel, Why: a.Detail, At: a.At})
			}
		case "verify.attempt":
			method := a.Detail
			if strings.HasPrefix(method, "otp") {
				method = "otp" // "otp_email", "otp_sms" on success; the channel is counted with the code
			}
			m.Verified(method, a.Outcome)
		case "verify.locked", "verify.paused":
			m.Locked(a.Detail)
		case "handoff":
			// Detail is "queue reason" when queued or closed, "queue" on a timeout.
			queue, reason, _ := strings.Cut(a.Detail, " ")
			m.HandedOff(queue, reason, a.Outcome)
		}
	}
}
