package report_test

import (
	"context"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/report"
)

// zone is the report's time zone in these tests: five hours behind UTC,
// so a conversation's local day and hour differ from UTC's.
var zone = time.FixedZone("UTC-5", -5*3600)

// local returns a time on March 2025 in zone (the 3rd is a Monday).
func local(day, hour, minute int) time.Time {
	return time.Date(2025, 3, day, hour, minute, 0, 0, zone)
}

// store is an in-memory report.Store: the history of every conversation
// as a store would keep it, read back as rows the way storage/sqlite's
// queries read them (storage/storetest checks a real store does).
type store struct {
	convs    []*seeder
	segments []report.Segments // read as they are: the report joins by conversation
}

func (s *store) ReportRows(_ context.Context, from, to time.Time) (report.Rows, error) {
	var rows report.Rows
	for _, c := range s.convs {
		if c.c.Created.Before(from) || !c.c.Created.Before(to) {
			continue
		}
		rows.Conversations = append(rows.Conversations, c.c)
		rows.Handoffs = append(rows.Handoffs, c.handoffs...)
		rows.Visits = append(rows.Visits, c.visits...)
	}
	rows.Segments = s.segments
	for _, c := range s.convs {
		for _, e := range c.events {
			if !e.At.Before(from) {
				rows.Events = append(rows.Events, e)
			}
		}
	}
	return rows, nil
}

// seeder writes one conversation's history as a store would keep it.
type seeder struct {
	c        report.Conversation
	handoffs []report.Handoff
	visits   []report.Visit
	events   []report.Event
}

// seed writes a conversation the patient answered (said or tapped
// something in), as every counted conversation is.
func seed(_ *testing.T, s *store, id string, created time.Time) *seeder {
	c := seedUnanswered(nil, s, id, created)
	c.c.Answered = true
	return c
}

// seedUnanswered writes a conversation whose patient never said anything.
func seedUnanswered(_ *testing.T, s *store, id string, created time.Time) *seeder {
	c := &seeder{c: report.Conversation{ID: id, Channel: bot.ChannelWeb, Status: bot.StatusBot, Created: created.UTC()}}
	s.convs = append(s.convs, c)
	return c
}

// visit enters states of a flow, written "flow.state".
func (s *seeder) visit(at time.Time, flow string, states ...string) *seeder {
	s.c.Flow = flow
	for _, st := range states {
		s.visits = append(s.visits, report.Visit{Conversation: s.c.ID, Visit: bot.Visit{Flow: flow, State: st, At: at.UTC()}})
	}
	return s
}

func (s *seeder) queue(at time.Time, reason string) *seeder {
	return s.queueSince(at, reason, at)
}

// queueSince hands off with the patient in line since an earlier time, as
// a patient who chose to keep waiting is.
func (s *seeder) queueSince(at time.Time, reason string, since time.Time) *seeder {
	s.endHandoff(at, "requeued")
	s.c.Status, s.c.Queued = bot.StatusQueued, true
	s.handoffs = append(s.handoffs, report.Handoff{Conversation: s.c.ID, Reason: reason, Since: since.UTC()})
	return s
}

// open returns the conversation's open handoff, or nil.
func (s *seeder) open() *report.Handoff {
	if n := len(s.handoffs); n > 0 && s.handoffs[n-1].Ended.IsZero() {
		return &s.handoffs[n-1]
	}
	return nil
}

func (s *seeder) endHandoff(at time.Time, outcome string) {
	if h := s.open(); h != nil {
		h.Ended, h.Outcome = at.UTC(), outcome
	}
}

func (s *seeder) assign(at time.Time) *seeder {
	s.c.Status = bot.StatusAgent
	if h := s.open(); h != nil && h.Assigned.IsZero() {
		h.Assigned = at.UTC()
	}
	return s
}

// agentClose hands the chat back to the bot, as an agent's close does
// before the rating questions (outcome: the agent's resolution), as does
// "return to the bot" (to_bot) and a queue timeout (timeout).
func (s *seeder) agentClose(at time.Time, outcome string) *seeder {
	s.c.Status = bot.StatusBot
	s.endHandoff(at, outcome)
	return s
}

