package bot

import (
	"fmt"
	"strconv"

	"github.com/portico-chat/portico/flows"
)

// Action outcomes shared by several actions.
const (
	outcomeDone     = "done"
	outcomeSent     = "sent"
	outcomeTooMany  = "too_many"
	outcomeVerified = "verified"
	outcomeWrong    = "wrong"
	outcomeExpired  = "expired"
	outcomeFailed   = "failed"
	outcomeLocked   = "locked"
	outcomeOK       = "ok"
	outcomeRejected = "rejected"
)

// action is one action flows may call: what the validator knows of it
// and the code that runs it with its inputs bound.
type action struct {
	flows.ActionSpec
	run func(t *turn, in map[string]string) (string, error)
}

// actions is the one table of actions: Catalog describes them to the
// validator, and act dispatches through them, so the two cannot drift.
var actions = map[string]action{
	"find_by_name": {
		ActionSpec: flows.ActionSpec{Inputs: []string{"first_name", "last_name", "dob", "zip"}, Outcomes: []string{outcomeDone}},
		run: func(t *turn, in map[string]string) (string, error) {
			return t.find(Lookup{FirstName: in["first_name"], LastName: in["last_name"], DOB: in["dob"], ZIP: in["zip"]})
		},
	},
	"find_by_username": {
		ActionSpec: flows.ActionSpec{Inputs: []string{"username", "dob"}, Outcomes: []string{outcomeDone}},
		run: func(t *turn, in map[string]string) (string, error) {
			return t.find(Lookup{Username: in["username"], DOB: in["dob"]})
		},
	},
	"send_code": {
		ActionSpec: flows.ActionSpec{Inputs: []string{"channel"}, Outcomes: []string{outcomeSent, outcomeTooMany}},
		run:        func(t *turn, in map[string]string) (string, error) { return t.sendCode(in["channel"]) },
	},
	"check_code": {
		ActionSpec: flows.ActionSpec{
			Inputs:   []string{"otp"},
			Outcomes: []string{outcomeVerified, outcomeWrong, outcomeExpired, outcomeFailed, outcomeLocked},
			Outputs:  []string{"masked_email", "masked_phone"},
			Verifies: outcomeVerified,
		},
		run: func(t *turn, in map[string]string) (string, error) { return t.checkCode(in["otp"]) },
	},
	"check_activation_code": {
		ActionSpec: flows.ActionSpec{
			Inputs:   []string{"activation_code", "dob", "zip"},
			Outcomes: []string{outcomeVerified, outcomeWrong, outcomeFailed, outcomeLocked},
			Verifies: outcomeVerified,
		},
		run: func(t *turn, in map[string]string) (string, error) {
			return t.checkActivationCode(in["activation_code"], in["dob"], in["zip"])
		},
	},
	"account_status": {
		ActionSpec: flows.ActionSpec{
			Outcomes: []string{string(AccountPending), string(AccountActive), string(AccountLocked), string(AccountDisabled)},
		},
		run: func(t *turn, _ map[string]string) (string, error) { return t.accountStatus() },
	},
	"check_username": {
		ActionSpec: flows.ActionSpec{Inputs: []string{"username"}, Outcomes: []string{outcomeOK, outcomeRejected}, Outputs: []string{"reason"}},
		run:        func(t *turn, in map[string]string) (string, error) { return t.checkUsername(in["username"]) },
	},
	"activate": {
		ActionSpec: flows.ActionSpec{
			Inputs: []string{"username", "password"}, Outcomes: []string{outcomeOK, outcomeRejected}, Outputs: []string{"reason"},
			ChangesAccount: true,
		},
		run: func(t *turn, in map[string]string) (string, error) { return t.activate(in["username"], in["password"]) },
	},
	"reset_password": {
		ActionSpec: flows.ActionSpec{
			Inputs: []string{"password"}, Outcomes: []string{outcomeOK, outcomeRejected}, Outputs: []string{"reason"},
			ChangesAccount: true,
		},
		run: func(t *turn, in map[string]string) (string, error) { return t.resetPassword(in["password"]) },
	},
	"queue_status": {
		ActionSpec: flows.ActionSpec{Outcomes: []string{"open", "closed"}},
		run:        func(t *turn, _ map[string]string) (string, error) { return t.queueStatus() },
	},
	"create_followup": {
		ActionSpec: flows.ActionSpec{Inputs: []string{"contact", "question"}, Outcomes: []string{outcomeDone}},
		run: func(t *turn, in map[string]string) (string, error) {
			return t.createFollowup(in["contact"], in["question"])
		},
	},
	"save_rating": {
		ActionSpec: flows.ActionSpec{Inputs: []string{"rating", "comment"}, Outcomes: []string{outcomeDone}},
		run:        func(t *turn, in map[string]string) (string, error) { return t.saveRating(in["rating"], in["comment"]) },
	},
	"send_username": {
		ActionSpec: flows.ActionSpec{
			Outcomes:       []string{outcomeSent},
			ChangesAccount: true, // it discloses account data
		},
		run: func(t *turn, _ map[string]string) (string, error) { return t.sendUsername() },
	},
}

// Catalog describes the actions flows may call. The validator checks flows
// against it; the property check uses ChangesAccount and Verifies.
func Catalog() flows.Catalog {
	cat := make(flows.Catalog, len(actions))
	for name, a := range actions {
		cat[name] = a.ActionSpec
	}
	return cat
}

// act runs a state's action with its inputs bound from slots, and returns
// the outcome to branch on.
func (t *turn) act(st *flows.State) (string, error) {
	a, ok := actions[st.Action]
	if !ok {
		return "", fmt.Errorf("unknown action %q", st.Action)
	}
	in := make(map[string]string, len(st.With))
	for input, slot := range st.With {
		if v, ok := t.secrets[slot]; ok {
			in[input] = v
		} else {
			in[input] = t.conv.Slots[slot]
		}
	}
	return a.run(t, in)
}

// counter reads an internal counting slot.
func (t *turn) counter(slot string) int {
	n, _ := strconv.Atoi(t.conv.Slots[slot])
	return n
}

func (t *turn) setCounter(slot string, n int) {
	t.conv.Slots[slot] = strconv.Itoa(n)
}

// deliverToContacts queues a notice to every contact on file that a live
// channel reaches.
func (t *turn) deliverToContacts(record, kind string, subject, body string) error {
	c, err := t.e.dir.Contacts(t.ctx, record)
	if err != nil {
		return fmt.Errorf("contacts for notice: %w", err)
	}
	if c.Email != "" && t.e.canSend(DeliverEmail) {
		t.deliver(DeliverEmail, c.Email, subject, body, kind)
	}
	if c.Phone != "" && t.e.canSend(DeliverSMS) {
		t.deliver(DeliverSMS, c.Phone, subject, body, kind)
	}
	return nil
}

// deliver queues one delivery in the outbox, idempotent per step and kind,
// and returns it for the caller to adjust before the turn is committed.
// A text from a conversation by text goes out from the number the patient
// texts.
func (t *turn) deliver(channel, to, subject, body, kind string) *Delivery {
	from := ""
	if channel == DeliverSMS {
		from = t.conv.Line()
	}
	t.out.Deliveries = append(t.out.Deliveries, Delivery{
		ID: newID(), Channel: channel, To: to, From: from, Subject: subject, Text: body,
		Key: t.key + ":" + kind + ":" + channel,
	})
	return &t.out.Deliveries[len(t.out.Deliveries)-1]
}
