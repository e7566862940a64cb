package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/staff"
)

// Frame types of the agent endpoint (PROTOCOL.md, "Agent endpoint"). say,
// typing and error are shared with the patient endpoint.
const (
	typeClaim        = "claim"
	typeNote         = "note"
	typeTransfer     = "transfer"
	typeToBot        = "to_bot"
	typeClose        = "close"
	typePresence     = "presence"
	typeOpen         = "open"          // additive: view any conversation, past ones too
	typeActive       = "active"        // additive: the agent used the console (keeps the session alive)
	typeFollowupDone = "followup_done" // additive: a message a patient left has been answered
	typeQueue        = "queue"
	typeConversation = "conversation"
	typeAssigned     = "assigned"
	typeReleased     = "released"
	typeFollowups    = "followups" // additive: messages left by patients
)

// Error codes of the agent endpoint besides the patient endpoint's.
const (
	CodeConflict     = "conflict"     // someone else holds the chat
	CodeNotFound     = "not_found"    // no such conversation or agent
	CodeUnauthorized = "unauthorized" // not allowed for this agent
	CodeAtCapacity   = "at_capacity"  // the agent taking the chat holds their capacity already
)

// Agent field limits. The frame as a whole is capped by
// ConsoleConfig.ReadLimit.
const (
	maxAgentTextRunes = staff.MaxTextRunes // say and note text
	maxConvIDLen      = 128
	maxNameLen        = 64 // queue, flow, resolution
	maxAgentIDLen     = 128
)

// agentWire is an agent frame as sent.
type agentWire struct {
	Type         *string `json:"type"`
	Conversation *string `json:"conversation"`
	ID           *string `json:"id"`
	Text         *string `json:"text"`
	On           *bool   `json:"on"`
	Queue        *string `json:"queue"`
	Agent        *string `json:"agent"`
	Note         *string `json:"note"`
	Flow         *string `json:"flow"`
	Resolution   *string `json:"resolution"`
	Status       *string `json:"status"`
	OverCapacity *bool   `json:"over_capacity"`
}

// AgentFrame is a decoded agent frame: Type and the fields it uses.
type AgentFrame struct {
	Type         string
	Conversation string
	ID           string
	Text         string
	On           bool
	Queue        string
	Agent        string
	Note         string
	Flow         string
	Resolution   string
	Available    bool // presence
	OverCapacity bool // claim, transfer: knowingly go beyond the capacity
}