func (s *seeder) rate(at time.Time, n int) *seeder {
	s.events = append(s.events, report.Event{Conversation: s.c.ID, Type: report.EventRating, Outcome: strconv.Itoa(n), At: at.UTC()})
	return s
}

func (s *seeder) close(at time.Time, r bot.Resolution) *seeder {
	s.c.Status, s.c.Resolution = bot.StatusClosed, r
	s.endHandoff(at, string(r))
	s.events = append(s.events, report.Event{Conversation: s.c.ID, Type: report.EventClosed, Outcome: string(r), At: at.UTC()})
	return s
}

// followup records that the patient left a message for the team.
func (s *seeder) followup() *seeder {
	s.c.Followup = true
	return s
}

// seedKnown writes the conversations docs/analytics.md's worked example
// describes; the expected numbers below are computed by hand from them.
func seedKnown(t *testing.T, db *store) {
	// c1, c2: password resets the bot finished (4 and 10 minutes).
	seed(t, db, "c1", local(3, 9, 10)).visit(local(3, 9, 10), "greeting", "welcome").
		visit(local(3, 9, 11), "reset_password", "ask_dob", "ask_zip", "send_code", "ask_code").
		visit(local(3, 9, 13), "reset_password", "ask_new", "done").close(local(3, 9, 14), bot.Resolved)
	seed(t, db, "c2", local(3, 9, 30)).visit(local(3, 9, 30), "greeting", "welcome").
		visit(local(3, 9, 31), "reset_password", "ask_dob", "ask_zip", "ask_code").
		visit(local(3, 9, 35), "reset_password", "ask_code").close(local(3, 9, 40), bot.Resolved)
	// c3: gave up at the date of birth.
	seed(t, db, "c3", local(3, 14, 0)).visit(local(3, 14, 0), "greeting", "welcome").
		visit(local(3, 14, 1), "reset_password", "ask_dob").close(local(3, 14, 35), bot.Abandoned)
	// c4: handed off after retries; waited 3 minutes, an agent took 12
	// minutes and resolved it, the patient rated 4.
	seed(t, db, "c4", local(4, 10, 0)).visit(local(4, 10, 0), "greeting", "welcome").
		visit(local(4, 10, 1), "forgot_username", "ask_dob").queue(local(4, 10, 5), "retries_exhausted").
		assign(local(4, 10, 8)).agentClose(local(4, 10, 20), "resolved").visit(local(4, 10, 20), "rate_chat", "ask_rating").
		rate(local(4, 10, 21), 4).close(local(4, 10, 22), bot.Resolved)
	// c5: asked for a person from the menu; waited 10 minutes, 30 minutes
	// with the agent, unresolved, rated 2.
	seed(t, db, "c5", local(4, 10, 30)).visit(local(4, 10, 30), "greeting", "welcome", "to_person").
		queue(local(4, 10, 31), "requested").assign(local(4, 10, 41)).agentClose(local(4, 11, 11), "unresolved").
		visit(local(4, 11, 11), "rate_chat", "ask_rating").rate(local(4, 11, 12), 2).close(local(4, 11, 12), bot.Unresolved)
	// c6: still waiting in the queue.
	seed(t, db, "c6", local(5, 10, 15)).visit(local(5, 10, 15), "greeting", "welcome").
		visit(local(5, 10, 16), "reset_password", "ask_dob").queue(local(5, 10, 20), "requested")
	// c7: Wednesday 23:30 here is Thursday in UTC; still at the menu.
	seed(t, db, "c7", local(5, 23, 30)).visit(local(5, 23, 30), "greeting", "welcome")
	// c10: an activation the bot finished in 6 minutes.
	seed(t, db, "c10", local(5, 12, 0)).visit(local(5, 12, 0), "greeting", "welcome").
		visit(local(5, 12, 1), "activate_account", "ask_dob", "done").close(local(5, 12, 6), bot.Resolved)
	// c11: resolved in 25 minutes, but the patient also left a message
	// for the team, so it is not contained.
	seed(t, db, "c11", local(5, 13, 0)).visit(local(5, 13, 0), "greeting", "welcome").
		visit(local(5, 13, 1), "reset_password", "ask_dob", "done").close(local(5, 13, 25), bot.Resolved).followup()
	// c12, c13: greetings nobody answered (the chat was opened, or opened
	// straight into a flow, and left): no conversation in any number.
	seedUnanswered(t, db, "c12", local(5, 11, 0)).visit(local(5, 11, 0), "greeting", "welcome").
		close(local(5, 11, 30), bot.Abandoned)
	seedUnanswered(t, db, "c13", local(5, 11, 5)).visit(local(5, 11, 5), "reset_password", "ask_dob").
		close(local(5, 11, 35), bot.Abandoned)
	// Outside the range: Sunday 23:00 here (Monday in UTC), and the
	// range's end itself.
	seed(t, db, "c8", local(2, 23, 0)).visit(local(2, 23, 0), "greeting", "welcome").
		queue(local(2, 23, 1), "requested").rate(local(3, 9, 0), 1).close(local(3, 9, 0), bot.Resolved)
	seed(t, db, "c9", local(6, 0, 0)).visit(local(6, 0, 0), "reset_password", "ask_dob").close(local(6, 0, 5), bot.Resolved)
}

