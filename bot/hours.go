package bot

import (
	"fmt"
	"strings"
	"time"
)

// Hours are a queue's office hours: weekly opening spans in a time zone,
// minus holidays. The zero Hours are always open.
type Hours struct {
	loc      *time.Location
	weekly   [7][]span // by time.Weekday
	holidays map[string]bool
	set      bool
}

// span is an opening from start to end, in minutes after midnight.
type span struct{ start, end int }

var weekdays = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// ParseHours reads office hours: a time zone name, weekly lines like
// "mon-fri 08:00-18:00" or "sat 09:00-13:00", and holidays as YYYY-MM-DD.
// No lines means always open.
func ParseHours(zone string, weekly, holidays []string) (Hours, error) {
	var h Hours
	loc := time.UTC
	if zone != "" {
		l, err := time.LoadLocation(zone)
		if err != nil {
			return h, fmt.Errorf("time zone %q: %w", zone, err)
		}
		loc = l
	}
	h.loc, h.holidays = loc, map[string]bool{}
	for _, line := range weekly {
		days, times, ok := strings.Cut(strings.TrimSpace(strings.ToLower(line)), " ")
		if !ok {
			return h, fmt.Errorf("hours %q: want days and times, like \"mon-fri 08:00-18:00\"", line)
		}
		from, to, err := dayRange(days)
		if err != nil {
			return h, fmt.Errorf("hours %q: %w", line, err)
		}
		s, err := timeSpan(strings.TrimSpace(times))
		if err != nil {
			return h, fmt.Errorf("hours %q: %w", line, err)
		}
		for d := from; ; d = (d + 1) % 7 {
			h.weekly[d] = append(h.weekly[d], s)
			if d == to {
				break
			}
		}
		h.set = true
	}
	for _, d := range holidays {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			return h, fmt.Errorf("holiday %q: want YYYY-MM-DD", d)
		}
		h.holidays[d] = true
	}
	return h, nil
}

func dayRange(s string) (time.Weekday, time.Weekday, error) {
	a, b, isRange := strings.Cut(s, "-")
	from, ok := weekdays[a]
	if !ok {
		return 0, 0, fmt.Errorf("unknown day %q (use sun mon tue wed thu fri sat)", a)
	}
	if !isRange {
		return from, from, nil
	}
	to, ok := weekdays[b]
	if !ok {
		return 0, 0, fmt.Errorf("unknown day %q (use sun mon tue wed thu fri sat)", b)
	}
	return from, to, nil
}

func timeSpan(s string) (span, error) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return span{}, fmt.Errorf("want times like 08:00-18:00")
	}
	start, err1 := clockMinutes(a)
	end, err2 := clockMinutes(b)
	if err1 != nil || err2 != nil || end <= start {
		return span{}, fmt.Errorf("times %q: want HH:MM-HH:MM with the end after the start", s)
	}
	return span{start, end}, nil
}

func clockMinutes(s string) (int, error) {
	if s == "24:00" {
		return 24 * 60, nil
	}
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, err
	}
	return t.Hour()*60 + t.Minute(), nil
}

// Open reports whether the hours are open at t.
func (h Hours) Open(t time.Time) bool {
	if !h.set && len(h.holidays) == 0 {
		return true
	}
	local := t.In(h.loc)
	if h.holidays[local.Format(time.DateOnly)] {
		return false
	}
	if !h.set {
		return true
	}
	m := local.Hour()*60 + local.Minute()
	for _, s := range h.weekly[local.Weekday()] {
		if m >= s.start && m < s.end {
			return true
		}
	}
	return false
}

// Queue is a human queue: its name, its priority (higher first) and its
// office hours.
type Queue struct {
	Name     string
	Priority int
	Hours    Hours
	Describe string // office hours in words, for the patient: "Monday to Friday, 8 am to 6 pm"
}