// DecodeAgentFrame parses and checks one agent frame. Unknown fields are
// ignored. Any failure is a *FrameError.
func DecodeAgentFrame(b []byte) (AgentFrame, error) {
	var w agentWire
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return AgentFrame{}, badFrame("a frame must be one JSON object")
	}
	if err := json.Unmarshal(b, &w); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return AgentFrame{}, badFrame("field %s must be %s", clip(typeErr.Field, 32), jsonKind(typeErr.Type.Kind().String()))
		}
		return AgentFrame{}, badFrame("not valid JSON")
	}
	if w.Type == nil {
		return AgentFrame{}, badFrame("missing field type")
	}
	f := AgentFrame{
		Type: *w.Type, Conversation: deref(w.Conversation), ID: deref(w.ID), Text: deref(w.Text),
		Queue: deref(w.Queue), Agent: deref(w.Agent), Note: deref(w.Note), Flow: deref(w.Flow),
		Resolution: deref(w.Resolution),
	}
	if w.On != nil {
		f.On = *w.On
	}
	if w.OverCapacity != nil {
		f.OverCapacity = *w.OverCapacity
	}
	needConv := true
	switch f.Type {
	case typeClaim, typeOpen:
	case typeSay:
		switch {
		case f.ID == "":
			return AgentFrame{}, badFrame("say needs a non-empty id")
		case len(f.ID) > maxIDLen:
			return AgentFrame{}, tooLarge("id", maxIDLen)
		}
		if err := checkText(f.Text); err != nil {
			return AgentFrame{}, err
		}
	case typeNote:
		if err := checkText(f.Text); err != nil {
			return AgentFrame{}, err
		}
	case typeTyping:
		if w.On == nil {
			return AgentFrame{}, badFrame("typing needs on (true or false)")
		}
	case typeTransfer:
		switch {
		case (f.Queue == "") == (f.Agent == ""):
			return AgentFrame{}, badFrame("transfer needs a queue or an agent")
		case len(f.Queue) > maxNameLen:
			return AgentFrame{}, tooLarge("queue", maxNameLen)
		case len(f.Agent) > maxAgentIDLen:
			return AgentFrame{}, tooLarge("agent", maxAgentIDLen)
		case utf8.RuneCountInString(f.Note) > maxAgentTextRunes:
			return AgentFrame{}, tooLarge("note", maxAgentTextRunes)
		}
	case typeToBot:
		if len(f.Flow) > maxNameLen {
			return AgentFrame{}, tooLarge("flow", maxNameLen)
		}
	case typeClose:
		switch {
		case f.Resolution == "":
			return AgentFrame{}, badFrame("close needs a resolution")
		case len(f.Resolution) > maxNameLen:
			return AgentFrame{}, tooLarge("resolution", maxNameLen)
		}
	case typePresence:
		needConv = false
		switch deref(w.Status) {
		case "available":
			f.Available = true
		case "away":
		default:
			return AgentFrame{}, badFrame("presence status must be available or away")
		}
	case typeActive:
		needConv = false
	case typeFollowupDone:
		needConv = false
		switch {
		case f.ID == "":
			return AgentFrame{}, badFrame("followup_done needs the follow-up's id")
		case len(f.ID) > maxIDLen:
			return AgentFrame{}, tooLarge("id", maxIDLen)
		}
	default:
		return AgentFrame{}, &FrameError{Code: CodeUnknownType, Message: fmt.Sprintf("unknown frame type %q", clip(f.Type, 32))}
	}
	switch {
	case !needConv:
	case f.Conversation == "":
		return AgentFrame{}, badFrame("%s needs a conversation", f.Type)
	case len(f.Conversation) > maxConvIDLen:
		return AgentFrame{}, tooLarge("conversation", maxConvIDLen)
	}
	return f, nil
}

func checkText(s string) error {
	switch {
	case strings.TrimSpace(s) == "":
		return badFrame("text must not be empty")
	case utf8.RuneCountInString(s) > maxAgentTextRunes:
		return tooLarge("text", maxAgentTextRunes)
	}
	return nil
}

// QueueFrame is the whole waiting queue.
type QueueFrame struct {
	Type  string          `json:"type"`
	Items []QueueItemJSON `json:"items"`
}

// QueueItemJSON is one waiting conversation.
type QueueItemJSON struct {
	Conversation string `json:"conversation"`
	Queue        string `json:"queue"`
	Reason       string `json:"reason"`
	WaitingS     int    `json:"waiting_s"`
	Position     int    `json:"position"`
	Locale       string `json:"locale"`
	Verified     bool   `json:"verified"`
	LeftS        int    `json:"left_s,omitempty"`  // seconds since the patient closed every page of the chat; absent while one is open
	Channel      string `json:"channel,omitempty"` // "web" or "sms"
	From         string `json:"from,omitempty"`    // on SMS, the number masked to its last 4 digits
}

// AgentMsgFrame is a transcript message as an agent sees it: the patient's
// msg frame plus the conversation, and the agent's say id on their own
// messages.
type AgentMsgFrame struct {
	MsgFrame
	Conversation string `json:"conversation"`
	ID           string `json:"id,omitempty"`
}

