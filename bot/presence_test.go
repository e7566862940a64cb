package bot_test

import (
	"slices"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
)

// queueView is the queue as a console lists it: conversation, position
// and how long ago the patient left.
type queueView struct {
	conv     string
	position int
	left     time.Duration
}

func viewOf(q []bot.QueueItem) []queueView {
	var out []queueView
	for _, it := range q {
		out = append(out, queueView{it.ConversationID, it.Position, it.Left})
	}
	return out
}

// TestTheQueueMarksPatientsWhoLeft: a waiting patient who closed every
// page of the chat is shown as gone (with how long ago) once
// PatientGoneAfter has passed, sorted after the patients still there, and
// is not auto-assigned; coming back puts them back in their place.
func TestTheQueueMarksPatientsWhoLeft(t *testing.T) {
	const gone = 15 * time.Second
	h := newDeskHarness(t, func(c *bot.Config) { c.PatientGoneAfter = gone })
	obs := h.connect(observer)
	first := h.queued()
	h.env.Clock.Advance(time.Second)
	second := h.queued()
	queue := func(when string, want ...queueView) {
		t.Helper()
		h.eng.SweepDesk(h.ctx)
		if got := viewOf(lastQueue(obs.All())); !slices.Equal(got, want) {
			t.Errorf("%s: queue %+v, want %+v", when, got, want)
		}
	}

	h.eng.Detach(first.id, first.rec) // the patient closed the page
	h.env.Clock.Advance(gone - time.Second)
	queue("a page change's time after leaving", queueView{first.id, 1, 0}, queueView{second.id, 2, 0})

	second.rec.Take()
	h.env.Clock.Advance(time.Second)
	queue("after PatientGoneAfter", queueView{second.id, 1, 0}, queueView{first.id, 2, gone})
	if sc := lastPlace(second.rec.Take()); sc == nil || sc.Position != 1 {
		t.Errorf("the patient still there was told %+v, want position 1", sc)
	}

	h.env.Clock.Advance(4 * time.Minute)
	queue("four minutes on", queueView{second.id, 1, 0}, queueView{first.id, 2, 4*time.Minute + gone})

	// An agent becoming available gets the patient who is there, not the one who left.
	h.connect(ana)
	if got := heldBy(first, second); got[0] != "" || got[1] != ana.ID {
		t.Fatalf("auto-assigned %q, want only the patient still there, to Ana", got)
	}
	queue("after the assignment", queueView{first.id, 1, 4*time.Minute + gone})

	// The patient comes back: there again, at once.
	if _, err := h.eng.Hello(h.ctx, bot.Hello{Resume: first.resume, LastSeq: 0, Source: testIP}, first.rec); err != nil {
		t.Fatal(err)
	}
	if got := viewOf(lastQueue(obs.All())); len(got) != 0 && got[0].left != 0 {
		// Ana had room: back in line means taken at once.
		t.Errorf("after coming back: queue %+v, want the patient there again", got)
	}
	if got := first.conv().Agent; got != ana.ID {
		t.Errorf("the returning patient is held by %q, want Ana (she had room)", got)
	}
}

// TestAChatWhosePatientLeftCanStillBeClaimed: the mark informs, it does
// not forbid; after a restart every waiting patient counts as away until
// a page of theirs reconnects.
func TestAChatWhosePatientLeftCanStillBeClaimed(t *testing.T) {
	const gone = 15 * time.Second
	cfg := func(c *bot.Config) { c.PatientGoneAfter, c.AutoAssign = gone, false }
	h := newDeskHarness(t, cfg)
	c := h.queued()
	back := h.queued()
	h.eng = h.deskEngine(h.deskConfig(cfg)) // a restart: no page is attached to the new engine
	obs := h.connect(observer)
	if _, err := h.eng.Hello(h.ctx, bot.Hello{Resume: back.resume, LastSeq: 0, Source: testIP}, back.rec); err != nil {
		t.Fatal(err)
	}
	h.env.Clock.Advance(gone)
	h.eng.SweepDesk(h.ctx)
	if got := viewOf(lastQueue(obs.All())); len(got) != 2 || got[0].conv != back.id || got[1].conv != c.id || got[1].left != gone {
		t.Errorf("after a restart: queue %+v, want the reconnected patient first, the other gone for %s", got, gone)
	}
	h.connect(ana)
	if err := h.eng.Claim(h.ctx, ana.ID, c.id, false); err != nil {
		t.Errorf("claiming a chat whose patient left: %v, want it taken", err)
	}
}
