package report

import (
	"context"
	"time"

	"github.com/portico-chat/portico/bot"
)

// Store reads the rows of a report's range; a store implements nothing
// else of analytics. storage/sqlite implements it, and storage/storetest
// checks every store reads the same rows.
type Store interface {
	// ReportRows returns the conversations created in [from, to) and what
	// happened to them, read from one snapshot.
	ReportRows(ctx context.Context, from, to time.Time) (Rows, error)
}

// Rows are what a report is computed from.
type Rows struct {
	Conversations []Conversation // created in the range, in any order
	Handoffs      []Handoff      // every handoff of those conversations, in the order they were made
	Visits        []Visit        // the states they entered, in order
	// Events are the "conversation.closed" and "rating" audit events of
	// those conversations at or after the range's start, in the order
	// they were written.
	Events []Event
	// Segments are the SMS segments of those conversations' texts, summed
	// by conversation and direction (zero sums left out).
	Segments []Segments
}

// Directions of text segments.
const (
	SegmentsIn  = "in"  // texts the patient sent
	SegmentsOut = "out" // texts Portico sent
)

// Segments is what one conversation's texts in one direction cost, in
// segments (the unit providers bill).
type Segments struct {
	Conversation string
	Direction    string // SegmentsIn or SegmentsOut
	Count        int
}

// Conversation is what a report reads of one conversation.
type Conversation struct {
	ID         string
	Channel    string
	Status     bot.Status
	Resolution bot.Resolution
	Flow       string // the flow it is in now
	Created    time.Time
	Queued     bool // ever put in a queue
	Followup   bool // left a message for the team
	Answered   bool // the patient said or tapped anything
}

// Handoff is what a report reads of one handoff.
type Handoff struct {
	Conversation string
	Reason       string
	Outcome      string    // how it ended (Turn.HandoffOutcome); "" when not recorded
	Since        time.Time // in line since
	Assigned     time.Time // first taken by a person; zero: not yet
	Ended        time.Time // off the human side; zero: not yet
}

// Visit is one state a conversation entered.
type Visit struct {
	Conversation string
	bot.Visit
}

// Audit event types a report reads.
const (
	EventClosed = "conversation.closed"
	EventRating = "rating" // Outcome is the stars, "1" to "5"
)

// Event is an audit event of a conversation.
type Event struct {
	Conversation string
	Type         string // EventClosed or EventRating
	Outcome      string
	At           time.Time
}
