// Package flows is Portico's flow language: the YAML format, the loader that
// reports every problem at its line and column, the validator, the
// compiler to looplab/fsm machines, and trigger-phrase matching.
package flows

import "sync"

// Flow is a validated, compiled dialog.
type Flow struct {
	Name     string
	Version  int // set by whoever stores versions; 0 when loaded from a file
	Title    Text
	Triggers map[string][]string // locale → phrases that start this flow
	Slots    map[string]*Slot
	Start    string
	States   map[string]*State
	Order    []string // state names in file order
	File     string
	Source   []byte

	events   []eventDesc             // transitions, compiled once (see machine.go)
	machines sync.Pool               // *fsm.FSM built from events, reused by Fire
	namePos  Pos                     // where the name is, for set-level problems
	src      map[string]*stateSource // where each state's parts are
}

// Text is a localized string: locale ("en", "es") → text. Placeholders
// {slot} are filled from the conversation's non-secret slots.
type Text map[string]string

// In returns the text in locale, falling back to English.
func (t Text) In(locale string) string {
	if s, ok := t[locale]; ok && s != "" {
		return s
	}
	return t["en"]
}

// Slot types.
const (
	SlotText   = "text"
	SlotName   = "name"
	SlotDate   = "date"
	SlotZIP    = "zip"
	SlotEmail  = "email"
	SlotPhone  = "phone"
	SlotCode   = "code"
	SlotToken  = "token" // alphanumeric code from the clinic, e.g. an activation code
	SlotSecret = "secret"
	SlotChoice = "choice"
)

// Slot is a typed value the dialog collects.
type Slot struct {
	Name         string
	Type         string
	Autocomplete string // HTML autocomplete token for the input hint
	Hint         Text   // format hint shown in the input, e.g. MM/DD/YYYY
	Length       int    // for code slots: exact number of digits (default 6)
	Pos          Pos
}

// Secret reports whether the slot's values must never be stored or shown.
func (s *Slot) Secret() bool { return s.Type == SlotSecret }

// Sensitive reports whether the slot's values must never be stored,
// logged or shown back: secrets, and one-time or activation codes.
func (s *Slot) Sensitive() bool {
	return s.Type == SlotSecret || s.Type == SlotCode || s.Type == SlotToken
}

// InputKind is the protocol's input hint kind for the slot.
func (s *Slot) InputKind() string {
	switch s.Type {
	case SlotToken:
		return SlotCode
	case SlotSecret, SlotDate, SlotCode, SlotEmail, SlotChoice:
		return s.Type
	case SlotPhone:
		return "tel"
	default:
		return "text"
	}
}

// Kind is what a state does after saying its text.
type Kind string

const (
	KindSay     Kind = "say"     // say, then go on to next
	KindAsk     Kind = "ask"     // ask for a slot and wait for the answer
	KindAction  Kind = "action"  // call a registered Go action, branch on its outcome
	KindCall    Kind = "call"    // run a sub-flow, branch on its outcome
	KindGoto    Kind = "goto"    // continue in another flow (no return)
	KindHandoff Kind = "handoff" // hand the conversation to a human queue
	KindEnd     Kind = "end"     // end the conversation with a resolution
	KindReturn  Kind = "return"  // end a sub-flow with an outcome for its caller
)

// State is one step of a flow. Every state may say text first.
type State struct {
	Name    string
	Kind    Kind
	Say     Text
	Replies []Reply // quick replies shown with the text

	Ask     string // KindAsk: the slot
	Invalid Text   // KindAsk: re-prompt after an answer that does not fit
	Tries   int    // KindAsk: answers allowed before "exhausted" (default 3)

	Action string            // KindAction: registered action name
	With   map[string]string // KindAction: action input → slot name

	Call string // KindCall: sub-flow name
	Goto string // KindGoto: flow name

	Queue  string // KindHandoff
	Reason string // KindHandoff

	End    string // KindEnd: resolved, unresolved, abandoned, handed_off
	Return string // KindReturn: outcome for the caller

	On  map[string]string // outcome → next state
	Pos Pos
}

// Reply is a quick reply: a button whose value answers a choice.
type Reply struct {
	Value string
	Label Text
}

// Outcomes every ask state has besides its answers.
const (
	OutcomeOK        = "ok"        // a valid answer (non-choice asks), or a say's next
	OutcomeExhausted = "exhausted" // too many answers that did not fit
)

// Pos is a place in a flow file, 1-based.
type Pos struct {
	Line, Col int
}

// ActionSpec describes a registered Go action to the validator.
type ActionSpec struct {
	Inputs         []string // input names the state must bind with `with`
	Outcomes       []string // every outcome the action can return
	Outputs        []string // slots the action sets (never secrets)
	ChangesAccount bool     // sets a password, activates an account …
	Verifies       string   // the outcome that proves identity; "" if none
}

// Catalog is the set of actions a flow may call, by name.
type Catalog map[string]ActionSpec