func knownQuery() report.Query {
	return report.Query{From: local(3, 0, 0), To: local(6, 0, 0), Location: zone}
}

func TestReportKnownConversations(t *testing.T) {
	db := &store{}
	seedKnown(t, db)
	r, err := report.Build(context.Background(), db, knownQuery())
	if err != nil {
		t.Fatalf("Report: %v", err)
	}
	min := time.Minute
	checkAll(t, []check{
		{"from", r.From, local(3, 0, 0).UTC()},
		{"to", r.To, local(6, 0, 0).UTC()},
		{"time zone", r.TimeZone, "UTC-5"},
		{"totals", r.Totals, report.Totals{Conversations: 9, Open: 2, Resolved: 5, Unresolved: 1, Abandoned: 1, Contained: 3, Queued: 3, Handoffs: 3, Unanswered: 2}},
		{"days", r.Days, []string{"2025-03-03", "2025-03-04", "2025-03-05"}},
		{"daily", r.Daily, []report.DayCount{
			{Day: "2025-03-03", Flow: "reset_password", Channel: "web", Conversations: 3},
			{Day: "2025-03-04", Flow: "forgot_username", Channel: "web", Conversations: 1},
			{Day: "2025-03-04", Flow: "greeting", Channel: "web", Conversations: 1},
			{Day: "2025-03-05", Flow: "activate_account", Channel: "web", Conversations: 1},
			{Day: "2025-03-05", Flow: "greeting", Channel: "web", Conversations: 1},
			{Day: "2025-03-05", Flow: "reset_password", Channel: "web", Conversations: 2},
		}},
		{"containment", r.Containment, report.Ratio{Count: 3, Of: 9, Rate: 3.0 / 9}},
		{"handoff rate", r.HandoffRate, report.Ratio{Count: 3, Of: 9, Rate: 3.0 / 9}},
		{"handoffs by reason", r.Handoffs, []report.ReasonRate{
			{Reason: "requested", Ratio: report.Ratio{Count: 2, Of: 3, Rate: 2.0 / 3}},
			{Reason: "retries_exhausted", Ratio: report.Ratio{Count: 1, Of: 3, Rate: 1.0 / 3}},
		}},
		{"handoff outcomes", r.HandoffOutcomes, []report.OutcomeCount{
			{Outcome: "open", Count: 1}, {Outcome: "resolved", Count: 1}, {Outcome: "unresolved", Count: 1},
		}},
		// 4, 6, 10, 20 (c4: until the agent closed), 25 minutes.
		{"time to resolution", r.Resolution, report.Durations{Count: 5, Median: 10 * min, P90: 25 * min}},
		{"queue wait", r.QueueWait, report.Durations{Count: 2, Median: 3 * min, P90: 10 * min}},
		{"handle time", r.HandleTime, report.Durations{Count: 2, Median: 12 * min, P90: 30 * min}},
		{"ratings", r.Ratings, report.Ratings{Count: 2, Average: 3, Stars: [5]int{0, 1, 0, 1, 0}}},
		{"funnels", r.Funnels, []report.Funnel{
			{Flow: "greeting", Entered: 9, Steps: []report.FunnelStep{
				{State: "welcome", Reached: 9, Visits: 9, Stopped: 1},
				{State: "to_person", Reached: 1, Visits: 1},
			}},
			{Flow: "reset_password", Entered: 5, Steps: []report.FunnelStep{
				{State: "ask_dob", Reached: 5, Visits: 5, Stopped: 2, Abandoned: 1},
				{State: "ask_code", Reached: 2, Visits: 3, Stopped: 1},
				{State: "ask_zip", Reached: 2, Visits: 2},
				{State: "done", Reached: 2, Visits: 2, Stopped: 2},
				{State: "ask_new", Reached: 1, Visits: 1},
				{State: "send_code", Reached: 1, Visits: 1},
			}},
			{Flow: "rate_chat", Entered: 2, Steps: []report.FunnelStep{
				{State: "ask_rating", Reached: 2, Visits: 2, Stopped: 2},
			}},
			{Flow: "activate_account", Entered: 1, Steps: []report.FunnelStep{
				{State: "ask_dob", Reached: 1, Visits: 1},
				{State: "done", Reached: 1, Visits: 1, Stopped: 1},
			}},
			{Flow: "forgot_username", Entered: 1, Steps: []report.FunnelStep{
				{State: "ask_dob", Reached: 1, Visits: 1},
			}},
		}},
	})

	// Busiest hours, in the report's zone: weekday (0 = Sunday), hour.
	want := map[[2]int]int{{1, 9}: 2, {1, 14}: 1, {2, 10}: 2, {3, 10}: 1, {3, 12}: 1, {3, 13}: 1, {3, 23}: 1}
	for d := range 7 {
		for h := range 24 {
			if got := r.Busiest.Cells[d][h]; got != want[[2]int{d, h}] {
				t.Errorf("busiest weekday %d hour %d: got %d, want %d", d, h, got, want[[2]int{d, h}])
			}
		}
	}
	if r.Busiest.Max != 2 {
		t.Errorf("busiest max: got %d, want 2", r.Busiest.Max)
	}
}

