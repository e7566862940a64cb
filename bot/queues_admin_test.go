package bot_test

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
)

func TestQueueSpecProblemsByField(t *testing.T) {
	for _, tt := range []struct {
		name string
		spec bot.QueueSpec
		want []string // the fields with problems
	}{
		{"fine", bot.QueueSpec{Name: "portal-support", Priority: 10, Timezone: "America/Chicago",
			Hours: []string{"mon-fri 08:00-18:00", "sat 09:00-13:00"}, Holidays: []string{"2026-12-25"}}, nil},
		{"always open", bot.QueueSpec{Name: "billing"}, nil},
		{"bad name", bot.QueueSpec{Name: "Billing Desk"}, []string{"name"}},
		{"empty name", bot.QueueSpec{}, []string{"name"}},
		{"priority", bot.QueueSpec{Name: "b", Priority: 5000}, []string{"priority"}},
		{"zone", bot.QueueSpec{Name: "b", Timezone: "Mars/Olympus"}, []string{"timezone"}},
		{"second hours line", bot.QueueSpec{Name: "b", Hours: []string{"mon 08:00-12:00", "fun 08:00-12:00", "tue 18:00-08:00"}},
			[]string{"hours[1]", "hours[2]"}},
		{"holiday", bot.QueueSpec{Name: "b", Holidays: []string{"2026-12-25", "25/12/2026"}}, []string{"holidays[1]"}},
		{"describe", bot.QueueSpec{Name: "b", Describe: strings.Repeat("x", 201)}, []string{"describe"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.spec.Problems()
			if got := slices.Sorted(maps.Keys(p)); !slices.Equal(got, tt.want) {
				t.Errorf("problems in %v (%v), want %v", got, p, tt.want)
			}
			_, err := tt.spec.Queue()
			if (err != nil) != (len(tt.want) > 0) {
				t.Errorf("Queue: %v, want an error: %v", err, len(tt.want) > 0)
			}
			if err != nil && bot.ErrorCode(err) != bot.EINVALID {
				t.Errorf("Queue error code %s, want %s", bot.ErrorCode(err), bot.EINVALID)
			}
		})
	}
}

func TestSpecOfWritesTheHoursBack(t *testing.T) {
	for _, tt := range []struct {
		zone               string
		hours, holidays    []string
		wantZone           string
		wantHours, wantHol []string
	}{
		{"America/Chicago", []string{"mon-fri 08:00-18:00", "sat 09:00-13:00"}, []string{"2026-12-25", "2026-01-01"},
			"America/Chicago", []string{"mon-fri 08:00-18:00", "sat 09:00-13:00"}, []string{"2026-01-01", "2026-12-25"}},
		{"", []string{"mon 08:00-12:00", "mon 13:00-17:00", "wed 08:00-12:00", "sun 10:00-24:00"}, nil,
			"UTC", []string{"mon 08:00-12:00", "wed 08:00-12:00", "sun 10:00-24:00", "mon 13:00-17:00"}, []string{}},
		{"", nil, nil, "", []string{}, []string{}},
		{"Europe/London", []string{"sat-sun 09:00-13:00"}, nil, "Europe/London", []string{"sat-sun 09:00-13:00"}, []string{}},
	} {
		h, err := bot.ParseHours(tt.zone, tt.hours, tt.holidays)
		if err != nil {
			t.Fatal(err)
		}
		s := bot.SpecOf(bot.Queue{Name: "q", Priority: 3, Hours: h, Describe: "d"})
		if s.Timezone != tt.wantZone || !slices.Equal(s.Hours, tt.wantHours) || !slices.Equal(s.Holidays, tt.wantHol) {
			t.Errorf("SpecOf(%q %v %v) = %q %q %q, want %q %q %q", tt.zone, tt.hours, tt.holidays,
				s.Timezone, s.Hours, s.Holidays, tt.wantZone, tt.wantHours, tt.wantHol)
		}
		if s.Name != "q" || s.Priority != 3 || s.Describe != "d" {
			t.Errorf("SpecOf kept %+v, want name, priority and description", s)
		}
		// The spec parses back to the same opening times.
		back, err := s.Queue()
		if err != nil {
			t.Fatalf("the spec does not parse back: %v", err)
		}
		monday := time.Date(2026, time.March, 2, 0, 0, 0, 0, time.UTC)
		for m := range 8 * 24 * 4 {
			at := monday.Add(time.Duration(m) * 15 * time.Minute)
			if back.Hours.Open(at) != h.Open(at) {
				t.Fatalf("%v at %s: open %v after the round trip, want %v", tt.hours, at, back.Hours.Open(at), h.Open(at))
			}
		}
	}
}

func TestQueuesOfRefusesDuplicates(t *testing.T) {
	_, err := bot.QueuesOf([]bot.QueueSpec{{Name: "a"}, {Name: "a"}})
	if bot.ErrorCode(err) != bot.EINVALID {
		t.Errorf("duplicate queues: %v, want EINVALID", err)
	}
}

func TestSetQueuesClosesAQueueForTheNextHandoff(t *testing.T) {
	h := newDeskHarness(t, nil) // portal-support is not listed: always open
	h.connect(observer)
	first := h.queued()
	if got := first.conv().Status; got != bot.StatusQueued {
		t.Fatalf("before the edit: %s, want queued", got)
	}

	// An admin gives the queue weekend-only hours (the fake clock is on a Monday).
	weekends, err := bot.QueueSpec{Name: "portal-support", Timezone: "America/Chicago",
		Hours: []string{"sat-sun 09:00-13:00"}, Describe: "Saturday and Sunday mornings"}.Queue()
	if err != nil {
		t.Fatal(err)
	}
	h.eng.SetQueues(h.ctx, map[string]bot.Queue{"portal-support": weekends})

	second := h.open("")
	said := botText(second.reply("agent"))
	for _, want := range []string{"not available right now", "Saturday and Sunday mornings", "leave a message"} {
		if !strings.Contains(said, want) {
			t.Errorf("after the edit the patient was told %q, want it to say %q", said, want)
		}
	}
	if conv := second.conv(); conv.Status != bot.StatusBot || conv.Flow != "leave_message" {
		t.Errorf("after the edit: %s in %s, want the bot offering leave_message", conv.Status, conv.Flow)
	}
	if got := first.conv().Status; got != bot.StatusQueued {
		t.Errorf("the patient already waiting: %s, want still queued", got)
	}

	// Opening it again takes effect as fast.
	h.eng.SetQueues(h.ctx, nil)
	third := h.open("")
	third.reply("agent")
	if got := third.conv().Status; got != bot.StatusQueued {
		t.Errorf("after reopening: %s, want queued", got)
	}
}

func TestUpdateAgentAppliesCapacityToAnOpenConsole(t *testing.T) {
	h := newDeskHarness(t, func(c *bot.Config) { c.AgentCapacity = 1 })
	one := ana
	one.Capacity = 1
	h.connect(one)
	a, b := h.queued(), h.queued()
	if a.conv().Agent != ana.ID || b.conv().Status != bot.StatusQueued {
		t.Fatalf("with capacity 1: %q and %s, want Ana holding one and the other waiting", a.conv().Agent, b.conv().Status)
	}
	two := one
	two.Capacity = 2
	h.eng.UpdateAgent(h.ctx, two)
	if got := b.conv().Agent; got != ana.ID {
		t.Errorf("after raising Ana's capacity the waiting chat is held by %q, want %q", got, ana.ID)
	}
}
