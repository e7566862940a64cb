package bot

import "time"

// Limits are the security limits of verification, with SECURITY.md's
// defaults from DefaultLimits.
type Limits struct {
	CodeDigits            int           // one-time code length
	CodeTTL               time.Duration // one-time code lifetime
	CodeMaxTries          int           // wrong codes before "failed"
	CodesPerConversation  int           // codes one conversation may ask for
	CodeSendWindow        time.Duration // window for CodeSendsPerWindow
	CodeSendsPerWindow    int           // codes sent to one record per window
	CodeSendsPerDay       int           // codes sent to one record per day
	ActivationMaxTries    int           // wrong activation codes before "failed"
	FailureWindow         time.Duration // window for failure counts
	FailuresBeforePause   int           // a record's failures before it pauses
	PauseBase             time.Duration // first pause
	PauseMax              time.Duration // longest pause
	HardLockAfter         int           // failures in a row before staff must unlock
	ConversationFailures  int           // failed verifications per conversation
	IPFailures            int           // failed verifications per IP per window
	NewConversations      int           // new conversations per IP per NewConversationWindow
	NewConversationWindow time.Duration //
	IPv6Prefix            int           // IPv6 addresses are one "IP" per prefix of this many bits
	VerifiedIdle          time.Duration // a verified identity expires after this idle time
	ConversationIdle      time.Duration // idle conversations close as abandoned
	ResumeGrace           time.Duration // a closed conversation can still be resumed (to read it) this long
}

// DefaultLimits returns the limits SECURITY.md sets.
func DefaultLimits() Limits {
	return Limits{
		CodeDigits:            6,
		CodeTTL:               10 * time.Minute,
		CodeMaxTries:          5,
		CodesPerConversation:  3,
		CodeSendWindow:        15 * time.Minute,
		CodeSendsPerWindow:    3,
		CodeSendsPerDay:       10,
		ActivationMaxTries:    3,
		FailureWindow:         15 * time.Minute,
		FailuresBeforePause:   5,
		PauseBase:             time.Minute,
		PauseMax:              time.Hour,
		HardLockAfter:         100,
		ConversationFailures:  10,
		IPFailures:            50,
		NewConversations:      30,
		NewConversationWindow: time.Minute,
		IPv6Prefix:            64,
		VerifiedIdle:          15 * time.Minute,
		ConversationIdle:      30 * time.Minute,
		ResumeGrace:           30 * time.Minute,
	}
}

// Config is the engine's configuration.
type Config struct {
	Node              string // this server's name, for audit rows
	PortalName        string // how notices name the portal
	DefaultQueue      string // where "talk to a person" goes
	GreetingFlow      string // the flow a new conversation starts in
	PasswordMinLength int    // for wording rejections; the Directory enforces it
	SweepInterval     time.Duration
	Limits            Limits

	// The human side.
	Queues         map[string]Queue // by name; a queue not listed is always open, priority 0
	AgentCapacity  int              // chats an agent takes at once unless set per agent
	AutoAssign     bool             // hand waiting chats to available agents; else agents claim
	HandoffTimeout time.Duration    // after this long in the queue the patient may leave a message
	AgentGrace     time.Duration    // a disconnected agent keeps their chats this long
	MaxMisses      int              // unrecognised answers in a row before a person takes over
	SupportMailbox string           // emailed (without PHI) when a patient leaves a message
	DeskInterval   time.Duration    // how often grace periods and queue timeouts are checked

	// Channels are the delivery channels that can send (DeliverEmail,
	// DeliverSMS): only these are offered for one-time codes, and notices
	// go only to these.
	Channels []string

	// PatientGoneAfter is how long a waiting patient may have no page of
	// the chat open before the queue shows them as gone (sorted last,
	// never auto-assigned): a page change or a reconnect takes less.
	PatientGoneAfter time.Duration

	// CapacityOverride says who may knowingly go beyond a capacity, with
	// a claim or a transfer that asks to: OverrideNone (default),
	// OverrideAdmins or OverrideEveryone. Auto-assignment never does.
	CapacityOverride string
}

// Who may go beyond an agent's capacity (Config.CapacityOverride).
const (
	OverrideNone     = "none"
	OverrideAdmins   = "admins"
	OverrideEveryone = "everyone"
)

// DefaultConfig returns a working configuration.
func DefaultConfig() Config {
	return Config{
		Node:              "portico",
		PortalName:        "Portico",
		DefaultQueue:      "portal-support",
		GreetingFlow:      "greeting",
		PasswordMinLength: 15,
		SweepInterval:     time.Minute,
		Limits:            DefaultLimits(),
		AgentCapacity:     DefaultCapacity,
		CapacityOverride:  OverrideNone,
		Channels:          []string{DeliverEmail, DeliverSMS},
		PatientGoneAfter:  15 * time.Second,
		AutoAssign:        true,
		HandoffTimeout:    5 * time.Minute,
		AgentGrace:        2 * time.Minute,
		MaxMisses:         5,
		DeskInterval:      5 * time.Second,
	}
}
