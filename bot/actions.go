package bot

import (
	"fmt"
	"strconv"

	"github.com/portico-chat/portico/flows"
)

// act runs a state's action with its inputs bound from slots, and returns
// the outcome to branch on.
func (t *turn) act(st *flows.State) (string, error) {
	in := map[string]string{}
	for input, slot := range st.With {
		if v, ok := t.secrets[slot]; ok {
			in[input] = v
		} else {
			in[input] = t.conv.Slots[slot]
		}
	}
	switch st.Action {
	case "find_by_name":
		return t.find(Demographics{FirstName: in["first_name"], LastName: in["last_name"], DOB: in["dob"], ZIP: in["zip"]})
	case "find_by_username":
		return t.find(Demographics{Username: in["username"], DOB: in["dob"]})
	case "send_code":
		return t.sendCode(in["channel"])
	case "check_code":
		return t.checkCode(in["otp"])
	case "check_activation_code":
		return t.checkActivationCode(in["activation_code"], in["dob"], in["zip"])
	case "account_status":
		return t.accountStatus()
	case "check_username":
		return t.checkUsername(in["username"])
	case "activate":
		return t.activate(in["username"], in["password"])
	case "reset_password":
		return t.resetPassword(in["password"])
	case "send_username":
		return t.sendUsername()
	case "queue_status":
		return t.queueStatus()
	case "create_followup":
		return t.createFollowup(in["contact"], in["question"])
	case "save_rating":
		return t.saveRating(in["rating"], in["comment"])
	}
	return "", fmt.Errorf("unknown action %q", st.Action)
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
func (t *turn) deliver(channel, to, subject, body, kind string) *Delivery {
	t.out.Deliveries = append(t.out.Deliveries, Delivery{
		ID: newID(), Channel: channel, To: to, Subject: subject, Text: body,
		Key: t.key + ":" + kind + ":" + channel,
	})
	return &t.out.Deliveries[len(t.out.Deliveries)-1]
}
