package bot

import "time"

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
