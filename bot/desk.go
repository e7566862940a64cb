package bot

import "time"

// The human side of the engine: agents, their connections, the queue they
// work from. Agents authenticate in connectors/web; the engine trusts the
// AgentInfo it is given.

// Roles of the people who sign in to the console.
const (
	RoleAgent = "agent"
	RoleAdmin = "admin"
)

// DefaultCapacity is how many chats an agent holds at once unless the
// desk (Config.AgentCapacity, handoff.capacity) or their account says
// otherwise.
const DefaultCapacity = 3

// AgentInfo is who an agent connection belongs to.
type AgentInfo struct {
	ID       string   // stable user ID
	Name     string   // display name shown to patients
	Role     string   // RoleAgent or RoleAdmin
	Capacity int      // chats at once; 0 means the desk's, Config.AgentCapacity
	Queues   []string // queues the agent works; empty means every queue
	// Away is the presence the console starts with (it remembers the
	// agent's choice); false means available for new chats.
	Away bool
}

// AgentClient is one agent console connection. Like Client, Deliver must
// not block and returns false when the connection cannot keep up.
type AgentClient interface {
	Deliver(AgentEvent) bool
}

// AgentEvent is something an agent console must be told. Exactly one field
// is set.
type AgentEvent struct {
	Queue        []QueueItem       // the whole waiting queue, on connect and on every change
	Conversation *ConversationView // a chat the agent opened, claimed or was assigned
	Message      *Message          // a new message in a chat the agent holds or watches
	Typing       *AgentTyping      // the patient is typing
	Assigned     *Assignment       // a chat was assigned to an agent
	Released     *Assignment       // a chat left an agent (transfer, back to the bot, closed, grace over)
	Followups    []Followup        // messages patients left, not done yet: on connect and on every change
}

// QueueItem is one waiting conversation as the console lists it.
type QueueItem struct {
	ConversationID string
	Queue          string
	Reason         string
	Waiting        time.Duration
	Position       int // 1 = next in its queue
	Locale         string
	Verified       bool
	Left           time.Duration // how long ago the patient closed every page of the chat; 0 while one is open
	Channel        string        // ChannelWeb or ChannelSMS
	From           string        // on SMS, the patient's number masked to its last 4 digits
}

// ConversationView is everything an agent sees of a chat: the whole
// transcript, bot part included, what the bot verified and collected
// (secrets never), and why it was handed off.
type ConversationView struct {
	ConversationID string
	Status         Status
	Agent          string // the agent holding it, "" if none
	Flow           string
	State          string
	Queue          string
	Reason         string
	Locale         string
	Transcript     []Message
	Identity       Identity
	Slots          map[string]string // visible slots only
	Channel        string            // ChannelWeb or ChannelSMS
	From           string            // on SMS, the patient's number masked to its last 4 digits
}

// Identity is the console's identity card of a conversation's patient.
type Identity struct {
	Verified bool
	How      string // "otp_email", "otp_sms", "activation_code"
	At       time.Time
	Label    string // masked, e.g. "O. A•••, born 1985" — only when verified
	Email    string // masked
	Phone    string // masked
}

// AgentTyping tells an agent the patient of a chat is typing.
type AgentTyping struct {
	ConversationID string
	On             bool
}

// Assignment names a chat and the agent it went to or left.
type Assignment struct {
	ConversationID string
	AgentID        string
	AgentName      string
}
