package staff

import (
	"time"

	"github.com/portico-chat/portico/bot"
)

// AuditFilter selects audit events for the admin's audit viewer. Zero
// fields match all; the text fields match exactly.
type AuditFilter struct {
	From, To  time.Time // at or after From, before To
	Actor     string    // "admin:<id>", "agent:<id>", "conversation:<id>", "system", …
	Type      string    // "user.created", "flow.publish", …
	Subject   string
	BeforeSeq int64 // only events older than this one (paging newest first); 0: from the newest
	Limit     int
}

// AuditCheck is the result of walking the audit hash chain.
type AuditCheck struct {
	Rows    int    // rows that verified, from the first
	BadSeq  int64  // the first row that does not, or 0 when the whole chain holds
	Problem string // what is wrong with it
}

// ConversationFilter selects past conversations. Zero fields match all.
type ConversationFilter struct {
	From, To   time.Time // created at or after From, before To
	Queue      string
	Resolution bot.Resolution
	Limit      int // page size
	Offset     int
}

// ConversationSummary is one row of a conversation search: no transcript,
// no slots, nothing about the patient.
type ConversationSummary struct {
	ID         string
	Status     bot.Status
	Resolution bot.Resolution
	Queue      string
	Flow       string
	Reason     string
	Locale     string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}
