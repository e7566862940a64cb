package bot

import "time"

// Status is where a conversation is: with the bot, waiting for a person,
// with a person, or over. The values are the protocol's.
type Status string

const (
	StatusBot    Status = "bot"
	StatusQueued Status = "queued"
	StatusAgent  Status = "agent"
	StatusClosed Status = "closed"
)

// Resolution is how a conversation ended.
type Resolution string

const (
	Resolved   Resolution = "resolved"
	Unresolved Resolution = "unresolved"
	Abandoned  Resolution = "abandoned"
	HandedOff  Resolution = "handed_off"
)

// Conversation channels: where the patient is.
const (
	ChannelWeb = "web" // the web widget, over the patient socket
	ChannelSMS = "sms" // text messages (connectors/sms)
)

// Conversation is one patient's chat: what the bot knows and where the
// dialog stands. It holds no secret: passwords and codes live only in memory
// for the turn that uses them.
type Conversation struct {
	ID         string
	Channel    string // where the patient is: ChannelWeb (the widget), ChannelSMS; fixed at creation
	Status     Status
	Resolution Resolution // set when Status is closed
	Locale     string     // "en" or "es"

	Flow        string  // the flow being run; "" before one starts
	FlowVersion int     // the version it started with, kept until it ends
	State       string  // the FSM state within Flow
	Stack       []Frame // callers suspended while a sub-flow runs
	Slots       map[string]string
	Tries       int   // wrong answers to the current question
	Misses      int   // unrecognised inputs in a row, outside a question
	Step        int64 // turns taken; part of idempotency keys

	Subject    string    // the verified record's ID; "" until verified
	VerifiedAt time.Time // zero until verified
	VerifiedBy string    // how: "otp_email", "otp_sms", "activation_code"

	ResumeHash []byte // SHA-256 of the resume token
	LastSeq    int64  // highest message seq

	Queue     string    // handoff queue, when queued or with an agent
	Reason    string    // why it was handed off
	QueuedAt  time.Time // when it entered the queue; kept when it goes back to the front
	Agent     string    // the agent's user ID, when with an agent
	AgentName string    // the agent's display name, as the patient sees it

	CreatedAt time.Time
	UpdatedAt time.Time
}

// Frame is a suspended caller of a sub-flow: where to continue and which
// flow version it runs.
type Frame struct {
	Flow    string `json:"flow"`
	Version int    `json:"version"`
	State   string `json:"state"`
}

// From says who wrote a message.
type From string

const (
	FromBot     From = "bot"
	FromAgent   From = "agent"
	FromPatient From = "patient"
	FromSystem  From = "system"
	// FromNote marks an agent's internal note in an agent's view of a
	// transcript; notes are never sent to the patient.
	FromNote From = "note"
)

// Masked stands in for a secret in transcripts and echoes.
const Masked = "••••••"

// Message is one entry of a transcript. Seq numbers run 1, 2, 3 … per
// conversation with no gaps and are assigned by the store at commit.
type Message struct {
	ConversationID string
	Seq            int64
	ClientID       string // the patient's say id, for dedup; "" otherwise
	From           From
	Agent          string // display name when From is agent
	Text           string // secrets already replaced by Masked
	At             time.Time
	Replies        []Reply
	Input          *Input
}

// Reply is a quick-reply button.
type Reply struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// Input tells the client what kind of answer the bot expects.
type Input struct {
	Kind         string `json:"kind"` // text, secret, date, code, email, tel, choice
	Slot         string `json:"slot"`
	Autocomplete string `json:"autocomplete,omitempty"`
	Hint         string `json:"hint,omitempty"`
	Length       int    `json:"length,omitempty"` // a one-time code's digits (kind code, not an activation code)
}

// Peer is where the patient is on a channel that reaches them through the
// outbox, as Hello.Peer gave it; "" on the web.
func (c *Conversation) Peer() string { return c.Slots[slotPeer] }

// Line is our own address the patient reached on an outbox channel, as
// Hello.Line gave it: the number an SMS conversation's texts go out from.
// "" on the web, and for a conversation opened before it was kept.
func (c *Conversation) Line() string { return c.Slots[slotLine] }
