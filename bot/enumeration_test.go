package bot_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
)

// enumerationTrials is how many matching and as many non-matching
// patients are timed (SECURITY.md: 200 or more).
const enumerationTrials = 200

// Tolerances of the difference, match against no match, of a step's
// times: the median of the differences of the paired trials. The lookup
// is held to SECURITY.md's bar; the send and the wrong code do the same
// reads and writes either way, so they are held to far less.
const (
	lookupTolerance      = 5 * time.Millisecond
	enumerationTolerance = 100 * time.Microsecond
)

// enumerationProbe is the extra work TestEnumerationTimingSeesADifference
// adds to the match path, which the comparison must notice.
const enumerationProbe = 2 * enumerationTolerance

// timedSteps are the times of the three timed turns of one kind of
// patient, trial by trial.
type timedSteps struct{ find, send, wrong []time.Duration }

// timeSteps times the turns that look the record up (the answer to the
// ZIP question), send the code (the choice of channel) and check a wrong
// code, for trials matching and as many unknown patients, interleaved and
// alternating which goes first, to cancel drift.
func timeSteps(h *harness, trials int, match, miss *timedSteps) {
	h.t.Helper()
	timed := func(c *chat, p person, into *timedSteps) {
		c.reply("name")
		c.say(p.First)
		c.say(p.Last)
		c.say(p.DOB)
		start := time.Now()
		c.say(p.ZIP)
		into.find = append(into.find, time.Since(start))
		start = time.Now()
		c.reply("email")
		into.send = append(into.send, time.Since(start))
		wrong := c.wrongCode()
		start = time.Now()
		c.say(wrong)
		into.wrong = append(into.wrong, time.Since(start))
		if p.MRN != "" {
			// A success clears the record's failures, so that no trial
			// finds it paused or locked.
			c.say(c.code())
		}
	}
	for i := range trials {
		// A day on, so that no send limit or pause changes the work done.
		h.env.Clock.Advance(25 * time.Hour)
		if i%2 == 0 {
			timed(h.open("reset_password"), olivia, match)
			timed(h.open("reset_password"), nobody, miss)
		} else {
			timed(h.open("reset_password"), nobody, miss)
			timed(h.open("reset_password"), olivia, match)
		}
	}
}

// enumerationRounds is how many rounds of enumerationTrials a comparison
// may take. A step over its tolerance after a round is measured for
// another round and judged on all the trials so far: a busy machine blurs
// one round, but a real difference stays in the pooled trials while noise
// shrinks.
const enumerationRounds = 3

// compareSteps times rounds of trials until settled says the gaps are
// clear or enumerationRounds are done, and returns the last gaps.
func compareSteps(h *harness, settled func([]stepGap) bool) []stepGap {
	h.t.Helper()
	var match, miss timedSteps
	var last []stepGap
	for round := 1; round <= enumerationRounds; round++ {
		timeSteps(h, enumerationTrials, &match, &miss)
		last = gaps(match, miss)
		for _, g := range last {
			h.t.Logf("round %d, %d trials: %s: median %v for a match, %v for no match, paired difference %v",
				round, len(match.find), g.name, g.match, g.miss, g.diff)
		}
		if settled(last) {
			break
		}
	}
	return last
}

// stepGap is one step's medians, and the median of the differences of
// its paired trials (each trial times a match and a miss side by side, so
// a machine busy for a while slows both alike).
type stepGap struct {
	name              string
	tolerance         time.Duration
	match, miss, diff time.Duration
}

func gaps(match, miss timedSteps) []stepGap {
	var out []stepGap
	for _, s := range []struct {
		name        string
		tolerance   time.Duration
		match, miss []time.Duration
	}{
		{"lookup (ZIP answered)", lookupTolerance, match.find, miss.find},
		{"code sent (channel chosen)", enumerationTolerance, match.send, miss.send},
		{"wrong code", enumerationTolerance, match.wrong, miss.wrong},
	} {
		paired := make([]time.Duration, len(s.match))
		for i := range s.match {
			paired[i] = s.match[i] - s.miss[i]
		}
		out = append(out, stepGap{s.name, s.tolerance, median(s.match), median(s.miss), median(paired).Abs()})
	}
	return out
}

// TestEnumerationTiming: the turns that look the record up, send the code
// and check a wrong code take the same time whether or not the
// demographics match a patient, so that response times do not tell an
// attacker who is on file.
func TestEnumerationTiming(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test skipped with -short")
	}
	h := newHarness(t)
	result := compareSteps(h, func(gs []stepGap) bool {
		return !slices.ContainsFunc(gs, func(g stepGap) bool { return g.diff >= g.tolerance })
	})
	// Make sure the two paths were what they claim.
	last := h.open("reset_password")
	if said := last.requestCode(olivia); len(last.deliveries()) != 1 {
		t.Fatalf("the matching patient got no code (bot said %q): the timing compared nothing", said)
	}
	for _, g := range result {
		if g.diff >= g.tolerance {
			t.Errorf("%s: match and no match differ by %v (medians %v and %v), want < %v",
				g.name, g.diff, g.match, g.miss, g.tolerance)
		}
	}
}

// slowContacts is the real directory with a match path that costs
// enumerationProbe more: a contact lookup that finds a record spins.
type slowContacts struct{ bot.Directory }

func (s slowContacts) Contacts(ctx context.Context, id string) (bot.Contacts, error) {
	c, err := s.Directory.Contacts(ctx, id)
	if err == nil {
		for start := time.Now(); time.Since(start) < enumerationProbe; {
		}
	}
	return c, err
}

// TestEnumerationTimingSeesADifference keeps TestEnumerationTiming honest:
// with the match path of the send step made enumerationProbe slower, the
// same measurement must see a difference of at least the tolerance.
func TestEnumerationTimingSeesADifference(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test skipped with -short")
	}
	h := newHarnessWith(t, nil, func(d bot.Directory) bot.Directory { return slowContacts{d} })
	seen := func(gs []stepGap) bool { return gs[1].diff >= enumerationTolerance }
	if send := compareSteps(h, seen)[1]; send.diff < enumerationTolerance {
		t.Errorf("%s %v slower for a match measured as %v: the timing test could not fail", send.name, enumerationProbe, send.diff)
	}
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
