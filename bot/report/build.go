package report

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/portico-chat/portico/bot"
)

// MaxDays bounds a report's range, so one request cannot make the server
// read years of conversations at once.
const MaxDays = 400

// conv is one conversation with what happened to it, gathered from Rows.
type conv struct {
	Conversation
	flow     string // the flow it counts under (attribute)
	handoffs []Handoff
	visits   []bot.Visit
	closedAt time.Time
	rating   int
	segments SegmentCounts
}

// Build computes the report of the conversations created in [q.From,
// q.To) from the rows s reads. EINVALID for a range that is empty,
// backwards or longer than MaxDays.
func Build(ctx context.Context, s Store, q Query) (*Report, error) {
	if !q.To.After(q.From) {
		return nil, bot.Errorf(bot.EINVALID, "the report's end must be after its start")
	}
	if q.To.Sub(q.From) > MaxDays*24*time.Hour {
		return nil, bot.Errorf(bot.EINVALID, "a report covers at most %d days", MaxDays)
	}
	if q.Location == nil {
		q.Location = time.UTC
	}
	if q.Routing == nil {
		q.Routing = DefaultRouting()
	}
	rows, err := s.ReportRows(ctx, q.From, q.To)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return FromRows(q, rows), nil
}

// Reports computes reports from a store's rows.
type Reports struct{ Store Store }

// Report is Build over r's store.
func (r Reports) Report(ctx context.Context, q Query) (*Report, error) { return Build(ctx, r.Store, q) }

// FromRows computes a report from rows already read; q must be complete
// (Build fills its defaults).
func FromRows(q Query, rows Rows) *Report {
	convs := gather(rows)
	var list []*conv
	unanswered := 0
	for _, c := range convs {
		c.flow = attribute(c, q.Routing)
		switch {
		case q.Flow != "" && c.flow != q.Flow:
		case !c.Answered:
			// A greeting nobody answered is not a conversation: a patient
			// who opened the chat and left was never helped or failed.
			unanswered++
		default:
			list = append(list, c)
		}
	}
	slices.SortFunc(list, func(a, b *conv) int {
		return cmp.Or(a.Created.Compare(b.Created), cmp.Compare(a.ID, b.ID))
	})
	r := build(q, list)
	r.Totals.Unanswered = unanswered
	return r
}

// gather joins the rows by conversation.
func gather(rows Rows) map[string]*conv {
	convs := make(map[string]*conv, len(rows.Conversations))
	for _, c := range rows.Conversations {
		convs[c.ID] = &conv{Conversation: c}
	}
	for _, h := range rows.Handoffs {
		if c := convs[h.Conversation]; c != nil {
			c.handoffs = append(c.handoffs, h)
		}
	}
	for _, v := range rows.Visits {
		if c := convs[v.Conversation]; c != nil {
			c.visits = append(c.visits, v.Visit)
		}
	}
	for _, s := range rows.Segments {
		c := convs[s.Conversation]
		if c == nil {
			continue
		}
		switch s.Direction {
		case SegmentsIn:
			c.segments.In += s.Count
		case SegmentsOut:
			c.segments.Out += s.Count
		}
	}
	for _, e := range rows.Events {
		c := convs[e.Conversation]
		if c == nil {
			continue
		}
		switch e.Type {
		case EventClosed:
			if c.closedAt.IsZero() {
				c.closedAt = e.At
			}
		case EventRating:
			if n, err := strconv.Atoi(e.Outcome); err == nil && n >= 1 && n <= 5 {
				c.rating = n // the latest stands
			}
		}
	}
	return convs
}

// attribute names the flow a conversation counts under: the first it
// entered that is not a routing flow, else the first it entered, else the
// flow it is in (conversations from before visits were recorded).
func attribute(c *conv, routing []string) string {
	for _, v := range c.visits {
		if !slices.Contains(routing, v.Flow) {
			return v.Flow
		}
	}
	if len(c.visits) > 0 {
		return c.visits[0].Flow
	}
	return c.Flow
}

// build computes every number of a report from the conversations it
// covers (already filtered by flow, oldest first).
func build(q Query, convs []*conv) *Report {
	r := numbers(q, convs)
	r.ByChannel = byChannel(q, convs)
	return r
}

