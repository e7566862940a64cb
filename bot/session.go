package bot

import "time"

// Hello opens or resumes a conversation (the protocol's hello frame).
type Hello struct {
	Resume  string // resume token; "" for a new conversation
	LastSeq int64  // replay messages after this seq
	Locale  string // BCP 47; anything but Spanish falls back to English
	Start   string // optional flow to start straight away
	Source  string // client IP, for audit and throttling
	// Channel is where the patient is: "" or ChannelWeb for the widget's
	// socket, or a channel of Deps.Channels.
	Channel string
	// Peer is the patient's address on a channel that reaches them through
	// the outbox: for SMS, the number they text from (E.164). It is kept
	// with the conversation (Conversation.Peer): the channel renders
	// replies to it, and a code texted to the number on file proves
	// possession only when it is that number (verify.go codeContact).
	Peer string
	// Line is our own address on that channel, the one the patient
	// reached: for SMS, the number of ours they text (E.164). Texts of the
	// conversation (replies, codes, notices) go out from it
	// (Conversation.Line, Delivery.From).
	Line string
	// First is the patient's first message, on a channel where the
	// patient speaks first (SMS). It is stored as the conversation's first
	// message under its say id, picks the conversation's language when it
	// is plainly Spanish, and names the flow to start as a trigger phrase
	// would (the greeting otherwise; a person, for "agent").
	First *Say
	// ResumeOnly refuses to start a new conversation when Resume is dead:
	// Hello then fails with EEXPIRED instead. A widget restoring a chat
	// on a new page uses it, so that no conversation begins before the
	// patient asks for one.
	ResumeOnly bool
}

// Welcome answers Hello.
type Welcome struct {
	ConversationID string
	Resume         string // the token for this tab to keep
	Seq            int64  // highest seq so far
	Status         Status
	// Expired is true when Hello carried a resume token that is unknown or
	// expired, so a new conversation was started instead.
	Expired bool
}

// Say is the patient's turn.
type Say struct {
	ID     string // client-made unique id, for dedup
	Text   string
	Reply  string // the value of a quick reply
	Source string
	// Pick, when set, reads a typed answer to a question's quick replies
	// as a text channel shows them (numbered choices), returning the
	// value picked; connectors/sms sets it to sms.Choose.
	Pick func(text string, replies []Reply) (string, bool)
	// Texted marks a say that came by text message, which never answers
	// a secret question: the secret is refused unread and the question
	// asked again (on SMS, as a new link to the web chat).
	Texted bool
	// RecordOnly stores the say in the transcript and runs nothing: a
	// text from a number that opted out is kept, never answered.
	RecordOnly bool
}

// Event is something a client attached to a conversation must be told.
// Exactly one field is set.
type Event struct {
	Ack     *Ack
	Message *Message
	Status  *StatusChange
	Typing  *Typing
}

// Ack confirms that a say was stored durably as message Seq.
type Ack struct {
	ID  string
	Seq int64
}

// StatusChange tells a client the conversation's status changed.
type StatusChange struct {
	Status     Status
	Position   int           // place in the queue, 1 = next; 0 if not queued
	Wait       time.Duration // estimated wait; 0 if unknown
	Agent      string        // the agent's display name
	Resolution Resolution
}

// Typing is a typing indicator.
type Typing struct {
	From From
	On   bool
}

// Client is one connection attached to a conversation. Deliver must not
// block: it returns false when the client cannot keep up, and the engine
// then detaches it (a slow consumer is dropped, not waited on).
type Client interface {
	Deliver(Event) bool
}
