package bot

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/portico-chat/portico/flows"
)

// Limits of a queue as an admin edits it.
const (
	MaxQueueHoursLines = 14  // weekly lines
	MaxQueueHolidays   = 400 // dates
	MaxQueueDescribe   = 200 // runes of the description patients read
	MaxQueuePriority   = 1000
	MaxQueueNameLen    = flows.MaxQueueNameLen // bytes of a queue's name
)

// QueueNamePattern is what a queue may be called: it appears in
// transfers, in agents' queue lists and in flows' handoff states, whose
// rule it is (flows.QueueNamePattern).
var QueueNamePattern = flows.QueueNamePattern

// ValidQueueName reports whether name may name a queue.
func ValidQueueName(name string) bool { return flows.ValidQueueName(name) }

// QueueSpec is a queue in the words an admin writes and the database
// keeps: the lines of its office hours rather than their parse. Queue
// turns it into the engine's Queue.
type QueueSpec struct {
	Name     string   `json:"name"`
	Priority int      `json:"priority"` // higher is served first
	Timezone string   `json:"timezone"` // IANA name; "" is UTC
	Hours    []string `json:"hours"`    // "mon-fri 08:00-18:00"; none is always open
	Holidays []string `json:"holidays"` // YYYY-MM-DD, closed all day
	Describe string   `json:"describe"` // the hours in words, for patients
}

// Problems checks a spec field by field with ParseHours. The keys are
// "name", "priority", "timezone", "hours[i]", "holidays[i]" and
// "describe"; no problems is an empty map.
func (s QueueSpec) Problems() map[string]string {
	p := map[string]string{}
	if !ValidQueueName(s.Name) {
		p["name"] = fmt.Sprintf("A queue name is 1 to %d lower-case letters, digits, '.', '-' or '_', starting with a letter or digit.", MaxQueueNameLen)
	}
	if s.Priority < -MaxQueuePriority || s.Priority > MaxQueuePriority {
		p["priority"] = fmt.Sprintf("The priority must be between %d and %d.", -MaxQueuePriority, MaxQueuePriority)
	}
	if _, err := ParseHours(s.Timezone, nil, nil); err != nil {
		p["timezone"] = fmt.Sprintf("Unknown time zone %q: use an IANA name like America/Chicago.", s.Timezone)
	}
	if len(s.Hours) > MaxQueueHoursLines {
		p["hours"] = fmt.Sprintf("At most %d lines of hours.", MaxQueueHoursLines)
	}
	for i, line := range s.Hours {
		if _, err := ParseHours("", []string{line}, nil); err != nil {
			p[fmt.Sprintf("hours[%d]", i)] = err.Error()
		}
	}
	if len(s.Holidays) > MaxQueueHolidays {
		p["holidays"] = fmt.Sprintf("At most %d holidays.", MaxQueueHolidays)
	}
	for i, d := range s.Holidays {
		if _, err := ParseHours("", nil, []string{d}); err != nil {
			p[fmt.Sprintf("holidays[%d]", i)] = err.Error()
		}
	}
	if utf8.RuneCountInString(s.Describe) > MaxQueueDescribe {
		p["describe"] = fmt.Sprintf("The description is at most %d characters.", MaxQueueDescribe)
	}
	return p
}

// Queue parses the spec; a spec with problems is EINVALID.
func (s QueueSpec) Queue() (Queue, error) {
	if p := s.Problems(); len(p) > 0 {
		keys := slices.Sorted(maps.Keys(p))
		return Queue{}, Errorf(EINVALID, "queue %q: %s: %s", s.Name, keys[0], p[keys[0]])
	}
	h, err := ParseHours(s.Timezone, s.Hours, s.Holidays)
	if err != nil {
		return Queue{}, Errorf(EINVALID, "queue %q: %v", s.Name, err)
	}
	return Queue{Name: s.Name, Priority: s.Priority, Hours: h, Describe: s.Describe}, nil
}

// QueuesOf parses specs into the engine's queues by name.
func QueuesOf(specs []QueueSpec) (map[string]Queue, error) {
	out := make(map[string]Queue, len(specs))
	for _, s := range specs {
		if _, dup := out[s.Name]; dup {
			return nil, Errorf(EINVALID, "queue %q is listed twice", s.Name)
		}
		q, err := s.Queue()
		if err != nil {
			return nil, err
		}
		out[s.Name] = q
	}
	return out, nil
}