func TestReportOneFlow(t *testing.T) {
	db := &store{}
	seedKnown(t, db)
	q := knownQuery()
	q.Flow = "reset_password"
	r, err := report.Build(context.Background(), db, q)
	if err != nil {
		t.Fatalf("Report: %v", err)
	}
	min := time.Minute
	checkAll(t, []check{
		// c1, c2, c3, c6, c11.
		{"totals", r.Totals, report.Totals{Conversations: 5, Open: 1, Resolved: 3, Abandoned: 1, Contained: 2, Queued: 1, Handoffs: 1, Unanswered: 1}},
		{"containment", r.Containment, report.Ratio{Count: 2, Of: 5, Rate: 0.4}},
		{"handoffs", r.Handoffs, []report.ReasonRate{{Reason: "requested", Ratio: report.Ratio{Count: 1, Of: 1, Rate: 1}}}},
		{"time to resolution", r.Resolution, report.Durations{Count: 3, Median: 10 * min, P90: 25 * min}},
		{"queue wait", r.QueueWait, report.Durations{}},
		{"ratings", r.Ratings, report.Ratings{}},
		{"funnel flows", funnelFlows(r.Funnels), []string{"greeting", "reset_password"}},
	})
}

// TestReportCountsEveryHandoff: conversations handed off more than once
// count every handoff, each with its reason, wait, handle time and
// outcome. Every number below is computed by hand from the seed.
func TestReportCountsEveryHandoff(t *testing.T) {
	db := &store{}
	// h1: retries exhausted at 10:01, taken at 10:03 (waited 2), returned
	// to the bot at 10:08 (handled 5); asked for a person at 10:10, taken
	// at 10:14 (waited 4), closed resolved at 10:22 (handled 8).
	seed(t, db, "h1", local(3, 10, 0)).visit(local(3, 10, 0), "greeting", "welcome").
		queue(local(3, 10, 1), "retries_exhausted").assign(local(3, 10, 3)).agentClose(local(3, 10, 8), bot.HandoffToBot).
		visit(local(3, 10, 8), "reset_password", "ask_dob").queue(local(3, 10, 10), "requested").
		assign(local(3, 10, 14)).agentClose(local(3, 10, 22), "resolved").close(local(3, 10, 23), bot.Resolved)
	// h2: asked at 11:01, nobody came by 11:06 (timeout); kept their place
	// at 11:07, taken at 11:11 (in line 10 minutes), closed unresolved at
	// 11:20 (handled 9).
	seed(t, db, "h2", local(3, 11, 0)).visit(local(3, 11, 0), "greeting", "welcome").
		queue(local(3, 11, 1), "requested").agentClose(local(3, 11, 6), bot.HandoffTimedOut).
		queueSince(local(3, 11, 7), "still_waiting", local(3, 11, 1)).assign(local(3, 11, 11)).
		agentClose(local(3, 11, 20), "unresolved").close(local(3, 11, 21), bot.Unresolved)
	// h3: asked at 12:01 and left before anyone came.
	seed(t, db, "h3", local(3, 12, 0)).visit(local(3, 12, 0), "greeting", "welcome").
		queue(local(3, 12, 1), "requested").close(local(3, 12, 40), bot.Abandoned)
	// h4: the dialog failed at 13:00; still waiting.
	seed(t, db, "h4", local(3, 13, 0)).visit(local(3, 13, 0), "greeting", "welcome").queue(local(3, 13, 0), "error")

	r, err := report.Build(context.Background(), db, knownQuery())
	if err != nil {
		t.Fatal(err)
	}
	min := time.Minute
	checkAll(t, []check{
		{"totals", r.Totals, report.Totals{Conversations: 4, Open: 1, Resolved: 1, Unresolved: 1, Abandoned: 1, Queued: 4, Handoffs: 6}},
		{"handoff rate", r.HandoffRate, report.Ratio{Count: 4, Of: 4, Rate: 1}},
		{"handoffs by reason", r.Handoffs, []report.ReasonRate{
			{Reason: "requested", Ratio: report.Ratio{Count: 3, Of: 6, Rate: 0.5}},
			{Reason: "error", Ratio: report.Ratio{Count: 1, Of: 6, Rate: 1.0 / 6}},
			{Reason: "retries_exhausted", Ratio: report.Ratio{Count: 1, Of: 6, Rate: 1.0 / 6}},
			{Reason: "still_waiting", Ratio: report.Ratio{Count: 1, Of: 6, Rate: 1.0 / 6}},
		}},
		{"handoff outcomes", r.HandoffOutcomes, []report.OutcomeCount{
			{Outcome: "abandoned", Count: 1}, {Outcome: "open", Count: 1}, {Outcome: "resolved", Count: 1},
			{Outcome: "timeout", Count: 1}, {Outcome: "to_bot", Count: 1}, {Outcome: "unresolved", Count: 1},
		}},
		// Waits 2, 4, 10 minutes: median 4, p90 10.
		{"queue wait", r.QueueWait, report.Durations{Count: 3, Median: 4 * min, P90: 10 * min}},
		// Handled 5, 8, 9 minutes: median 8, p90 9.
		{"handle time", r.HandleTime, report.Durations{Count: 3, Median: 8 * min, P90: 9 * min}},
		// h1, solved when its last handoff ended: 22 minutes after it began.
		{"time to resolution", r.Resolution, report.Durations{Count: 1, Median: 22 * min, P90: 22 * min}},
	})
}