// numbers computes every number of the report but the split by channel.
func numbers(q Query, convs []*conv) *Report {
	r := &Report{
		From: q.From.UTC(), To: q.To.UTC(), Flow: q.Flow, TimeZone: q.Location.String(),
		Days: reportDays(q), Daily: []DayCount{}, Handoffs: []ReasonRate{}, Funnels: []Funnel{},
		HandoffOutcomes: []OutcomeCount{},
	}
	daily := map[DayCount]int{}
	reasons, outcomes := map[string]int{}, map[string]int{}
	var resolution, wait, handle []time.Duration
	for _, c := range convs {
		countTotals(&r.Totals, c)
		local := c.Created.In(q.Location)
		daily[DayCount{Day: local.Format(time.DateOnly), Flow: c.flow, Channel: cmp.Or(c.Channel, bot.ChannelWeb)}]++
		r.Busiest.Cells[local.Weekday()][local.Hour()]++
		if c.Queued && len(c.handoffs) == 0 {
			reasons["unknown"]++ // queued before handoffs were recorded
			outcomes[outcomeNotRecorded]++
		}
		for _, h := range c.handoffs {
			reasons[cmp.Or(h.Reason, "unknown")]++
			outcomes[handoffOutcome(h)]++
			if !h.Assigned.IsZero() {
				wait = append(wait, h.Assigned.Sub(h.Since))
			}
			if !h.Assigned.IsZero() && !h.Ended.IsZero() {
				handle = append(handle, h.Ended.Sub(h.Assigned))
			}
		}
		if end := resolvedAt(c); !end.IsZero() {
			resolution = append(resolution, end.Sub(c.Created))
		}
		if c.rating > 0 {
			r.Ratings.Count++
			r.Ratings.Stars[c.rating-1]++
		}
	}
	total := r.Totals.Conversations
	for k, n := range daily {
		k.Conversations = n
		r.Daily = append(r.Daily, k)
	}
	slices.SortFunc(r.Daily, func(a, b DayCount) int {
		return cmp.Or(cmp.Compare(a.Day, b.Day), cmp.Compare(a.Flow, b.Flow), cmp.Compare(a.Channel, b.Channel))
	})
	r.Containment = NewRatio(r.Totals.Contained, total)
	r.HandoffRate = NewRatio(r.Totals.Queued, total)
	for _, n := range reasons {
		r.Totals.Handoffs += n
	}
	for reason, n := range reasons {
		r.Handoffs = append(r.Handoffs, ReasonRate{Reason: reason, Ratio: NewRatio(n, r.Totals.Handoffs)})
	}
	slices.SortFunc(r.Handoffs, func(a, b ReasonRate) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Reason, b.Reason))
	})
	for outcome, n := range outcomes {
		r.HandoffOutcomes = append(r.HandoffOutcomes, OutcomeCount{Outcome: outcome, Count: n})
	}
	slices.SortFunc(r.HandoffOutcomes, func(a, b OutcomeCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Outcome, b.Outcome))
	})
	r.Funnels = funnels(convs)
	r.Resolution, r.QueueWait, r.HandleTime = Summarize(resolution), Summarize(wait), Summarize(handle)
	if r.Ratings.Count > 0 {
		sum := 0
		for i, n := range r.Ratings.Stars {
			sum += (i + 1) * n
		}
		r.Ratings.Average = float64(sum) / float64(r.Ratings.Count)
	}
	for _, row := range r.Busiest.Cells {
		for _, n := range row {
			r.Busiest.Max = max(r.Busiest.Max, n)
		}
	}
	return r
}

// byChannel computes the numbers of each channel's conversations alone.
func byChannel(q Query, convs []*conv) []ChannelNumbers {
	groups := map[string][]*conv{}
	for _, c := range convs {
		ch := cmp.Or(c.Channel, bot.ChannelWeb)
		groups[ch] = append(groups[ch], c)
	}
	out := []ChannelNumbers{}
	for _, ch := range slices.Sorted(maps.Keys(groups)) {
		r := numbers(q, groups[ch])
		var segs SegmentCounts
		for _, c := range groups[ch] {
			segs.In += c.segments.In
			segs.Out += c.segments.Out
		}
		out = append(out, ChannelNumbers{
			Channel: ch, Conversations: r.Totals.Conversations, Containment: r.Containment, HandoffRate: r.HandoffRate,
			Funnels: r.Funnels, Resolution: r.Resolution, QueueWait: r.QueueWait, HandleTime: r.HandleTime,
			Segments: segs,
		})
	}
	return out
}

