package bot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/looplab/fsm"

	"github.com/portico-chat/portico/flows"
)

// maxStepsPerTurn bounds how many states one turn may pass through, so a
// flow that loops without asking anything fails loudly instead of spinning.
const maxStepsPerTurn = 64

// Internal slots hold what the engine must remember between turns but the
// flow must not see or branch on. They start with an underscore; agents and
// templates never see them.
const (
	slotRecord          = "_record"           // the record the demographics found, "" if none
	slotChannel         = "_channel"          // where the last code went
	slotCodesSent       = "_codes_sent"       // codes this conversation asked for
	slotCodeWrong       = "_code_wrong"       // wrong codes in a row
	slotActWrong        = "_act_wrong"        // wrong activation codes in a row
	slotFailures        = "_failures"         // failed verifications in this conversation
	slotHandoffWhy      = "_handoff_why"      // what the agent should know, e.g. "record_paused"
	slotOffered         = "_offered"          // already offered to leave a message
	slotAgentResolution = "_agent_resolution" // how the agent closed the chat
	slotLeftQueue       = "_left_queue"       // the queue a follow-up belongs to
	slotReasonKey       = "_reason"           // the key of the text in slotReason
	slotAfterSecret     = "_after_secret"     // the last say answered a secret: mask the next one too
	slotPeer            = "_peer"             // where the patient is on an outbox channel (Hello.Peer)
	slotLine            = "_line"             // our number the patient reached on an outbox channel (Hello.Line)
)

// slotReason is the visible slot a rejected answer's reason is worded in,
// for flows to say as {reason}.
const slotReason = "reason"

// keptSlots are the conversation's own limits and masking, which outlive
// "restart" and a re-verification: starting over must not reset them.
var keptSlots = []string{slotFailures, slotCodesSent, slotActWrong, slotAfterSecret, slotPeer, slotLine}

// keepOnly empties the slots but keptSlots.
func keepOnly(slots map[string]string) map[string]string {
	kept := map[string]string{}
	for _, k := range keptSlots {
		if v, ok := slots[k]; ok {
			kept[k] = v
		}
	}
	return kept
}

// Built-in flows the engine itself starts. Reports count a conversation
// under the flow it came for, not under these (report.DefaultRouting).
const (
	RateFlow  = "rate_chat"     // after an agent closes a chat
	LeaveFlow = "leave_message" // when nobody can take a chat
)

// turn computes one step of a conversation: it works on a copy of the
// conversation and collects everything to commit as one Turn.
type turn struct {
	e       *Engine
	ctx     context.Context
	conv    *Conversation
	out     Turn
	secrets map[string]string // sensitive answers, alive for this turn only
	source  string            // client IP
	now     time.Time
	key     string // idempotency key of this step
	// prevUpdate is when the conversation last changed before this turn.
	prevUpdate time.Time
	// followupAdded is set when the turn left a message for the team.
	followupAdded bool
	// started is when the patient's say arrived, for the turn-latency
	// metric; zero for turns that are not the patient's.
	started time.Time
}

func (e *Engine) newTurn(ctx context.Context, c *Conversation, source string) *turn {
	cp := *c
	cp.Slots = make(map[string]string, len(c.Slots))
	for k, v := range c.Slots {
		cp.Slots[k] = v
	}
	cp.Stack = append([]Frame(nil), c.Stack...)
	now := e.clock.Now()
	// The turn's writes before its commit share the commit's fsync.
	t := &turn{e: e, ctx: WithTurnSync(ctx), conv: &cp, secrets: map[string]string{}, source: source, now: now,
		key: c.ID + ":" + strconv.FormatInt(c.Step, 10), prevUpdate: c.UpdatedAt}
	cp.Step++
	cp.UpdatedAt = now
	t.out.Conversation = &cp
	return t
}

// flow returns the flow the conversation is in, at its version.
func (t *turn) flow() (*flows.Flow, error) {
	return t.e.flows.Version(t.ctx, t.conv.Flow, t.conv.FlowVersion)
}

// message appends a message from the bot or the system.
func (t *turn) message(from From, text string, replies []Reply, input *Input) {
	t.out.Messages = append(t.out.Messages, Message{
		ConversationID: t.conv.ID, From: from, Text: text, At: t.now, Replies: replies, Input: input,
	})
}

func (t *turn) audit(typ, outcome, detail string) {
	t.auditAbout(t.subject(), typ, outcome, detail)
}

// auditAbout audits an event about a record the conversation has not
// settled on (one of the records an activation code was tried for).
func (t *turn) auditAbout(subject, typ, outcome, detail string) {
	t.out.Audit = append(t.out.Audit, AuditEvent{
		Type: typ, At: t.now, Node: t.e.cfg.Node, Source: t.source,
		Actor: "conversation:" + t.conv.ID, Subject: subject, Outcome: outcome, Detail: detail,
	})
}