// IdentityJSON is a conversation's identity card.
type IdentityJSON struct {
	Verified bool   `json:"verified"`
	Label    string `json:"label,omitempty"`
	How      string `json:"how,omitempty"`
	At       string `json:"at,omitempty"`
	Email    string `json:"email,omitempty"`
	Phone    string `json:"phone,omitempty"`
}

// ConversationFrame is everything an agent sees of one chat.
type ConversationFrame struct {
	Type         string            `json:"type"`
	Conversation string            `json:"conversation"`
	Status       bot.Status        `json:"status"`
	Transcript   []AgentMsgFrame   `json:"transcript"`
	Identity     IdentityJSON      `json:"identity"`
	Slots        map[string]string `json:"slots"`
	Flow         string            `json:"flow"`
	State        string            `json:"state,omitempty"`
	Reason       string            `json:"reason"`
	Queue        string            `json:"queue"`
	Agent        string            `json:"agent"`
	Locale       string            `json:"locale,omitempty"`
	Channel      string            `json:"channel,omitempty"` // "web" or "sms"
	From         string            `json:"from,omitempty"`    // on SMS, the number masked to its last 4 digits
}

// AgentTypingFrame says the patient of a chat is typing.
type AgentTypingFrame struct {
	Type         string   `json:"type"`
	Conversation string   `json:"conversation"`
	From         bot.From `json:"from"`
	On           bool     `json:"on"`
}

// AssignmentFrame says a chat went to (assigned) or left (released) an
// agent.
type AssignmentFrame struct {
	Type         string `json:"type"`
	Conversation string `json:"conversation"`
	Agent        string `json:"agent"`
	AgentName    string `json:"agent_name,omitempty"`
}

// FollowupsFrame lists the messages patients left that are not done yet.
type FollowupsFrame struct {
	Type  string         `json:"type"`
	Items []FollowupJSON `json:"items"`
}

// FollowupJSON is one message a patient left.
type FollowupJSON struct {
	ID           string `json:"id"`
	Conversation string `json:"conversation"`
	Queue        string `json:"queue"`
	Contact      string `json:"contact"`
	Question     string `json:"question"`
	At           string `json:"at"`
}

// AgentErrorFrame is an error frame about one conversation.
type AgentErrorFrame struct {
	ErrorFrame
	Conversation string `json:"conversation,omitempty"`
}

func agentMsg(m bot.Message) AgentMsgFrame {
	return AgentMsgFrame{
		MsgFrame: MsgFrame{Type: typeMsg, Seq: m.Seq, From: m.From, Text: m.Text, At: rfc3339(m.At),
			Agent: m.Agent, Replies: m.Replies, Input: m.Input},
		Conversation: m.ConversationID,
		ID:           agentSayID(m),
	}
}

