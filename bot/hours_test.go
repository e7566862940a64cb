package bot_test

import (
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // America/Chicago on machines without a zone database

	"github.com/portico-chat/portico/bot"
)

// at is a UTC time in March 2026: Monday the 2nd, DST in Chicago starts on
// Sunday the 8th.
func at(day, hour, minute int) time.Time {
	return time.Date(2026, time.March, day, hour, minute, 0, 0, time.UTC)
}

func TestParseHoursOpen(t *testing.T) {
	type check struct {
		at   time.Time
		want bool
	}
	tests := []struct {
		name     string
		zone     string
		weekly   []string
		holidays []string
		checks   []check
	}{
		{"weekdays", "", []string{"mon-fri 08:00-18:00"}, nil, []check{
			{at(2, 8, 0), true},   // Monday at opening
			{at(2, 7, 59), false}, // a minute before
			{at(6, 17, 59), true}, // Friday, last minute
			{at(6, 18, 0), false}, // the end is not included
			{at(7, 10, 0), false}, // Saturday
			{at(8, 10, 0), false}, // Sunday
		}},
		{"a single day", "UTC", []string{"sat 09:00-13:00"}, nil, []check{
			{at(7, 9, 0), true},
			{at(7, 13, 0), false},
			{at(6, 10, 0), false}, // Friday
			{at(8, 10, 0), false}, // Sunday
		}},
		{"a range that wraps the week", "", []string{"fri-mon 10:00-12:00"}, nil, []check{
			{at(6, 11, 0), true},   // Friday
			{at(7, 11, 0), true},   // Saturday
			{at(8, 11, 0), true},   // Sunday
			{at(9, 11, 0), true},   // Monday
			{at(10, 11, 0), false}, // Tuesday
			{at(4, 11, 0), false},  // Wednesday
			{at(5, 11, 0), false},  // Thursday
		}},
		{"several spans a day, any case", "", []string{"MON 08:00-12:00", "mon 13:00-17:00", "Tue-Wed 09:00-10:00"}, nil, []check{
			{at(2, 11, 59), true},
			{at(2, 12, 30), false}, // lunch
			{at(2, 13, 0), true},
			{at(2, 17, 0), false},
			{at(3, 9, 30), true},
			{at(4, 9, 30), true},
			{at(3, 11, 0), false},
		}},
		{"until midnight", "", []string{"mon 20:00-24:00", "sun 00:00-24:00"}, nil, []check{
			{at(2, 23, 59), true},
			{at(3, 0, 0), false}, // Tuesday
			{at(8, 0, 0), true},  // all Sunday
			{at(8, 23, 59), true},
		}},
		{"holidays", "", []string{"mon-fri 08:00-18:00"}, []string{"2026-03-02", "2026-12-25"}, []check{
			{at(2, 10, 0), false}, // a holiday Monday
			{at(3, 10, 0), true},  // the Tuesday after
		}},
		{"holidays only", "", nil, []string{"2026-03-03"}, []check{
			{at(2, 3, 0), true},
			{at(3, 12, 0), false},
			{at(4, 3, 0), true},
		}},
		{"a holiday is a local date", "America/Chicago", []string{"mon-sun 00:00-24:00"}, []string{"2026-03-02"}, []check{
			{at(3, 3, 0), false}, // 9 pm on Monday in Chicago
			{at(3, 7, 0), true},  // 1 am on Tuesday in Chicago
		}},
		// 8 am Chicago is 14:00 UTC before the switch to daylight time and
		// 13:00 UTC after it.
		{"Chicago across daylight saving", "America/Chicago", []string{"mon-fri 08:00-17:00"}, nil, []check{
			{at(6, 13, 30), false}, // Friday 7:30 CST
			{at(6, 14, 0), true},   // Friday 8:00 CST
			{at(6, 23, 0), false},  // Friday 17:00 CST
			{at(9, 12, 59), false}, // Monday 7:59 CDT
			{at(9, 13, 0), true},   // Monday 8:00 CDT
			{at(9, 21, 59), true},  // Monday 16:59 CDT
			{at(9, 22, 0), false},  // Monday 17:00 CDT
		}},
		{"the same hours in UTC", "UTC", []string{"mon-fri 08:00-17:00"}, nil, []check{
			{at(6, 13, 30), true},
			{at(9, 12, 59), true},
			{at(9, 7, 59), false},
			{at(9, 17, 0), false},
		}},
		// At 2 am on March 8 Chicago's clocks jump to 3 am.
		{"the hour Chicago skips", "America/Chicago", []string{"sun 03:00-04:00"}, nil, []check{
			{at(8, 7, 59), false}, // 1:59 CST
			{at(8, 8, 0), true},   // 3:00 CDT
			{at(8, 8, 59), true},  // 3:59 CDT
			{at(8, 9, 0), false},  // 4:00 CDT
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := bot.ParseHours(tt.zone, tt.weekly, tt.holidays)
			if err != nil {
				t.Fatalf("ParseHours: %v", err)
			}
			for _, c := range tt.checks {
				if got := h.Open(c.at); got != c.want {
					t.Errorf("Open(%s) = %v, want %v", c.at.Format(time.RFC3339), got, c.want)
				}
			}
		})
	}
}

