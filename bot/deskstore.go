package bot

import (
	"context"
	"time"
)

// DeskStore keeps what the human side needs besides conversations.
type DeskStore interface {
	// OpenHandoffs returns the conversations queued or with an agent,
	// oldest in the queue first.
	OpenHandoffs(ctx context.Context) ([]*Conversation, error)
	AddNote(ctx context.Context, n Note) error
	Notes(ctx context.Context, conversationID string) ([]Note, error)
	AddFollowup(ctx context.Context, f Followup) error
	Followups(ctx context.Context) ([]Followup, error)
	FollowupDone(ctx context.Context, id, agent string, at time.Time) error
}

// Note is an agent's internal note on a conversation. It is never sent to
// the patient and takes no message seq.
type Note struct {
	ID             string
	ConversationID string
	Agent          string
	AgentName      string
	Text           string
	At             time.Time
}

// Followup is a message a patient left when nobody could take the chat.
type Followup struct {
	ID             string
	ConversationID string
	Queue          string
	Contact        string // how to reach the patient, as they typed it
	Question       string
	CreatedAt      time.Time
}
