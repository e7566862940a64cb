package bot

import (
	"slices"

	"github.com/portico-chat/portico/flows"
)

// Delivery channels: where one-time codes and notices go.
const (
	DeliverEmail = "email"
	DeliverSMS   = "sms"
)

// deliveryChannels are every channel a flow may offer for a code.
var deliveryChannels = []string{DeliverEmail, DeliverSMS}

// A channel with no transport never delivers, so it is never offered:
// the question "where should we send a code?" lists only the live
// channels (Config.Channels). The offer depends on configuration alone,
// the same for every patient, so it says nothing about their record. With
// one live channel the question is not asked: the code goes there. With
// none, nobody can be verified by code, and the patient is handed to a
// person (reason no_channel).

// canSend reports whether a delivery channel has a transport.
func (e *Engine) canSend(channel string) bool {
	return slices.Contains(e.cfg.Channels, channel)
}

// channelSlot reports whether a flow sends codes to the channel its slot
// names: some state binds the slot to send_code's channel input.
func channelSlot(f *flows.Flow, slot string) bool {
	for _, st := range f.States {
		if st.Kind == flows.KindAction && st.Action == "send_code" && st.With["channel"] == slot {
			return true
		}
	}
	return false
}

// offered returns the question as the patient may answer it: for a
// question choosing where a code goes, only the replies whose channel is
// live (other replies stay). Any other state is returned as it is.
func (t *turn) offered(f *flows.Flow, st *flows.State) *flows.State {
	if st == nil || st.Kind != flows.KindAsk || !channelSlot(f, st.Ask) {
		return st
	}
	out := *st
	out.Replies = nil
	for _, r := range st.Replies {
		if !slices.Contains(deliveryChannels, r.Value) || t.e.canSend(r.Value) {
			out.Replies = append(out.Replies, r)
		}
	}
	return &out
}

// channelChoice decides a channel question without asking it when the
// configuration leaves no choice: with one live channel it answers for
// the patient (outcome, true); with none it hands the patient to a person
// (wait, true). It returns false when the patient must choose.
func (t *turn) channelChoice(f *flows.Flow, st *flows.State) (outcome string, decided bool) {
	if !channelSlot(f, st.Ask) {
		return "", false
	}
	var live []string
	for _, r := range st.Replies {
		if slices.Contains(deliveryChannels, r.Value) {
			live = append(live, r.Value)
		}
	}
	switch {
	case len(live) != len(st.Replies) || len(live) > 1:
		return "", false // a real choice, or one that is not only channels
	case len(live) == 1:
		t.conv.Slots[st.Ask] = live[0]
		return live[0], true
	}
	t.handoff("", "no_channel", f.Name+"."+st.Name, false, true)
	return "", true
}