// subject is the record the conversation is about: the verified one, or the
// one the demographics found (for audit only).
func (t *turn) subject() string {
	if t.conv.Subject != "" {
		return t.conv.Subject
	}
	return t.conv.Slots[slotRecord]
}

// startFlow begins a flow at its start state, keeping nothing of the
// previous one but the locale.
func (t *turn) startFlow(name string) error {
	f, ok := t.e.flows.Current(name)
	if !ok {
		return fmt.Errorf("start flow %q: no such flow", name)
	}
	t.conv.Flow, t.conv.FlowVersion, t.conv.Stack = f.Name, f.Version, nil
	t.conv.Tries, t.conv.Misses = 0, 0
	t.audit("flow.start", "ok", f.Name)
	return t.loop(f, f.Start)
}

// advance leaves the current state with an outcome and runs until the
// dialog waits for the patient or ends.
func (t *turn) advance(outcome string) error {
	f, err := t.flow()
	if err != nil {
		return err
	}
	next, err := t.transition(f, t.conv.State, outcome)
	if err != nil {
		return err
	}
	return t.loop(f, next)
}

// loop enters state and keeps going through states that need no answer.
func (t *turn) loop(f *flows.Flow, state string) error {
	for range maxStepsPerTurn {
		outcome, wait, err := t.enter(f, state)
		if err != nil || wait {
			return err
		}
		// A return or call may have switched flows.
		if f, err = t.flow(); err != nil {
			return err
		}
		if state, err = t.transition(f, t.conv.State, outcome); err != nil {
			return err
		}
	}
	return fmt.Errorf("flow %s: more than %d steps without waiting for the patient", f.Name, maxStepsPerTurn)
}

// transition runs the flow's compiled machine from state on outcome; the
// machine is built once per flow version and reused (flows.Flow.Fire). A
// transition to the same state is how a flow asks again (looplab/fsm
// reports it as NoTransitionError).
func (t *turn) transition(f *flows.Flow, state, outcome string) (string, error) {
	next, err := f.Fire(context.WithoutCancel(t.ctx), state, outcome)
	var same fsm.NoTransitionError
	switch {
	case errors.As(err, &same):
		return state, nil
	case err != nil:
		return "", fmt.Errorf("flow %s state %s outcome %s: %w", f.Name, state, outcome, err)
	}
	return next, nil
}

// enter runs one state. It returns the outcome to leave it with, or wait
// when the dialog now waits for the patient (or has ended).
func (t *turn) enter(f *flows.Flow, name string) (outcome string, wait bool, err error) {
	st, ok := f.States[name]
	if !ok {
		return "", false, fmt.Errorf("flow %s: no state %s", f.Name, name)
	}
	t.conv.State = name
	t.visit(f.Name, name)
	loc := t.conv.Locale
	switch st.Kind {
	case flows.KindAsk:
		t.conv.Tries = 0
		st = t.offered(f, st)
		if outcome, decided := t.channelChoice(f, st); decided {
			return outcome, outcome == "", nil
		}
		t.ask(f, st, t.fill(st.Say.In(loc)))
		return "", true, nil
	default:
		if len(st.Say) > 0 {
			t.message(FromBot, t.fill(st.Say.In(loc)), nil, nil)
		}
	}
	switch st.Kind {
	case flows.KindSay:
		return flows.OutcomeOK, false, nil
	case flows.KindAction:
		outcome, err := t.act(st)
		return outcome, false, err
	case flows.KindCall:
		callee, ok := t.e.flows.Current(st.Call)
		if !ok {
			return "", false, fmt.Errorf("flow %s state %s: no flow %s to call", f.Name, name, st.Call)
		}
		t.conv.Stack = append(t.conv.Stack, Frame{Flow: f.Name, Version: f.Version, State: name})
		t.conv.Flow, t.conv.FlowVersion = callee.Name, callee.Version
		return t.enterNested(callee, callee.Start)
	case flows.KindGoto:
		target, ok := t.e.flows.Current(st.Goto)
		if !ok {
			return "", false, fmt.Errorf("flow %s state %s: no flow %s", f.Name, name, st.Goto)
		}
		t.conv.Flow, t.conv.FlowVersion, t.conv.Stack = target.Name, target.Version, nil
		t.audit("flow.start", "ok", target.Name)
		return t.enterNested(target, target.Start)
	case flows.KindReturn:
		if len(t.conv.Stack) == 0 {
			return "", false, fmt.Errorf("flow %s state %s: return with no caller", f.Name, name)
		}
		top := t.conv.Stack[len(t.conv.Stack)-1]
		t.conv.Stack = t.conv.Stack[:len(t.conv.Stack)-1]
		t.conv.Flow, t.conv.FlowVersion, t.conv.State = top.Flow, top.Version, top.State
		return st.Return, false, nil
	case flows.KindHandoff:
		t.handoff(st.Queue, st.Reason, f.Name+"."+name, false, len(st.Say) == 0)
		return "", true, nil
	case flows.KindEnd:
		t.end(Resolution(st.End))
		return "", true, nil
	}
	return "", false, fmt.Errorf("flow %s state %s: unknown kind %q", f.Name, name, st.Kind)
}

