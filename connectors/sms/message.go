package sms

import (
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/flows"
)

// Form fields of an inbound message webhook that Portico reads. The
// provider sends more (AccountSid, FromCity, SmsStatus …); they count in
// the signature and are otherwise ignored.
const (
	fieldSID      = "MessageSid"
	fieldFrom     = "From"
	fieldTo       = "To"
	fieldBody     = "Body"
	fieldSegments = "NumSegments"
	fieldMedia    = "NumMedia"
)

// Limits of an inbound message.
const (
	maxSIDLen = 64 // Twilio's are 34 characters; compatible providers use UUIDs
	// maxBodyRunes is the longest text a provider delivers (1,600
	// characters, 10 concatenated segments); anything longer is refused.
	maxBodyRunes = 1600
	// maxReportedSegments bounds NumSegments; a larger value is not a count.
	maxReportedSegments = 100
)

// Message is an inbound text, after its signature checked.
type Message struct {
	// SID is the provider's id of the message (MessageSid). A provider may
	// deliver the same message twice; the SID is how to tell.
	SID  string
	From string // the patient's number, E.164
	To   string // our number, E.164: one of Config.Numbers
	// Body is the text, with control characters (other than line breaks)
	// and bidirectional overrides removed and surrounding space trimmed.
	Body     string
	Segments int       // segments the patient sent, as the provider counts them; 0 if not given
	Media    int       // attachments (MMS); Portico does not read them
	Received time.Time // when Portico received it, UTC

	// Set by the Gate before the engine sees the message.
	Keyword Keyword // the carrier keyword the message is, if any
	// Reply is an automatic reply to send now, from To to From: a keyword
	// confirmation or the help text; "" for none. Queue it with ReplyKey as
	// the delivery's key: a redelivered message then queues nothing more,
	// and Guard lets it through to a number that has just opted out.
	Reply    string
	ReplyKey string
	// RunFlow is false when no flow may see the message: it is a keyword,
	// or the sender has opted out (record it; never answer it).
	RunFlow bool
}

// DefaultSessionIdle is how long an SMS conversation waits for the
// patient's next text (sms.session_idle): a text after that starts a new
// conversation.
const DefaultSessionIdle = 30 * time.Minute

// Conversation is the key of the SMS conversation the message belongs to:
// one per pair of our number and the patient's number.
func (m Message) Conversation() string { return m.To + ":" + m.From }

// badField is an inbound form the handler refuses; its text names the
// field and is safe to return to the provider.
func badField(format string, args ...any) error {
	return bot.Errorf(bot.EINVALID, format, args...)
}

// parseMessage reads the fields of an inbound message form. ours holds our
// numbers. Every field Portico uses must appear once.
func parseMessage(form url.Values, ours map[string]bool) (Message, error) {
	var m Message
	for _, f := range []string{fieldSID, fieldFrom, fieldTo, fieldBody} {
		switch n := len(form[f]); {
		case n == 0 && f != fieldBody:
			return Message{}, badField("%s is missing", f)
		case n > 1:
			return Message{}, badField("%s is repeated", f)
		}
	}
	m.SID = form.Get(fieldSID)
	if !validSID(m.SID) {
		return Message{}, badField("%s is not a message id", fieldSID)
	}
	m.From = form.Get(fieldFrom)
	if !isE164(m.From) {
		return Message{}, badField("%s is not an E.164 number", fieldFrom)
	}
	m.To = form.Get(fieldTo)
	if !ours[m.To] {
		return Message{}, badField("%s is not one of sms.numbers", fieldTo)
	}
	body := form.Get(fieldBody)
	if !utf8.ValidString(body) {
		return Message{}, badField("%s is not UTF-8", fieldBody)
	}
	if utf8.RuneCountInString(body) > maxBodyRunes {
		return Message{}, badField("%s is longer than %d characters", fieldBody, maxBodyRunes)
	}
	m.Body = cleanText(body)
	m.Segments = count(form.Get(fieldSegments))
	m.Media = count(form.Get(fieldMedia))
	return m, nil
}

// validSID accepts letters, digits, '-' and '_'.
func validSID(s string) bool {
	if s == "" || len(s) > maxSIDLen {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// isE164 reports whether s is a number in E.164 form exactly as the phone
// normaliser writes it, so each number has one spelling in every key.
func isE164(s string) bool {
	if !strings.HasPrefix(s, "+") {
		return false
	}
	n, err := flows.Normalize(&flows.Slot{Type: flows.SlotPhone}, s, bot.English, time.Time{})
	return err == nil && n == s
}

// NormalizeNumber returns a configured number (one of sms.numbers) in
// E.164, or an error naming what is wrong with it.
func NormalizeNumber(s string) (string, error) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "+") {
		return "", bot.Errorf(bot.EINVALID, "number %q must be in E.164 form, starting with +", s)
	}
	n, err := flows.Normalize(&flows.Slot{Type: flows.SlotPhone}, s, bot.English, time.Time{})
	if err != nil {
		return "", bot.Errorf(bot.EINVALID, "number %q is not a valid phone number", s)
	}
	return n, nil
}

// count reads a small non-negative count; anything else is 0 (unknown).
func count(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 || n > maxReportedSegments {
		return 0
	}
	return n
}

// cleanText removes what must never reach an agent's screen or a log
// unexamined: control characters (line breaks are kept, as "\n") and the
// invisible marks that reorder text (bidirectional embeddings, overrides
// and isolates).
func cleanText(s string) string {
	s = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\t", " ").Replace(s)
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return r
		case unicode.IsControl(r), unicode.Is(unicode.Bidi_Control, r):
			return -1
		}
		return r
	}, s))
}
