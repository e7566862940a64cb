package sqlite

import (
	"cmp"
	"slices"
	"time"

	"github.com/portico-chat/portico/bot"
)

// buildReport computes every number of a report from the conversations it
// covers (already filtered by flow, oldest first).
func buildReport(q bot.ReportQuery, convs []*reportConv) *bot.Report {
	r := &bot.Report{
		From: q.From.UTC(), To: q.To.UTC(), Flow: q.Flow, TimeZone: q.Location.String(),
		Days: reportDays(q), Daily: []bot.DayCount{}, Handoffs: []bot.ReasonRate{}, Funnels: []bot.Funnel{},
		HandoffOutcomes: []bot.OutcomeCount{},
	}
	daily := map[bot.DayCount]int{}
	reasons, outcomes := map[string]int{}, map[string]int{}
	var resolution, wait, handle []time.Duration
	for _, c := range convs {
		countTotals(&r.Totals, c)
		local := c.created.In(q.Location)
		daily[bot.DayCount{Day: local.Format(time.DateOnly), Flow: c.flow, Channel: bot.ChannelWeb}]++
		r.Busiest.Cells[local.Weekday()][local.Hour()]++
		if c.queued && len(c.handoffs) == 0 {
			reasons["unknown"]++ // queued before handoffs were recorded
			outcomes[outcomeNotRecorded]++
		}
		for _, h := range c.handoffs {
			reasons[cmp.Or(h.reason, "unknown")]++
			outcomes[handoffOutcome(h)]++
			if !h.assigned.IsZero() {
				wait = append(wait, h.assigned.Sub(h.since))
			}
			if !h.assigned.IsZero() && !h.ended.IsZero() {
				handle = append(handle, h.ended.Sub(h.assigned))
			}
		}
		if end := resolvedAt(c); !end.IsZero() {
			resolution = append(resolution, end.Sub(c.created))
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
	slices.SortFunc(r.Daily, func(a, b bot.DayCount) int {
		return cmp.Or(cmp.Compare(a.Day, b.Day), cmp.Compare(a.Flow, b.Flow), cmp.Compare(a.Channel, b.Channel))
	})
	r.Containment = bot.NewRatio(r.Totals.Contained, total)
	r.HandoffRate = bot.NewRatio(r.Totals.Queued, total)
	for _, n := range reasons {
		r.Totals.Handoffs += n
	}
	for reason, n := range reasons {
		r.Handoffs = append(r.Handoffs, bot.ReasonRate{Reason: reason, Ratio: bot.NewRatio(n, r.Totals.Handoffs)})
	}
	slices.SortFunc(r.Handoffs, func(a, b bot.ReasonRate) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Reason, b.Reason))
	})
	for outcome, n := range outcomes {
		r.HandoffOutcomes = append(r.HandoffOutcomes, bot.OutcomeCount{Outcome: outcome, Count: n})
	}
	slices.SortFunc(r.HandoffOutcomes, func(a, b bot.OutcomeCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Outcome, b.Outcome))
	})
	r.Funnels = funnels(convs)
	r.Resolution, r.QueueWait, r.HandleTime = bot.Summarize(resolution), bot.Summarize(wait), bot.Summarize(handle)
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

// countTotals adds one conversation to the totals.
func countTotals(t *bot.Totals, c *reportConv) {
	t.Conversations++
	if c.queued {
		t.Queued++
	}
	if c.status != string(bot.StatusClosed) {
		t.Open++
		return
	}
	switch bot.Resolution(c.resolution) {
	case bot.Resolved:
		t.Resolved++
		if !c.queued && !c.followup {
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
func handoffOutcome(h reportHandoff) string {
	switch {
	case h.ended.IsZero():
		return outcomeOpen
	case h.outcome == "":
		return outcomeNotRecorded
	}
	return h.outcome
}

// resolvedAt is when a resolved conversation's problem was solved: when
// the person who had its last handoff ended it (closed the chat, before
// the rating questions), or else when the conversation closed. Zero for
// the others.
func resolvedAt(c *reportConv) time.Time {
	if c.status != string(bot.StatusClosed) || c.resolution != string(bot.Resolved) {
		return time.Time{}
	}
	if n := len(c.handoffs); n > 0 && !c.handoffs[n-1].assigned.IsZero() && !c.handoffs[n-1].ended.IsZero() {
		return c.handoffs[n-1].ended
	}
	return c.closedAt
}

// reportDays lists every day of the range in its time zone.
func reportDays(q bot.ReportQuery) []string {
	from := q.From.In(q.Location)
	day := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, q.Location)
	days := []string{}
	for ; day.Before(q.To) && len(days) <= maxReportDays; day = day.AddDate(0, 0, 1) {
		days = append(days, day.Format(time.DateOnly))
	}
	return days
}

// funnels counts, for every flow the conversations entered, how many
// reached each of its states and how many stopped there.
func funnels(convs []*reportConv) []bot.Funnel {
	type key struct{ flow, state string }
	steps := map[key]*bot.FunnelStep{}
	entered := map[string]int{}
	for _, c := range convs {
		seen := map[key]bool{}
		flows := map[string]bool{}
		for _, v := range c.visits {
			k := key{v.Flow, v.State}
			s := steps[k]
			if s == nil {
				s = &bot.FunnelStep{State: v.State}
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
			if c.status == string(bot.StatusClosed) && c.resolution == string(bot.Abandoned) {
				last.Abandoned++
			}
		}
	}
	out := []bot.Funnel{}
	for flow, n := range entered {
		f := bot.Funnel{Flow: flow, Entered: n, Steps: []bot.FunnelStep{}}
		for k, s := range steps {
			if k.flow == flow {
				f.Steps = append(f.Steps, *s)
			}
		}
		slices.SortFunc(f.Steps, func(a, b bot.FunnelStep) int {
			return cmp.Or(cmp.Compare(b.Reached, a.Reached), cmp.Compare(a.State, b.State))
		})
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, b bot.Funnel) int {
		return cmp.Or(cmp.Compare(b.Entered, a.Entered), cmp.Compare(a.Flow, b.Flow))
	})
	return out
}