// enterNested enters the first state of a flow just switched to; the loop
// goes on from there with the outcome it returns.
func (t *turn) enterNested(f *flows.Flow, start string) (string, bool, error) {
	return t.enter(f, start)
}

// ask sends a question with the input hint for its slot.
func (t *turn) ask(f *flows.Flow, st *flows.State, text string) {
	slot := f.Slots[st.Ask]
	in := &Input{Slot: st.Ask, Kind: "text"}
	if slot != nil {
		in.Kind, in.Autocomplete = slot.InputKind(), slot.Autocomplete
		in.Hint = slot.Hint.In(t.conv.Locale)
		if slot.Type == flows.SlotCode {
			in.Length = codeLength(slot)
		}
	}
	var replies []Reply
	for _, r := range st.Replies {
		replies = append(replies, Reply{Label: r.Label.In(t.conv.Locale), Value: r.Value})
	}
	t.message(FromBot, text, replies, in)
}

// fill replaces {slot} placeholders with the conversation's visible slots.
// The validator has made sure no secret slot is named.
func (t *turn) fill(s string) string {
	if !strings.Contains(s, "{") {
		return s
	}
	for k, v := range t.conv.Slots {
		if !strings.HasPrefix(k, "_") {
			s = strings.ReplaceAll(s, "{"+k+"}", v)
		}
	}
	// The engine's values (flows.EngineValues) come last: a flow's own slot
	// of the same name wins.
	s = strings.ReplaceAll(s, "{password_min_length}", strconv.Itoa(t.e.cfg.PasswordMinLength))
	return strings.ReplaceAll(s, "{portal_name}", t.e.cfg.PortalName)
}

// handoff puts the conversation in a human queue. byPatient is true when
// the patient asked for a person; announce adds the engine's own "I'm
// connecting you" (a flow's handoff state usually says it in its words).
// When the queue is closed the patient is told so, honestly, and offered
// to leave a message instead.
func (t *turn) handoff(queue, reason, step string, byPatient, announce bool) {
	delete(t.conv.Slots, slotAgentResolution) // an earlier agent's close no longer stands
	if left := t.conv.Slots[slotLeftQueue]; left != "" && t.conv.Slots[slotOffered] != "" {
		queue = left // back in line after an offer to leave a message: the same queue
	}
	if queue == "" {
		queue = t.e.cfg.DefaultQueue
	}
	if why := t.conv.Slots[slotHandoffWhy]; why != "" && why != reason && !byPatient {
		reason = reason + ":" + why
	}
	t.conv.Queue, t.conv.Reason = queue, reason
	if q, ok := t.e.queues()[queue]; ok && !q.Hours.Open(t.now) {
		t.audit("handoff", "closed", queue+" "+reason)
		t.offerMessage("queue_closed", q.Describe)
		return
	}
	t.conv.Status = StatusQueued
	if t.conv.QueuedAt.IsZero() || t.conv.Slots[slotOffered] == "" {
		t.conv.QueuedAt = t.now // a patient who chose to keep waiting keeps their place
	}
	t.out.Handoff = &Handoff{ConversationID: t.conv.ID, Queue: queue, Reason: reason, Step: step, At: t.now, Since: t.conv.QueuedAt}
	if announce {
		key := "handoff"
		if t.conv.Channel == ChannelSMS {
			key = "handoff_text" // no page to stay on
		}
		t.message(FromSystem, text(key, t.conv.Locale), nil, nil)
	}
	t.audit("handoff", "queued", queue+" "+reason)
}

// offerMessage tells the patient nobody can take the chat now and starts
// the leave-a-message flow.
func (t *turn) offerMessage(why, hours string) {
	msg := text(why, t.conv.Locale)
	if hours != "" {
		msg += " " + strings.ReplaceAll(text("hours", t.conv.Locale), "{hours}", hours)
	}
	t.message(FromSystem, msg, nil, nil)
	t.conv.Status, t.conv.Agent, t.conv.AgentName = StatusBot, "", ""
	t.conv.Slots[slotOffered] = "1"
	t.conv.Slots[slotLeftQueue] = t.conv.Queue
	if _, ok := t.e.flows.Current(LeaveFlow); !ok {
		t.end(Unresolved)
		return
	}
	if err := t.startFlow(LeaveFlow); err != nil {
		t.e.log.Error().Err(err).Str("conversation", t.conv.ID).Msg("start leave-a-message")
		t.end(Unresolved)
	}
}

// end closes the conversation with a resolution; after an agent's chat,
// the agent's resolution stands.
func (t *turn) end(r Resolution) {
	if v := t.conv.Slots[slotAgentResolution]; v != "" {
		r = Resolution(v)
	}
	t.conv.Status, t.conv.Resolution = StatusClosed, r
	t.audit("conversation.closed", string(r), t.conv.Flow+"."+t.conv.State)
}