// check is one number of a report: what it is, what came, what should.
type check struct {
	name      string
	got, want any
}

// checkAll fails for every check whose got is not want.
func checkAll(t *testing.T, checks []check) {
	t.Helper()
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", c.name, c.got, c.want)
		}
	}
}

func funnelFlows(fs []report.Funnel) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Flow)
	}
	return out
}

func TestReportEmptyAndInvalidRanges(t *testing.T) {
	db := &store{}
	ctx := context.Background()
	r, err := report.Build(ctx, db, report.Query{From: local(3, 0, 0), To: local(4, 0, 0)})
	if err != nil {
		t.Fatalf("Report on an empty database: %v", err)
	}
	if r.Totals != (report.Totals{}) || r.Containment != (report.Ratio{}) || len(r.Daily) != 0 || r.TimeZone != "UTC" {
		t.Errorf("empty report: got totals %+v containment %+v daily %v zone %s, want zeros in UTC",
			r.Totals, r.Containment, r.Daily, r.TimeZone)
	}
	// A UTC query over the same wall-clock range has two days (05:00 UTC to 05:00 UTC).
	if got, want := r.Days, []string{"2025-03-03", "2025-03-04"}; !reflect.DeepEqual(got, want) {
		t.Errorf("days: got %v, want %v", got, want)
	}
	for _, q := range []report.Query{
		{From: local(4, 0, 0), To: local(3, 0, 0)},
		{From: local(3, 0, 0), To: local(3, 0, 0)},
		{From: local(3, 0, 0), To: local(3, 0, 0).AddDate(2, 0, 0)},
	} {
		if _, err := report.Build(ctx, db, q); bot.ErrorCode(err) != bot.EINVALID {
			t.Errorf("Report(%v to %v): got %v, want invalid", q.From, q.To, err)
		}
	}
}