func TestParseHoursAlwaysOpen(t *testing.T) {
	parsed, err := bot.ParseHours("America/Chicago", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []bot.Hours{{}, parsed} {
		for _, tm := range []time.Time{at(2, 3, 0), at(7, 12, 0), at(8, 23, 59), time.Time{}} {
			if !h.Open(tm) {
				t.Errorf("hours without lines closed at %s, want always open", tm)
			}
		}
	}
}

func TestParseHoursErrors(t *testing.T) {
	tests := []struct {
		name     string
		zone     string
		weekly   []string
		holidays []string
		want     []string // all in the error message
	}{
		{"unknown zone", "Mars/Olympus", nil, nil, []string{`time zone "Mars/Olympus"`}},
		{"unknown day", "", []string{"mon-fry 08:00-18:00"}, nil, []string{`"mon-fry 08:00-18:00"`, `unknown day "fry"`, "sun mon tue"}},
		{"a day spelled out", "", []string{"monday 08:00-18:00"}, nil, []string{`unknown day "monday"`}},
		{"no times", "", []string{"mon-fri"}, nil, []string{`"mon-fri"`, "want days and times"}},
		{"not a range of times", "", []string{"mon 08:00"}, nil, []string{"want times like 08:00-18:00"}},
		{"not clock times", "", []string{"mon 8am-6pm"}, nil, []string{`times "8am-6pm"`, "HH:MM-HH:MM"}},
		{"an hour out of range", "", []string{"mon 25:00-26:00"}, nil, []string{`times "25:00-26:00"`}},
		{"past midnight", "", []string{"mon 20:00-24:30"}, nil, []string{`times "20:00-24:30"`}},
		{"end before start", "", []string{"mon 18:00-08:00"}, nil, []string{`times "18:00-08:00"`, "end after the start"}},
		{"an empty span", "", []string{"mon 08:00-08:00"}, nil, []string{"end after the start"}},
		{"a holiday not a date", "", nil, []string{"12/25/2026"}, []string{`holiday "12/25/2026"`, "YYYY-MM-DD"}},
		{"a holiday that does not exist", "", nil, []string{"2026-02-30"}, []string{`holiday "2026-02-30"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := bot.ParseHours(tt.zone, tt.weekly, tt.holidays)
			if err == nil {
				t.Fatalf("no error, want one saying %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q, want it to say %q", err, w)
				}
			}
		})
	}
}

func TestClosedQueueOffersToLeaveAMessageAtOnce(t *testing.T) {
	// The fake clock starts on a Monday afternoon; this queue opens at weekends.
	weekends, err := bot.ParseHours("America/Chicago", []string{"sat-sun 09:00-13:00"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	const describe = "Saturday and Sunday, 9 am to 1 pm (Central time)"
	h := newDeskHarness(t, func(c *bot.Config) {
		c.Queues = map[string]bot.Queue{"portal-support": {Name: "portal-support", Hours: weekends, Describe: describe}}
		c.SupportMailbox = "support@clinic.example"
	})
	obs := h.connect(observer)
	h.connect(ana) // available, yet the queue is closed
	c := h.open("")
	evs := c.reply("agent")

	said := botText(evs)
	for _, want := range []string{"not available right now", "Our hours are " + describe, "leave a message"} {
		if !strings.Contains(said, want) {
			t.Errorf("patient was told %q, want it to say %q", said, want)
		}
	}
	msgs := messagesOf(evs)
	last := msgs[len(msgs)-1]
	var values []string
	for _, r := range last.Replies {
		values = append(values, r.Value)
	}
	if strings.Join(values, ",") != "yes,no" {
		t.Errorf("offer replies %v, want yes and no only (nobody to keep waiting for)", values)
	}
	if statusSeen(evs, bot.StatusQueued) || statusSeen(evs, bot.StatusAgent) {
		t.Errorf("patient was put in line for a closed queue: %+v", evs)
	}
	conv := c.conv()
	if conv.Status != bot.StatusBot || conv.Flow != "leave_message" || conv.State != "offer" || conv.Agent != "" {
		t.Errorf("conversation %s in %s.%s with %q, want bot in leave_message.offer", conv.Status, conv.Flow, conv.State, conv.Agent)
	}
	if got := c.audited("handoff"); len(got) != 1 || got[0] != "closed/portal-support requested" {
		t.Errorf("handoff audit %v, want one closed/portal-support requested", got)
	}
	if q := lastQueue(obs.All()); len(q) != 0 {
		t.Errorf("queue %+v, want empty", q)
	}

	// Leaving the message works the same as after a timeout.
	c.reply("yes")
	c.say("olivia@example.org")
	c.say("I need my lab results from last week")
	fs, err := h.env.DB.Followups(h.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].ConversationID != c.id || fs[0].Queue != "portal-support" {
		t.Errorf("follow-ups %+v, want one for this chat in portal-support", fs)
	}
	if conv := c.conv(); conv.Status != bot.StatusClosed || conv.Resolution != bot.HandedOff {
		t.Errorf("conversation %s/%s, want closed/handed_off", conv.Status, conv.Resolution)
	}
}