// countTotals adds one conversation to the totals.
func countTotals(t *Totals, c *conv) {
	t.Conversations++
	if c.Queued {
		t.Queued++
	}
	if c.Status != bot.StatusClosed {
		t.Open++
		return
	}
	switch c.Resolution {
	case bot.Resolved:
		t.Resolved++
		if !c.Queued && !c.Followup {
			t.Contained++
		}
	case bot.Unresolved:
		t.Unresolved++
	case bot.Abandoned:
		t.Abandoned++
	case bot.HandedOff:
		t.HandedOff++
	default:
		t.Other++
	}
}

// Handoff outcomes the report names itself, besides the stored ones.
const (
	outcomeOpen        = "open"         // still waiting or with a person
	outcomeNotRecorded = "not_recorded" // ended before outcomes were recorded
)

// handoffOutcome is how a handoff ended, as the report counts it.
func handoffOutcome(h Handoff) string {
	switch {
	case h.Ended.IsZero():
		return outcomeOpen
	case h.Outcome == "":
		return outcomeNotRecorded
	}
	return h.Outcome
}

// resolvedAt is when a resolved conversation's problem was solved: when
// the person who had its last handoff ended it (closed the chat, before
// the rating questions), or else when the conversation closed. Zero for
// the others.
func resolvedAt(c *conv) time.Time {
	if c.Status != bot.StatusClosed || c.Resolution != bot.Resolved {
		return time.Time{}
	}
	if n := len(c.handoffs); n > 0 && !c.handoffs[n-1].Assigned.IsZero() && !c.handoffs[n-1].Ended.IsZero() {
		return c.handoffs[n-1].Ended
	}
	return c.closedAt
}

// reportDays lists every day of the range in its time zone.
func reportDays(q Query) []string {
	from := q.From.In(q.Location)
	day := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, q.Location)
	days := []string{}
	for ; day.Before(q.To) && len(days) <= MaxDays; day = day.AddDate(0, 0, 1) {
		days = append(days, day.Format(time.DateOnly))
	}
	return days
}

// funnels counts, for every flow the conversations entered, how many
// reached each of its states and how many stopped there.
func funnels(convs []*conv) []Funnel {
	type key struct{ flow, state string }
	steps := map[key]*FunnelStep{}
	entered := map[string]int{}
	for _, c := range convs {
		seen := map[key]bool{}
		flows := map[string]bool{}
		for _, v := range c.visits {
			k := key{v.Flow, v.State}
			s := steps[k]
			if s == nil {
				s = &FunnelStep{State: v.State}
				steps[k] = s
			}
			s.Visits++
			if !seen[k] {
				seen[k] = true
				s.Reached++
			}
			if !flows[v.Flow] {
				flows[v.Flow] = true
				entered[v.Flow]++
			}
		}
		if n := len(c.visits); n > 0 {
			last := steps[key{c.visits[n-1].Flow, c.visits[n-1].State}]
			last.Stopped++
			if c.Status == bot.StatusClosed && c.Resolution == bot.Abandoned {
				last.Abandoned++
			}
		}
	}
	out := []Funnel{}
	for flow, n := range entered {
		f := Funnel{Flow: flow, Entered: n, Steps: []FunnelStep{}}
		for k, s := range steps {
			if k.flow == flow {
				f.Steps = append(f.Steps, *s)
			}
		}
		slices.SortFunc(f.Steps, func(a, b FunnelStep) int {
			return cmp.Or(cmp.Compare(b.Reached, a.Reached), cmp.Compare(a.State, b.State))
		})
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, b Funnel) int {
		return cmp.Or(cmp.Compare(b.Entered, a.Entered), cmp.Compare(a.Flow, b.Flow))
	})
	return out
}
