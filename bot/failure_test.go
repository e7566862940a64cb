package bot_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/portico-chat/portico/bot"
)

// brokenFind is the real directory with a Find that fails, as a remote
// portal that is down would.
type brokenFind struct {
	bot.Directory
	calls int
}

func (b *brokenFind) Find(ctx context.Context, d bot.Lookup) (string, error) {
	b.calls++
	return "", errors.New("portal unreachable: connection refused")
}

func TestDirectoryFailureLosesNothingAndHandsOff(t *testing.T) {
	var broken *brokenFind
	h := newHarnessWith(t, nil, func(d bot.Directory) bot.Directory {
		broken = &brokenFind{Directory: d}
		return broken
	})
	c := h.open("reset_password")
	c.reply("name")
	c.say(olivia.First)
	c.say(olivia.Last)
	c.say(olivia.DOB)
	before := c.conv()
	evs := c.say(olivia.ZIP) // runs find_by_name

	if broken.calls != 1 {
		t.Fatalf("Find called %d times, want 1", broken.calls)
	}
	msgs := c.messages()
	n := len(msgs)
	patient, system := msgs[n-2], msgs[n-1]
	if patient.From != bot.FromPatient || patient.Text != olivia.ZIP || patient.ClientID == "" {
		t.Errorf("second to last message %+v, want the patient's ZIP stored", patient)
	}
	if system.From != bot.FromSystem || !strings.Contains(system.Text, "something went wrong on our side") {
		t.Errorf("last message %+v, want the system's error text", system)
	}
	if acks := acksOf(evs); len(acks) != 1 || acks[0].Seq != patient.Seq {
		t.Errorf("acks %+v, want one for seq %d", acks, patient.Seq)
	}
	if !statusSeen(evs, bot.StatusQueued) {
		t.Errorf("client was not told the conversation is queued: %+v", evs)
	}
	conv := c.conv()
	if conv.Status != bot.StatusQueued || conv.Reason != "error" || conv.Queue != bot.DefaultConfig().DefaultQueue {
		t.Errorf("conversation %s reason %q queue %q, want queued for error in %s",
			conv.Status, conv.Reason, conv.Queue, bot.DefaultConfig().DefaultQueue)
	}
	// The dialog state is what it was before the failed turn: an agent or
	// a retry takes over from the step that failed, with every answer.
	if conv.Flow != before.Flow || conv.State != before.State {
		t.Errorf("state %s.%s, want %s.%s", conv.Flow, conv.State, before.Flow, before.State)
	}
	for _, k := range []string{"first_name", "last_name", "dob"} {
		if conv.Slots[k] == "" {
			t.Errorf("slot %s lost", k)
		}
	}
	if got := c.audited("handoff"); len(got) != 1 || !strings.HasSuffix(got[0], " error") {
		t.Errorf("handoff audit %v, want one with reason error", got)
	}

	// Further messages wait for a person, stored, unanswered.
	evs = c.say("hello?")
	if got := messagesOf(evs); len(got) != 1 || got[0].From != bot.FromPatient {
		t.Errorf("queued conversation answered %+v, want only the patient's own message", got)
	}
	var seqs []int64
	for _, m := range c.messages() {
		seqs = append(seqs, m.Seq)
	}
	if want := seqRange(1, int64(len(seqs))); !slices.Equal(seqs, want) {
		t.Errorf("seqs %v, want %v", seqs, want)
	}
	if broken.calls != 1 {
		t.Errorf("Find called %d times, want it not retried behind the agent's back", broken.calls)
	}
}

// unreachableFind is the real directory with a Find that answers
// EUNAVAILABLE, as a remote directory's driver does when it is down.
type unreachableFind struct{ bot.Directory }

func (unreachableFind) Find(context.Context, bot.Lookup) (string, error) {
	return "", bot.Errorf(bot.EUNAVAILABLE, "directory down")
}

// TestDirectoryUnavailableIsSaidPlainly: an unreachable directory is told
// to the patient as such (not "something went wrong"), and the handoff
// says why: directory_unavailable.
func TestDirectoryUnavailableIsSaidPlainly(t *testing.T) {
	h := newHarnessWith(t, nil, func(d bot.Directory) bot.Directory { return unreachableFind{d} })
	c := h.open("reset_password")
	c.reply("name")
	c.say(olivia.First)
	c.say(olivia.Last)
	c.say(olivia.DOB)
	c.say(olivia.ZIP)
	msgs := c.messages()
	if last := msgs[len(msgs)-1]; !strings.Contains(last.Text, "account system can't be reached") {
		t.Errorf("last message %q, want the directory_unavailable text", last.Text)
	}
	if conv := c.conv(); conv.Status != bot.StatusQueued || conv.Reason != "directory_unavailable" {
		t.Errorf("conversation %s reason %q, want queued for directory_unavailable", conv.Status, conv.Reason)
	}
}