// TestReportSplitsByChannel: containment, funnels and waits of each
// channel's conversations alone, computed by hand: on the web one of two
// contained, no wait; on SMS one of two contained, one wait of 4 minutes.
func TestReportSplitsByChannel(t *testing.T) {
	db := &store{}
	min := time.Minute
	seed(t, db, "w1", local(3, 9, 0)).visit(local(3, 9, 0), "reset_password", "verify", "done").close(local(3, 9, 5), bot.Resolved)
	seed(t, db, "w2", local(3, 10, 0)).visit(local(3, 10, 0), "reset_password", "verify").close(local(3, 10, 30), bot.Abandoned)
	s1 := seed(t, db, "s1", local(3, 11, 0)).visit(local(3, 11, 0), "reset_password", "verify", "done")
	s1.c.Channel = bot.ChannelSMS
	s1.close(local(3, 11, 5), bot.Resolved)
	s2 := seed(t, db, "s2", local(3, 12, 0)).visit(local(3, 12, 0), "greeting", "menu")
	s2.c.Channel = bot.ChannelSMS
	s2.queue(local(3, 12, 1), "requested").assign(local(3, 12, 5)).close(local(3, 12, 20), bot.Resolved)
	db.segments = []report.Segments{
		{Conversation: "s1", Direction: report.SegmentsIn, Count: 6}, {Conversation: "s1", Direction: report.SegmentsOut, Count: 9},
		{Conversation: "s2", Direction: report.SegmentsIn, Count: 2}, {Conversation: "s2", Direction: report.SegmentsOut, Count: 3},
		{Conversation: "elsewhere", Direction: report.SegmentsOut, Count: 100}, // not in the range
	}
	r, err := report.Build(context.Background(), db, knownQuery())
	if err != nil {
		t.Fatal(err)
	}
	if len(r.ByChannel) != 2 || r.ByChannel[0].Channel != "sms" || r.ByChannel[1].Channel != "web" {
		t.Fatalf("channels %+v, want sms then web", r.ByChannel)
	}
	sms, web := r.ByChannel[0], r.ByChannel[1]
	checkAll(t, []check{
		{"sms conversations", sms.Conversations, 2},
		{"sms containment", sms.Containment, report.Ratio{Count: 1, Of: 2, Rate: 0.5}},
		{"sms handoff rate", sms.HandoffRate, report.Ratio{Count: 1, Of: 2, Rate: 0.5}},
		{"sms queue wait", sms.QueueWait, report.Durations{Count: 1, Median: 4 * min, P90: 4 * min}},
		{"sms funnel flows", funnelFlows(sms.Funnels), []string{"greeting", "reset_password"}},
		{"web containment", web.Containment, report.Ratio{Count: 1, Of: 2, Rate: 0.5}},
		{"web queue wait", web.QueueWait, report.Durations{}},
		{"web funnel flows", funnelFlows(web.Funnels), []string{"reset_password"}},
		{"sms segments", sms.Segments, report.SegmentCounts{In: 8, Out: 12}},
		{"web segments", web.Segments, report.SegmentCounts{}},
		{"whole containment", r.Containment, report.Ratio{Count: 2, Of: 4, Rate: 0.5}},
	})
}
