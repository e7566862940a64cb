package bot_test

import (
	"slices"
	"testing"
	"time"
)

// enumerationTrials is how many matching and as many non-matching
// patients are timed (SECURITY.md: 200 or more).
const enumerationTrials = 200

// enumerationTolerance is the largest allowed difference of the medians.
const enumerationTolerance = 5 * time.Millisecond

// TestEnumerationTiming: the turns that look the record up (the answer to
// the ZIP question), send the code (the choice of channel) and check a
// wrong code take the
// same time whether or not the demographics match a patient, so that
// response times do not tell an attacker who is on file.
func TestEnumerationTiming(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test skipped with -short")
	}
	h := newHarness(t)
	type sample struct{ find, send, wrong []time.Duration }
	var match, miss sample
	timed := func(c *chat, p person, into *sample) {
		t.Helper()
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
		start = time.Now()
		c.say(c.wrongCode())
		into.wrong = append(into.wrong, time.Since(start))
		if p.MRN != "" {
			// A success clears the record's failures, so that no trial
			// finds it paused or locked.
			c.say(c.code())
		}
	}
	for i := range enumerationTrials {
		// A day on, so that no send limit or pause changes the work done.
		h.env.Clock.Advance(25 * time.Hour)
		// Interleaved, and alternating which goes first, to cancel drift.
		if i%2 == 0 {
			timed(h.open("reset_password"), olivia, &match)
			timed(h.open("reset_password"), nobody, &miss)
		} else {
			timed(h.open("reset_password"), nobody, &miss)
			timed(h.open("reset_password"), olivia, &match)
		}
	}
	// Make sure the two paths were what they claim.
	last := h.open("reset_password")
	if said := last.requestCode(olivia); len(last.deliveries()) != 1 {
		t.Fatalf("the matching patient got no code (bot said %q): the timing compared nothing", said)
	}

	for _, turn := range []struct {
		name        string
		match, miss []time.Duration
	}{
		{"lookup (ZIP answered)", match.find, miss.find},
		{"code sent (channel chosen)", match.send, miss.send},
		{"wrong code", match.wrong, miss.wrong},
	} {
		m, n := median(turn.match), median(turn.miss)
		diff := m - n
		if diff < 0 {
			diff = -diff
		}
		t.Logf("%s: median %v for a match, %v for no match", turn.name, m, n)
		if diff >= enumerationTolerance {
			t.Errorf("%s: medians differ by %v (match %v, no match %v), want < %v",
				turn.name, diff, m, n, enumerationTolerance)
		}
	}
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