// SpecOf writes a parsed queue back as a spec, the weekly hours grouped
// into day ranges ("mon-fri 08:00-18:00"): how queues from the
// configuration file are first stored in the database.
func SpecOf(q Queue) QueueSpec {
	s := QueueSpec{Name: q.Name, Priority: q.Priority, Describe: q.Describe, Hours: []string{}, Holidays: []string{}}
	h := q.Hours
	if h.loc != nil && (h.loc != time.UTC || h.set || len(h.holidays) > 0) {
		s.Timezone = h.loc.String()
	}
	s.Holidays = slices.Sorted(maps.Keys(h.holidays))
	if s.Holidays == nil {
		s.Holidays = []string{}
	}
	if !h.set {
		return s
	}
	week := []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}
	var spans []span // every distinct span, in order of first appearance in the week
	for _, d := range week {
		for _, sp := range h.weekly[d] {
			if !slices.Contains(spans, sp) {
				spans = append(spans, sp)
			}
		}
	}
	slices.SortStableFunc(spans, func(a, b span) int { return a.start - b.start })
	for _, sp := range spans {
		for i := 0; i < len(week); {
			if !slices.Contains(h.weekly[week[i]], sp) {
				i++
				continue
			}
			j := i
			for j+1 < len(week) && slices.Contains(h.weekly[week[j+1]], sp) {
				j++
			}
			days := dayName(week[i])
			if j > i {
				days += "-" + dayName(week[j])
			}
			s.Hours = append(s.Hours, days+" "+clock(sp.start)+"-"+clock(sp.end))
			i = j + 1
		}
	}
	return s
}

func dayName(d time.Weekday) string { return strings.ToLower(d.String()[:3]) }

func clock(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// queues returns the queues now in force; the map must not be changed.
func (e *Engine) queues() map[string]Queue {
	e.queuesMu.RLock()
	defer e.queuesMu.RUnlock()
	return e.cfg.Queues
}

// SetQueues replaces the queues and their office hours while the engine
// runs: the next handoff, the next queue-status check and the queue's
// order all follow them at once. A queue not listed is always open with
// priority 0. Patients already waiting keep their place.
func (e *Engine) SetQueues(ctx context.Context, qs map[string]Queue) {
	qs = maps.Clone(qs)
	e.queuesMu.Lock()
	e.cfg.Queues = qs
	e.queuesMu.Unlock()
	// Priorities may have changed the order; the other nodes read the
	// queues again.
	e.settle(ctx)
	e.publish(ctx, Notice{Kind: NoticeQueues})
}

// QueueSource is where a node sharing its store reads the queues again
// when another node's admin changed them (NoticeQueues).
type QueueSource interface {
	QueueSpecs(ctx context.Context) ([]QueueSpec, error)
}

// reloadQueues reads the stored queues after another node changed them.
func (e *Engine) reloadQueues(ctx context.Context) {
	if e.queueSource == nil {
		return
	}
	specs, err := e.queueSource.QueueSpecs(ctx)
	if err == nil {
		var qs map[string]Queue
		if qs, err = QueuesOf(specs); err == nil {
			e.queuesMu.Lock()
			e.cfg.Queues = qs
			e.queuesMu.Unlock()
			e.settle(ctx)
			return
		}
	}
	e.log.Warn().Err(err).Msg("read the queues another node changed")
}

// UpdateAgent applies an account's new name, capacity and queues to the
// agent's open consoles, so an admin's edit takes effect without the
// agent reconnecting. An agent not connected is left alone: they bring
// the new values when they connect.
func (e *Engine) UpdateAgent(ctx context.Context, info AgentInfo) {
	d := e.desk
	d.mu.Lock()
	a := d.agents[info.ID]
	if a != nil {
		if info.Name != "" {
			a.info.Name = info.Name
		}
		a.info.Capacity, a.info.Queues = info.Capacity, slices.Clone(info.Queues)
	}
	d.mu.Unlock()
	if a != nil {
		e.settle(ctx)
	}
}
