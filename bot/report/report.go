// Package report is the analytics arithmetic: a store reads the rows of
// a range (conversations, handoffs, state visits, closings and ratings)
// and Build turns them into every number of the admin dashboard. A store
// implements Store and nothing else; docs/analytics.md defines the
// numbers.
package report

import (
	"slices"
	"time"

	"github.com/portico-chat/portico/bot"
)

// Query selects the conversations a Report covers: those created in
// [From, To), optionally only those of one flow. docs/analytics.md defines
// every number.
type Query struct {
	From, To time.Time
	Flow     string         // "" for every flow
	Location *time.Location // days, weekdays and hours are counted in it; nil means UTC
	// Routing names the flows a conversation passes through on its way to
	// its task (the greeting's menu) or after it (the rating and
	// leave-a-message flows). A conversation counts under the first flow it
	// entered that is not one of them, or its first flow if it entered no
	// other. Nil means DefaultRouting.
	Routing []string
}

// DefaultRouting is the routing flows of the default configuration.
func DefaultRouting() []string {
	return []string{bot.DefaultConfig().GreetingFlow, bot.RateFlow, bot.LeaveFlow}
}

// Report is every number of the analytics dashboard for one query.
type Report struct {
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Flow     string    `json:"flow,omitempty"`
	TimeZone string    `json:"time_zone"`

	Totals      Totals       `json:"totals"`
	Days        []string     `json:"days"`  // every day of the range, YYYY-MM-DD, in order
	Daily       []DayCount   `json:"daily"` // non-zero cells only
	Containment Ratio        `json:"containment"`
	Handoffs    []ReasonRate `json:"handoffs"` // every handoff by reason, most first
	HandoffRate Ratio        `json:"handoff_rate"`
	// HandoffOutcomes counts every handoff by how it ended, most first.
	HandoffOutcomes []OutcomeCount `json:"handoff_outcomes"`
	Funnels         []Funnel       `json:"funnels"`
	Resolution      Durations      `json:"time_to_resolution"`
	QueueWait       Durations      `json:"queue_wait"`
	HandleTime      Durations      `json:"handle_time"`
	Ratings         Ratings        `json:"ratings"`
	Busiest         Heatmap        `json:"busiest"`
	// ByChannel splits the main numbers by the conversations' channel
	// (web, sms): one entry per channel with conversations, by name.
	ByChannel []ChannelNumbers `json:"by_channel"`
}

// ChannelNumbers are the numbers of the conversations of one channel.
type ChannelNumbers struct {
	Channel       string    `json:"channel"`
	Conversations int       `json:"conversations"`
	Containment   Ratio     `json:"containment"`
	HandoffRate   Ratio     `json:"handoff_rate"`
	Funnels       []Funnel  `json:"funnels"`
	Resolution    Durations `json:"time_to_resolution"`
	QueueWait     Durations `json:"queue_wait"`
	HandleTime    Durations `json:"handle_time"`
	// Segments are what the channel's conversations cost in text message
	// segments, in and out (on the web, only the codes they had texted).
	Segments SegmentCounts `json:"segments"`
}

// SegmentCounts are text message segments received and sent.
type SegmentCounts struct {
	In  int `json:"in"`
	Out int `json:"out"`
}

// Totals counts the report's conversations by how they stand.
type Totals struct {
	Conversations int `json:"conversations"`
	Open          int `json:"open"`     // not closed yet (bot, queued or agent)
	Resolved      int `json:"resolved"` // closed resolved, by the bot or a person
	Unresolved    int `json:"unresolved"`
	Abandoned     int `json:"abandoned"`
	HandedOff     int `json:"handed_off"` // closed with resolution handed_off
	Other         int `json:"other"`      // closed with another resolution (e.g. an agent's no_response)
	Contained     int `json:"contained"`  // resolved by the bot with no person
	Queued        int `json:"queued"`     // ever put in a queue
	Handoffs      int `json:"handoffs"`   // handoffs to a person: a conversation may have several
	// Unanswered counts the conversations left out of every other number:
	// the patient opened the chat and never said or tapped anything.
	Unanswered int `json:"unanswered"`
}

// DayCount is the conversations created on one day, of one flow and channel.
type DayCount struct {
	Day           string `json:"day"` // YYYY-MM-DD in the report's time zone
	Flow          string `json:"flow"`
	Channel       string `json:"channel"`
	Conversations int    `json:"conversations"`
}

// Ratio is a share: Count of Of, and Rate = Count/Of (0 when Of is 0).
type Ratio struct {
	Count int     `json:"count"`
	Of    int     `json:"of"`
	Rate  float64 `json:"rate"`
}

// NewRatio returns count/of as a Ratio.
func NewRatio(count, of int) Ratio {
	r := Ratio{Count: count, Of: of}
	if of > 0 {
		r.Rate = float64(count) / float64(of)
	}
	return r
}

// ReasonRate is the handoffs made for one reason, as a share of all the
// report's handoffs.
type ReasonRate struct {
	Reason string `json:"reason"`
	Ratio
}

// OutcomeCount is the handoffs that ended one way: an agent's resolution
// (resolved, unresolved, no_response), to_bot, timeout, abandoned,
// requeued, open (not ended yet) or not_recorded (ended before outcomes
// were kept).
type OutcomeCount struct {
	Outcome string `json:"outcome"`
	Count   int    `json:"count"`
}

// Funnel is how far the conversations of one flow got.
type Funnel struct {
	Flow    string       `json:"flow"`
	Entered int          `json:"entered"` // conversations that entered any of its states
	Steps   []FunnelStep `json:"steps"`   // most reached first; ties by name
}

// FunnelStep is one state of a funnel.
type FunnelStep struct {
	State   string `json:"state"`
	Reached int    `json:"reached"` // conversations that entered it at least once
	Visits  int    `json:"visits"`  // entries, asking again included
	// Stopped is the conversations whose last state was this one, and
	// Abandoned those of them that ended abandoned: where patients dropped off.
	Stopped   int `json:"stopped"`
	Abandoned int `json:"abandoned"`
}

// Durations summarises a set of durations: how many, the median and the
// 90th percentile (nearest rank), zero when Count is 0.
type Durations struct {
	Count  int           `json:"count"`
	Median time.Duration `json:"median_ns"`
	P90    time.Duration `json:"p90_ns"`
}

// Ratings are the patients' ratings of chats with a person.
type Ratings struct {
	Count   int     `json:"count"`
	Average float64 `json:"average"` // 0 when Count is 0
	// Stars[i] is how many rated i+1.
	Stars [5]int `json:"stars"`
}

// Heatmap counts conversations by weekday (0 = Sunday) and hour of day.
type Heatmap struct {
	Cells [7][24]int `json:"cells"`
	Max   int        `json:"max"`
}

// Summarize returns the count, median and 90th percentile of ds, by the
// nearest-rank method: the p-th percentile is the smallest value with at
// least p% of the values at or below it (so the median of 1, 2, 3, 4 is 2).
// It sorts ds.
func Summarize(ds []time.Duration) Durations {
	if len(ds) == 0 {
		return Durations{}
	}
	slices.Sort(ds)
	return Durations{Count: len(ds), Median: nearestRank(ds, 50), P90: nearestRank(ds, 90)}
}

// nearestRank returns the p-th percentile of sorted ds.
func nearestRank(ds []time.Duration, p int) time.Duration {
	rank := (p*len(ds) + 99) / 100 // ceil(p/100 * n), 1-based
	if rank < 1 {
		rank = 1
	}
	return ds[rank-1]
}