// agentSayID is the say id of an agent's own message; patients' ids stay
// private to the patient.
func agentSayID(m bot.Message) string {
	if m.From == bot.FromAgent {
		return m.ClientID
	}
	return ""
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// conversationFrame encodes a conversation view.
func conversationFrame(v bot.ConversationView) ConversationFrame {
	f := ConversationFrame{
		Type: typeConversation, Conversation: v.ConversationID, Status: v.Status,
		Transcript: make([]AgentMsgFrame, 0, len(v.Transcript)),
		Identity: IdentityJSON{Verified: v.Identity.Verified, Label: v.Identity.Label, How: v.Identity.How,
			At: rfc3339(v.Identity.At), Email: v.Identity.Email, Phone: v.Identity.Phone},
		Slots: v.Slots, Flow: v.Flow, State: v.State, Reason: v.Reason, Queue: v.Queue, Agent: v.Agent,
		Locale: v.Locale, Channel: v.Channel, From: v.From,
	}
	if f.Slots == nil {
		f.Slots = map[string]string{}
	}
	for _, m := range v.Transcript {
		m.ConversationID = v.ConversationID
		f.Transcript = append(f.Transcript, agentMsg(m))
	}
	return f
}

// agentFrameOf turns an agent event into its frame.
func agentFrameOf(ev bot.AgentEvent) (any, error) {
	switch {
	case ev.Queue != nil || noneSet(ev):
		// An empty queue may come as a nil list: nothing else is ever empty.
		f := QueueFrame{Type: typeQueue, Items: make([]QueueItemJSON, 0, len(ev.Queue))}
		for _, q := range ev.Queue {
			f.Items = append(f.Items, QueueItemJSON{
				Conversation: q.ConversationID, Queue: q.Queue, Reason: q.Reason,
				WaitingS: int(math.Floor(q.Waiting.Seconds())), Position: q.Position, Locale: q.Locale, Verified: q.Verified,
				LeftS: leftSeconds(q.Left), Channel: q.Channel, From: q.From,
			})
		}
		return f, nil
	case ev.Conversation != nil:
		return conversationFrame(*ev.Conversation), nil
	case ev.Message != nil:
		return agentMsg(*ev.Message), nil
	case ev.Typing != nil:
		return AgentTypingFrame{Type: typeTyping, Conversation: ev.Typing.ConversationID, From: bot.FromPatient, On: ev.Typing.On}, nil
	case ev.Assigned != nil:
		return assignmentFrame(typeAssigned, ev.Assigned), nil
	case ev.Released != nil:
		return assignmentFrame(typeReleased, ev.Released), nil
	case ev.Followups != nil:
		f := FollowupsFrame{Type: typeFollowups, Items: make([]FollowupJSON, 0, len(ev.Followups))}
		for _, x := range ev.Followups {
			f.Items = append(f.Items, FollowupJSON{ID: x.ID, Conversation: x.ConversationID, Queue: x.Queue,
				Contact: x.Contact, Question: x.Question, At: rfc3339(x.CreatedAt)})
		}
		return f, nil
	default:
		return nil, fmt.Errorf("encode agent event: no field set")
	}
}

// leftSeconds is how long ago a patient left, in whole seconds, at least
// 1 once they have (0 means there).
func leftSeconds(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return max(1, int(d/time.Second))
}

// noneSet reports whether no field of ev is set.
func noneSet(ev bot.AgentEvent) bool {
	return ev.Queue == nil && ev.Conversation == nil && ev.Message == nil && ev.Typing == nil &&
		ev.Assigned == nil && ev.Released == nil && ev.Followups == nil
}

func assignmentFrame(typ string, a *bot.Assignment) AssignmentFrame {
	return AssignmentFrame{Type: typ, Conversation: a.ConversationID, Agent: a.AgentID, AgentName: a.AgentName}
}

// encodeAgentEvent returns the JSON text of an agent event's frame.
func encodeAgentEvent(ev bot.AgentEvent) ([]byte, error) {
	f, err := agentFrameOf(ev)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(f)
	if err != nil {
		return nil, fmt.Errorf("encode %T: %w", f, err)
	}
	return b, nil
}

// agentError maps a desk error to its frame at the edge: domain codes keep
// their (agent-facing) message; anything else is internal.
func agentError(err error, conversation string) (AgentErrorFrame, bool) {
	code := ""
	switch bot.ErrorCode(err) {
	case bot.ECONFLICT:
		code = CodeConflict
	case bot.ENOTFOUND:
		code = CodeNotFound
	case bot.EUNAUTHORIZED:
		code = CodeUnauthorized
	case bot.ECAPACITY:
		code = CodeAtCapacity
	case bot.EINVALID:
		code = CodeInvalid
	case bot.ERATELIMITED:
		code = CodeRateLimited
	case bot.EEXPIRED:
		code = CodeExpired
	default:
		return AgentErrorFrame{ErrorFrame: errorFrame(CodeInternal, "Something went wrong on our side. Please try again."),
			Conversation: conversation}, false
	}
	return AgentErrorFrame{ErrorFrame: errorFrame(code, bot.ErrorMessage(err)), Conversation: conversation}, true
}
